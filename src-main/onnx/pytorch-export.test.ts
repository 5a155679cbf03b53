/**
 * A real PyTorch model through Margin (issue 7): resources/demo/onnx/lenet5-bn-pytorch.onnx is a
 * plain torch.onnx.export (PyTorch 1.13, opset 13) of a LeNet-5-BN trained on Fashion-MNIST by
 * scripts/pytorch/lenet5_bn.py; lenet5-bn-pytorch.json holds what PyTorch measured. CI never runs
 * Python: these tests use only the committed files.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { createProject, type Store } from '../store/project.ts';
import { getSplit } from '../store/datasets.ts';
import { getModel, type ModelDetail } from '../store/models.ts';
import { getPredictions, getLatent } from '../store/predictions.ts';
import { readActivations } from '../store/activations.ts';
import { fakeClock, tmpDir } from '../store/test-support/tmp.ts';
import { importIntoProject } from '../app/services/datasets.ts';
import { importModel } from '../app/services/model-import.ts';
import { extract, ensureActivations } from '../app/services/extraction.ts';
import { createSample } from '../app/services/samples.ts';
import { mainLayers } from '../app/services/layers.ts';
import { runQuery } from '../app/services/queries.ts';
import { requests, type ParamsIn } from '../shared/api.ts';
import { topK } from '../queries/index.ts';
import { describeOnnxModel } from './onnx-model.ts';
import { createSessionWithOutputs } from './expose-outputs.ts';
import { nchwToNhwc } from './layout.ts';
import { decodeModel } from './proto.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ONNX = path.join(ROOT, 'resources/demo/onnx/lenet5-bn-pytorch.onnx');
const DATA = path.join(ROOT, 'resources/demo/data');
const MODEL = 'lenet5-bn-pytorch';
const SIX = ['relu1', 'pool1', 'relu2', 'pool2', 'relu3', 'relu4'];

interface Recorded {
  torch: string; opset: number; epochs: number; seed: number;
  test_accuracy: number; test_correct: number; first_logits: number[][]; first_labels: number[];
}

/** PyTorch's tensor name of a module's output, as torch.onnx.export names it ('/relu1/Relu_output_0'). */
function tensorOf(model: { layers: Array<{ name: string }> }, module: string): string {
  const hits = model.layers.filter((l) => l.name.startsWith(`/${module}/`));
  expect(hits.length, `one layer of module ${module}`).toBe(1);
  return hits[0].name;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let store: Store;
let rec: Recorded;
let model: ModelDetail;
let pixels: Uint8Array;
let itemIds: Int32Array;
let six: string[];
let imported: Awaited<ReturnType<typeof importModel>>;

beforeAll(async () => {
  rec = JSON.parse(await fs.readFile(ONNX.replace(/\.onnx$/, '.json'), 'utf8')) as Recorded;
  store = await createProject(tmpDir('margin-pytorch-'), { now: fakeClock() });
  await importIntoProject(store, { name: 'fashion-mnist', format: 'idx', path: DATA, classNames: 'fashion-mnist' });
  imported = await importModel(store, { name: MODEL, path: ONNX });
  model = await getModel(store, MODEL);
  const split = await getSplit(store, model.datasetId!, model.split);
  pixels = split.pixels as Uint8Array;
  itemIds = split.itemIds;
  six = SIX.map((m) => tensorOf(model, m));
});
afterAll(async () => { await store?.close(); });

/**
 * ONNX Runtime straight on the untouched file (no Margin runner), items [start, start + n) in runs
 * of 500: per tensor, n rows in NHWC order (4-D outputs transposed here, with layout.ts).
 */
async function ortReference(names: string[], start: number, n: number): Promise<Map<string, Float32Array>> {
  const session = await createSessionWithOutputs(decodeModel(await fs.readFile(ONNX), ONNX), names, { threads: 1 });
  const parts = new Map<string, Float32Array[]>(names.map((k) => [k, []]));
  try {
    for (let i = start; i < start + n; i += 500) {
      const m = Math.min(500, start + n - i);
      const x = Float32Array.from(pixels.subarray(i * 784, (i + m) * 784), (p) => p / 255);
      const out = await session.run({ input: new ort.Tensor('float32', x, [m, 1, 28, 28]) });
      for (const k of names) {
        const t = out[k];
        const d = t.dims;
        parts.get(k)!.push(d.length === 4 ? nchwToNhwc(t.data as Float32Array, d[0], d[1], d[2], d[3]) : (t.data as Float32Array));
      }
    }
  } finally {
    await session.release();
  }
  return new Map([...parts].map(([k, arrs]) => {
    const all = new Float32Array(arrs.reduce((a, b) => a + b.length, 0));
    let o = 0;
    for (const a of arrs) { all.set(a, o); o += a.length; }
    return [k, all];
  }));
}

describe('a PyTorch export (torch.onnx.export, opset 13) imports like a TF.js model', () => {
  it('the recorded run is what the script says', () => {
    expect(rec).toMatchObject({ opset: 13, seed: 1, epochs: 3 });
    expect(rec.torch).toMatch(/^1\.13/);
    expect(rec.first_logits).toHaveLength(8);
    expect(rec.test_correct / 10000).toBeCloseTo(rec.test_accuracy, 12);
  });

  it('describe: NCHW input scaled by 1/255, PyTorch node outputs as layers with NHWC-style shapes, latent = input of the last Gemm', async () => {
    const d = await describeOnnxModel(ONNX, { height: 28, width: 28, channels: 1 });
    expect(d).toMatchObject({ inputName: 'input', outputName: 'logits', layout: 'NCHW', numClasses: 10, opset: 13, softmaxInModel: false, logitsTensor: 'logits' });
    expect(d.producer).toMatch(/^pytorch 1\.13/);
    expect(d.mapping).toEqual({ layout: 'NCHW', scale: 1 / 255, transpose: true, itemShape: [28, 28, 1], fixedBatch: null });
    // …and the import says so in words (CLI, margin info, the Model view)
    expect(imported.inputMapping).toBe('input "input" NCHW [N, 1, 28, 28] ← 28×28×1 images: pixels × 1/255, NHWC → NCHW (one channel: same order)');
    // The exporter folds bn1/bn2 into the convolutions; bn3/bn4 (BatchNorm1d) stay as nodes.
    expect(d.layers.map((l) => [l.name, l.className, l.shape])).toEqual([
      ['/conv1/Conv_output_0', 'Conv', [24, 24, 6]],
      ['/relu1/Relu_output_0', 'Relu', [24, 24, 6]],
      ['/pool1/MaxPool_output_0', 'MaxPool', [12, 12, 6]],
      ['/conv2/Conv_output_0', 'Conv', [8, 8, 16]],
      ['/relu2/Relu_output_0', 'Relu', [8, 8, 16]],
      ['/pool2/MaxPool_output_0', 'MaxPool', [4, 4, 16]],
      ['/flatten/Flatten_output_0', 'Flatten', [256]],
      ['/fc1/Gemm_output_0', 'Gemm', [120]],
      ['/bn3/BatchNormalization_output_0', 'BatchNormalization', [120]],
      ['/relu3/Relu_output_0', 'Relu', [120]],
      ['/fc2/Gemm_output_0', 'Gemm', [84]],
      ['/bn4/BatchNormalization_output_0', 'BatchNormalization', [84]],
      ['/relu4/Relu_output_0', 'Relu', [84]],
      ['logits', 'Gemm', [10]],
    ]);
    expect(d.latentLayer).toBe('/relu4/Relu_output_0');
    const by = new Map(d.layers.map((l) => [l.name, l]));
    // Gemm with transB = 1: weight [out, in]; FLOPs use the input's width, not the weight's first dim.
    expect(by.get('/fc1/Gemm_output_0')).toMatchObject({ params: 256 * 120 + 120, flops: 2 * 256 * 120 });
    expect(by.get('/conv1/Conv_output_0')).toMatchObject({ params: 6 * 25 + 6, flops: 2 * 24 * 24 * 6 * 25 });
    // TF.js lenet5-bn has 45,330 parameters; folding bn1/bn2 removes their 4 × (6 + 16) = 88.
    expect(d.totalParams).toBe(45330 - 88);
    expect(d.flopsPerItem).toBe(563280);

    // The imported model: same layers, latent and classes; the default "main" layers are the paper's six.
    expect(model).toMatchObject({ engine: 'onnxruntime', numClasses: 10, latentLayer: '/relu4/Relu_output_0', inputShape: [28, 28, 1] });
    expect(model.layers.map((l) => l.name)).toEqual(d.layers.map((l) => l.name));
    expect(mainLayers(model.layers)).toEqual(six);
  });

  it('extraction of every test item: logits equal PyTorch\'s to 1e-4 and the accuracy is PyTorch\'s', async () => {
    const relu4 = tensorOf(model, 'relu4');
    const out = await extract(store, { model: MODEL, layers: [relu4] });
    expect(out).toMatchObject({ total: 10000, computed: 10000, engine: 'onnxruntime' });
    const ck = model.checkpoints[0].id;
    const p = await getPredictions(store, ck);
    expect(p.itemIds).toEqual(itemIds);
    expect(p.logits.cols).toBe(10);
    expect(maxDiff(p.logits.data.subarray(0, 80), rec.first_logits.flat())).toBeLessThan(1e-4);
    expect(Array.from(p.trueLabels.subarray(0, 8))).toEqual(rec.first_labels);
    const accuracy = p.correct.reduce((a, c) => a + c, 0) / p.correct.length;
    expect(Math.abs(accuracy - rec.test_accuracy)).toBeLessThanOrEqual(0.001);
    // The latent is relu4 (84 units) and equals the stored relu4 activations.
    const latent = await getLatent(store, ck);
    expect([latent.rows, latent.cols]).toEqual([10000, 84]);
    const acts = await readActivations(store, ck, relu4);
    expect(maxDiff(acts.data, latent.data)).toBe(0);
  });

  it('six layers of a 3 % sample are stored as ONNX Runtime computes them (NHWC rows)', async () => {
    const sample = await createSample(store, { model: MODEL, method: 'uniform', fraction: 0.03, seed: 1 });
    expect(sample.size).toBe(300);
    const out = await extract(store, { model: MODEL, layers: six, sample: sample.name });
    expect(out.layers).toEqual(six);
    expect(out.computed).toBe(300);
    // Reference: ORT on the untouched file for the 200 split items from the first member on; the
    // members among them are compared.
    const ck = model.checkpoints[0].id;
    const stored = await readActivations(store, ck, six[0]);
    expect(stored.rows).toBe(300);
    const members = new Set(stored.itemIds);
    const index = new Map(Array.from(itemIds, (id, i) => [id, i]));
    const firstIdx = Math.min(...Array.from(members, (id) => index.get(id)!));
    const ref = await ortReference(six, firstIdx, 200);
    const inBlock = Array.from(members).filter((id) => index.get(id)! < firstIdx + 200);
    expect(inBlock.length).toBeGreaterThan(1);
    for (const name of six) {
      const m = await readActivations(store, ck, name, Int32Array.from(inBlock));
      const all = ref.get(name)!;
      const units = all.length / 200;
      expect(m.cols).toBe(units);
      const want = new Float32Array(inBlock.length * units);
      inBlock.forEach((id, r) => want.set(all.subarray((index.get(id)! - firstIdx) * units, (index.get(id)! - firstIdx + 1) * units), r * units));
      expect(maxDiff(m.data, want), name).toBeLessThan(1e-5);
    }
  });

  it('queries answer on the PyTorch model: S1 top-10 from the sample against the exact answer', async () => {
    const relu4 = tensorOf(model, 'relu4');
    const sample = (await createSample(store, { model: MODEL, method: 'stratified', fraction: 0.05, seed: 1 })).name;
    const deps = { ensureActivations, now: fakeClock(), save: false };
    const run = (p: ParamsIn<'query.run'>) => runQuery(store, requests['query.run'].params.parse(p), deps);
    const r = await run({ model: MODEL, set: 'S1', layer: relu4, k: 10, sample, subset: { trueClass: 0 } });
    expect(r.answer.topK).toHaveLength(10);
    expect(r.answer.shape).toEqual([84]);
    expect(r.sample!.error!.metric).toBe('precision@K');
    expect(r.sample!.error!.value).toBeGreaterThanOrEqual(0.5);
    // The exact top-10 equals a naive ranking of the class-0 items' latent vectors (relu4, kept in
    // the latents table apart from the activation chunks the query reads).
    const ck = model.checkpoints[0].id;
    const ref = (await getLatent(store, ck)).data;
    const p = await getPredictions(store, ck);
    const mean = new Float64Array(84);
    let count = 0;
    p.trueLabels.forEach((y, i) => {
      if (y !== 0) return;
      count++;
      for (let j = 0; j < 84; j++) mean[j] += ref[i * 84 + j];
    });
    expect(r.sample!.exact!.items).toBe(count);
    expect(r.sample!.exact!.topK!.map((t) => t.neuron)).toEqual(Array.from(topK(mean.map((v) => v / count), 10)));
    // A conv layer at channel granularity, answered from the sample's members only (no exact answer stored).
    const c = await run({ model: MODEL, set: 'S2', layer: tensorOf(model, 'relu1'), sample, granularity: 'channel', subset: { outcome: 'incorrect' } });
    expect(c.answer.shape).toEqual([6]);
    expect(c.answer.items).toBeGreaterThan(0);
    expect(c.sample!.confidenceInterval!.lower).toHaveLength(6);
  });
});
