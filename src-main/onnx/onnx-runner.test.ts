import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { importIdx } from '../datasets/idx.ts';
import { initBackend } from '../engine/backend.ts';
import { loadModel } from '../engine/model-io.ts';
import { createExtractor } from '../engine/extractor.ts';
import type { BatchOutput } from '../core/extraction-types.ts';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { createOnnxRunner, onnxSessionsCached, softmaxArgmax, type OnnxRunner } from './onnx-runner.ts';
import { decodeModel, encodeModel } from './proto.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ONNX = path.join(ROOT, 'resources/demo/onnx/lenet5-bn.onnx');
const TFJS = path.join(ROOT, 'resources/demo/models/lenet5-bn/epoch-5/model.json');
const SIX = ['relu1', 'pool1', 'relu2', 'pool2', 'relu3', 'relu4'];
const N = 64;

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('createOnnxRunner on the demo lenet5-bn', () => {
  let pixels: Uint8Array;
  let ref: BatchOutput;
  let runner: OnnxRunner;

  beforeAll(async () => {
    const ds = await importIdx({ format: 'idx', dir: path.join(ROOT, 'resources/demo/data'), only: ['test'] });
    // Items 100…163 of the real test set; the runner sees a 200-item data set.
    pixels = (ds.splits[0].pixels as Uint8Array).slice(0, 200 * 784);
    await initBackend();
    const model = await loadModel(TFJS);
    const ex = createExtractor(model, { layerNames: SIX, pixelScale: 255 });
    ref = ex.run(pixels.subarray(100 * 784, (100 + N) * 784), N);
    model.dispose();
    runner = await createOnnxRunner({ modelPath: ONNX, pixels, height: 28, width: 28, channels: 1, pixelScale: 255, batchSize: 24 });
  });
  afterAll(async () => { await runner.close(); tf.disposeVariables(); });

  it('every main layer, the logits and the latent equal TF.js to 1e-4 (NHWC rows)', async () => {
    const out = await runner.run(100, N, SIX); // 3 chunks of ≤ 24 items
    expect(runner.engine).toBe('onnxruntime');
    expect(out.layers.map((l) => [l.name, l.units])).toEqual([['relu1', 3456], ['pool1', 864], ['relu2', 1024], ['pool2', 256], ['relu3', 120], ['relu4', 84]]);
    out.layers.forEach((l, i) => {
      expect(l.data.length).toBe(N * l.units);
      expect(maxDiff(l.data, ref.layers[i].data)).toBeLessThan(1e-4);
    });
    expect(maxDiff(out.logits, ref.logits)).toBeLessThan(1e-4);
    expect(maxDiff(out.probs, ref.probs)).toBeLessThan(1e-5);
    expect(Array.from(out.predicted)).toEqual(Array.from(ref.predicted));
    expect(out.latentDim).toBe(84);
    expect(maxDiff(out.latent, ref.latent)).toBeLessThan(1e-4);
    expect(out.numClasses).toBe(10);
    expect(out.count).toBe(N);
  });

  it('runItems runs scattered rows in the order given, equal to the same rows of a contiguous run', async () => {
    const whole = await runner.run(100, N, SIX);
    const rows = Int32Array.from([163, 100, 131, 117, 101]);
    const some = await runner.runItems!(rows, ['pool2', 'relu4']);
    expect(some.count).toBe(rows.length);
    rows.forEach((r, i) => {
      const k = r - 100;
      expect(maxDiff(some.layers[0].data.subarray(i * 256, (i + 1) * 256), whole.layers[3].data.subarray(k * 256, (k + 1) * 256))).toBe(0);
      expect(maxDiff(some.latent.subarray(i * 84, (i + 1) * 84), whole.latent.subarray(k * 84, (k + 1) * 84))).toBe(0);
      expect(some.predicted[i]).toBe(whole.predicted[k]);
    });
    await expect(runner.runItems!(Int32Array.from([5, 200]), SIX)).rejects.toThrow(/row 200 is outside the data set's 0…200/);
    await expect(runner.runItems!([1, 2] as unknown as Int32Array, SIX)).rejects.toThrow(/indices must be an Int32Array/);
  });

  it('reuses released output arrays and never overwrites ones still held', async () => {
    const a = await runner.run(0, 30, ['relu3']);
    const keep = Float32Array.from(a.layers[0].data);
    const b = await runner.run(50, 30, ['relu3']); // a is not released: b gets other memory
    expect(b.layers[0].data.buffer).not.toBe(a.layers[0].data.buffer);
    expect(maxDiff(a.layers[0].data, keep)).toBe(0);
    a.release!();
    a.release!(); // twice is harmless
    const c = await runner.run(120, 30, ['relu3']);
    expect(c.layers[0].data.buffer).toBe(a.layers[0].data.buffer); // a's set, reused
    const again = await runner.run(50, 30, ['relu3']);
    expect(maxDiff(b.layers[0].data, again.layers[0].data)).toBe(0);
    b.release!(); c.release!(); again.release!();
  });

  it('a later runner on the same file and layers reuses the session (and gives equal outputs)', async () => {
    const first = await runner.run(100, 10, ['relu2']);
    const before = onnxSessionsCached();
    const other = await createOnnxRunner({ modelPath: ONNX, pixels, height: 28, width: 28, channels: 1, pixelScale: 255, batchSize: 24 });
    const again = await other.run(100, 10, ['relu2']);
    expect(onnxSessionsCached()).toBe(before);
    expect(maxDiff(again.layers[0].data, first.layers[0].data)).toBe(0);
    await other.close();
    const third = await runner.run(100, 10, ['relu2']); // still usable after the other runner closed
    expect(maxDiff(third.layers[0].data, first.layers[0].data)).toBe(0);
  });

  it('concurrent run() calls each get their own items', async () => {
    const [a, b] = await Promise.all([runner.run(100, 20, ['pool2']), runner.run(120, 20, ['pool2', 'relu3'])]);
    const whole = await runner.run(100, 40, ['pool2']);
    expect(maxDiff(a.layers[0].data, whole.layers[0].data.subarray(0, 20 * 256))).toBe(0);
    expect(maxDiff(b.layers[0].data, whole.layers[0].data.subarray(20 * 256))).toBe(0);
    expect(b.layers[1].data.length).toBe(20 * 120);
    const none = await runner.run(5, 0, []);
    expect(none.count).toBe(0);
    expect(none.layers).toEqual([]);
    expect(none.predicted.length).toBe(0);
  });

  it('a model exported with a fixed batch of 8 runs in chunks of 8, the last one zero-padded', async () => {
    const m = decodeModel(await fs.readFile(ONNX), ONNX);
    m.graph!.input![0].type!.tensorType!.shape!.dim![0] = { dimValue: 8 };
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'margin-onnx-fixed-')), 'fixed8.onnx');
    await fs.writeFile(file, encodeModel(m));
    const fixed = await createOnnxRunner({ modelPath: file, pixels, height: 28, width: 28, channels: 1, pixelScale: 255 });
    expect(fixed.description.mapping.fixedBatch).toBe(8);
    const a = await fixed.run(100, 20, ['pool1', 'relu3']);
    const b = await runner.run(100, 20, ['pool1', 'relu3']);
    expect(a.layers[0].data.length).toBe(20 * 864);
    expect(maxDiff(a.layers[0].data, b.layers[0].data)).toBeLessThan(1e-5);
    expect(maxDiff(a.logits, b.logits)).toBeLessThan(1e-5);
    await fixed.close();
  });

  it('rejects unknown layers, items outside the data set and a closed runner', async () => {
    await expect(runner.run(0, 4, ['conv9'])).rejects.toThrow(/layer "conv9" is not in .*lenet5-bn\.onnx; layers are: conv1, bn1, relu1/);
    await expect(runner.run(190, 20, SIX)).rejects.toThrow(/items \[190, 210\) are outside the data set's 0…200/);
    await expect(runner.run(-1, 2, SIX)).rejects.toThrow(/outside the data set/);
    const r2 = await createOnnxRunner({ modelPath: ONNX, pixels: pixels.subarray(0, 784), height: 28, width: 28, channels: 1, pixelScale: 255 });
    await r2.close();
    await expect(r2.run(0, 1, [])).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('rejects pixels the model cannot take, and bad options', async () => {
    const rgb = new Uint8Array(2 * 32 * 32 * 3);
    await expect(createOnnxRunner({ modelPath: ONNX, pixels: rgb, height: 32, width: 32, channels: 3, pixelScale: 255 }))
      .rejects.toThrow(/takes 28×28 images with 1 channel\(s\), but the data set's images are 32×32×3/);
    await expect(createOnnxRunner({ modelPath: ONNX, pixels: new Uint8Array(785), height: 28, width: 28, channels: 1, pixelScale: 255 }))
      .rejects.toThrow(/pixels has 785 values, not a multiple of H·W·C = 784/);
    await expect(createOnnxRunner({ modelPath: ONNX, pixels: new Uint8Array(784), height: 28, width: 28, channels: 1, pixelScale: 255, threads: 0 }))
      .rejects.toThrow(/threads must be a positive integer, got 0/);
    await expect(createOnnxRunner({ modelPath: ONNX, pixels: new Uint8Array(784), height: 28, width: 28, channels: 1, pixelScale: Number.NaN }))
      .rejects.toThrow(/pixelScale must be a positive number, got NaN/);
  });
});

describe('softmaxArgmax', () => {
  it('is stable for large logits and sums to 1', () => {
    const { probs, predicted } = softmaxArgmax(new Float32Array([1000, 1001, 999, 0, 0, 0]), 2, 3);
    expect(Array.from(predicted)).toEqual([1, 0]);
    expect(probs[0] + probs[1] + probs[2]).toBeCloseTo(1, 6);
    expect(probs[1]).toBeCloseTo(Math.exp(1) / (1 + Math.exp(1) + Math.exp(-1)), 6);
    expect(probs[3]).toBeCloseTo(1 / 3, 6);
  });
});
