import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { getCheckpoint, getModel, insertDataset, listModels, getPredictions, readActivations } from '../../store/index.ts';
import { FAKE_CLASSES, fakeDataset } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { initBackend } from '../../engine/backend.ts';
import { buildModel } from '../../engine/architectures.ts';
import { saveModel } from '../../engine/model-io.ts';
import { checkpointModelPath, importModel } from './model-import.ts';
import { extract } from './extraction.ts';
import { buildProjectInfo } from './project-info.ts';
import { disposeSaliencyModels, saliencyMaps } from './saliency.ts';

const N = 300; // items of the test split
const H = 16;
let store: Store;
let lenetJson: string; // every layer translatable
let gapJson: string; // a GlobalAveragePooling2D layer: no translation

beforeAll(async () => {
  await initBackend();
  const dir = tmpDir('margin-import-');
  store = await createProject(path.join(dir, 'p'), { now: fakeClock() });
  await insertDataset(store, 'toy', fakeDataset({ test: N }, H, H), null);
  const lenet = buildModel('lenet5-bn', { inputShape: [H, H, 1], numClasses: FAKE_CLASSES, seed: 5 });
  lenetJson = await saveModel(lenet, path.join(dir, 'lenet'));
  lenet.dispose();
  const gap = tf.sequential({
    name: 'gapnet',
    layers: [
      tf.layers.conv2d({ name: 'conv', inputShape: [H, H, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ name: 'logits', units: FAKE_CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  gapJson = await saveModel(gap, path.join(dir, 'gap'));
  gap.dispose();
});

afterAll(async () => {
  await disposeSaliencyModels();
  await store?.close();
});

/** The folder holding a checkpoint's files, as the store records it. */
async function checkpointDir(checkpointId: number): Promise<string> {
  return path.dirname(checkpointModelPath(store, (await getCheckpoint(store, checkpointId)).path));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('importModel engine choice', () => {
  it("auto translates a supported TF.js model; its extraction matches the TF.js engine's to 1e-4 and saliency still works", async () => {
    const ort = await importModel(store, { name: 'ort', path: lenetJson, checkpoint: 'epoch-1' });
    expect(ort).toMatchObject({ created: true, engine: 'onnxruntime', layers: 16 });
    expect(ort.translationSeconds).toBeGreaterThan(0);
    expect(ort.engineNote).toMatch(/^translated to ONNX at import: 16 layers checked against TF\.js on 64 images of test, max \|ONNX − TF\.js\| [\d.]+e-\d+ \(tolerance 0\.0001\)$/);
    const ortDir = await checkpointDir(ort.checkpointId);
    expect(path.relative(store.dir, ortDir)).toBe(path.join('models', String(ort.modelId), String(ort.checkpointId)));
    expect(fs.existsSync(path.join(ortDir, 'model.onnx'))).toBe(true);
    expect(fs.existsSync(path.join(ortDir, 'model.json'))).toBe(true);
    const tfjs = await importModel(store, { name: 'tfjs', path: lenetJson, checkpoint: 'epoch-1', engine: 'tfjs' });
    expect(tfjs).toMatchObject({ engine: 'tfjs', engineNote: 'stays on TF.js: engine tfjs chosen at import', translationSeconds: null });
    expect(fs.existsSync(path.join(await checkpointDir(tfjs.checkpointId), 'model.onnx'))).toBe(false);
    expect((await getModel(store, 'ort')).engineChoice).toBe('auto');

    const layers = ['relu1', 'pool2', 'relu4'];
    const a = await extract(store, { model: 'ort', layers, workers: 0 });
    const b = await extract(store, { model: 'tfjs', layers, workers: 0 });
    expect(a.engine).toBe('onnxruntime');
    expect(b.engine).not.toMatch(/onnx/);
    expect([a.computed, b.computed]).toEqual([N, N]);
    const pa = await getPredictions(store, ort.checkpointId);
    const pb = await getPredictions(store, tfjs.checkpointId);
    expect(maxAbsDiff(pa.logits.data, pb.logits.data)).toBeLessThan(1e-4);
    expect(Array.from(pa.predicted)).toEqual(Array.from(pb.predicted));
    for (const l of layers) {
      const xa = await readActivations(store, ort.checkpointId, l);
      const xb = await readActivations(store, tfjs.checkpointId, l);
      expect(Array.from(xa.itemIds)).toEqual(Array.from(xb.itemIds));
      expect(maxAbsDiff(xa.data, xb.data)).toBeLessThan(1e-4);
    }

    // Saliency (gradients) keeps using the checkpoint's TF.js files.
    const maps = await saliencyMaps(store, ort.checkpointId, [1, 2]);
    expect(maps.map((m) => [m.h, m.w])).toEqual([[H, H], [H, H]]);
    expect(maps.every((m) => m.values.every((v) => Number.isFinite(v) && v >= 0))).toBe(true);

    const info = await buildProjectInfo(store, false);
    const m = info.models.find((x) => x.name === 'ort')!;
    expect(m.engine).toMatch(/^onnxruntime \(translated from TF\.js; \w+ for saliency\)$/);
    expect(m.checkpoints[0].engine).toBe(m.engine);
    expect(m.checkpoints[0].engineNote).toBe(ort.engineNote);
    expect(info.models.find((x) => x.name === 'tfjs')!.engine).toMatch(/^tfjs \(\w+\)$/);
  });

  it('a model with an unsupported layer stays on TF.js with its reason under auto, and fails under onnxruntime', async () => {
    const r = await importModel(store, { name: 'gap', path: gapJson });
    expect(r.engine).toBe('tfjs');
    expect(r.engineNote).toMatch(/^stays on TF\.js: layer gap \(GlobalAveragePooling2D\) has no ONNX translation; supported layers: InputLayer, Conv2D, .*Dropout$/);
    expect(fs.existsSync(path.join(await checkpointDir(r.checkpointId), 'model.onnx'))).toBe(false);
    const foldersBefore = fs.readdirSync(path.join(store.dir, 'models')).sort();
    const info = await buildProjectInfo(store, false);
    expect(info.models.find((x) => x.name === 'gap')).toMatchObject({ engineNote: r.engineNote });

    await expect(importModel(store, { name: 'gap-ort', path: gapJson, engine: 'onnxruntime' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/^engine onnxruntime: .*model\.json cannot run on ONNX Runtime: layer gap \(GlobalAveragePooling2D\) has no ONNX translation; supported layers: .*Dropout; import it with engine auto or tfjs to run it on TensorFlow\.js$/),
    });
    // Refused before anything was written.
    expect((await listModels(store)).some((m) => m.name === 'gap-ort')).toBe(false);
    expect(fs.readdirSync(path.join(store.dir, 'models')).sort()).toEqual(foldersBefore);
  });

  it('a checkpoint failing the check: auto keeps it on TF.js beside translated ones (mixed, explained); onnxruntime names the layer and difference', async () => {
    await importModel(store, { name: 'mix', path: lenetJson, checkpoint: 'epoch-1' });
    const bad = await importModel(store, { name: 'mix', path: lenetJson, checkpoint: 'epoch-2' }, { translationTolerance: 1e-12 });
    expect(bad).toMatchObject({ created: false, engine: 'tfjs' });
    expect(bad.engineNote).toMatch(/^stays on TF\.js: ONNX translation of model lenet5_bn differs from TensorFlow\.js by [\d.e-]+ on layer \w+ \(tolerance 1e-12\)$/);
    const info = await buildProjectInfo(store, false);
    const mix = info.models.find((x) => x.name === 'mix')!;
    expect(mix.engine).toMatch(/^mixed: onnxruntime \(translated from TF\.js\) for epoch-1; tfjs \(\w+\) for epoch-2$/);
    expect(mix.engineNote).toBe(`epoch-2: ${bad.engineNote}`);
    expect(mix.checkpoints.map((c) => c.engine.split(' ')[0])).toEqual(['onnxruntime', 'tfjs']);
    // That checkpoint extracts on TF.js.
    const e = await extract(store, { model: 'mix', checkpoint: 'epoch-2', layers: [], workers: 0 });
    expect(e.engine).not.toMatch(/onnx/);

    await expect(importModel(store, { name: 'strict', path: lenetJson, engine: 'onnxruntime' }, { translationTolerance: 1e-12 })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/^engine onnxruntime: .* cannot run on ONNX Runtime: ONNX translation of model lenet5_bn differs from TensorFlow\.js by [\d.e-]+ on layer \w+ \(tolerance 1e-12\); import it with engine auto or tfjs/),
    });
  });

  it('checkpoints follow the engine the model was imported with; bad engine arguments', async () => {
    await importModel(store, { name: 'pinned', path: lenetJson, checkpoint: 'epoch-1', engine: 'tfjs' });
    const second = await importModel(store, { name: 'pinned', path: lenetJson, checkpoint: 'epoch-2' });
    expect(second.engine).toBe('tfjs'); // the model's recorded choice, not auto
    await expect(importModel(store, { name: 'pinned', path: lenetJson, checkpoint: 'epoch-3', engine: 'auto' })).rejects.toMatchObject({
      code: 'BAD_INPUT', message: 'engine: model "pinned" was imported with engine tfjs; add checkpoints with the same engine (or leave it out), or import this one under another name',
    });
    await expect(importModel(store, { name: 'x', path: lenetJson, engine: 'gpu' as never })).rejects.toThrow(/^engine: must be one of auto, tfjs, onnxruntime, got "gpu"$/);
    await expect(importModel(store, { name: 'x', path: '/nowhere/m.onnx', engine: 'tfjs' })).rejects.toThrow(/^engine: \/nowhere\/m\.onnx is an ONNX file, which runs on ONNX Runtime only; engine tfjs needs a TF\.js model\.json$/);
  });
});
