import { describe, it, expect, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.ts';
import { createExtractor } from '../engine/extractor.ts';
import { saveModel } from '../engine/model-io.ts';
import { createRng } from '../core/rng.ts';
import { checkTranslation, layersModelToOnnx, translateModelFile } from './from-layers-model.ts';
import { createOnnxRunner } from './onnx-runner.ts';
import { decodeModel, encodeModel, FLOAT } from './proto.ts';

/** A small model touching every supported layer kind and option. */
function buildOddModel(seed: number): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 100 + k });
  const m = tf.sequential({
    name: 'odd',
    layers: [
      tf.layers.conv2d({ name: 'c1', inputShape: [11, 9, 3], filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1), biasInitializer: 'ones' }),
      tf.layers.batchNormalization({ name: 'bn', movingMeanInitializer: 'ones', movingVarianceInitializer: tf.initializers.constant({ value: 2 }), gammaInitializer: tf.initializers.constant({ value: 0.5 }) }),
      tf.layers.averagePooling2d({ name: 'ap', poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.conv2d({ name: 'c2', filters: 5, kernelSize: 2, padding: 'valid', useBias: false, kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ name: 'mp', poolSize: 2, strides: 1, padding: 'same' }),
      tf.layers.activation({ name: 'act', activation: 'tanh' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dropout({ name: 'drop', rate: 0.5 }),
      tf.layers.dense({ name: 'd1', units: 7, activation: 'sigmoid', kernelInitializer: init(3) }),
      tf.layers.reLU({ name: 'r' }),
      tf.layers.dense({ name: 'out', units: 3, activation: 'softmax', kernelInitializer: init(4), biasInitializer: 'ones' }),
    ],
  });
  return m;
}

describe('layersModelToOnnx', () => {
  beforeAll(async () => { await initBackend(); });
  const rng = createRng(7);
  const x = Float32Array.from({ length: 5 * 11 * 9 * 3 }, () => rng.next());

  it('translates every supported layer kind to within 1e-4 of TF.js, layer by layer', async () => {
    const model = buildOddModel(1);
    const t = layersModelToOnnx(model);
    expect(t.layerNames).toEqual(['c1', 'bn', 'ap', 'c2', 'mp', 'act', 'flat', 'drop', 'd1', 'r', 'out']);
    expect(t.inputShape).toEqual([11, 9, 3]);
    const check = await checkTranslation(model, t, x, 5);
    expect(check.maxAbsDiff).toBeLessThan(1e-4);
    expect(Object.keys(check.perLayer)).toEqual(t.layerNames);
    // Translation is deterministic: the same model gives the same bytes.
    expect(Buffer.from(layersModelToOnnx(model).bytes).equals(Buffer.from(t.bytes))).toBe(true);
    model.dispose();
  });

  it('a model ending in softmax: the runner reports the pre-softmax logits', async () => {
    const model = buildOddModel(2);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'margin-onnx-tr-'));
    const modelJsonPath = await saveModel(model, dir);
    const pixels = Uint8Array.from({ length: 6 * 11 * 9 * 3 }, () => rng.int(256));
    const outPath = path.join(dir, 'odd.onnx');
    const res = await translateModelFile({ modelJsonPath, outPath, pixels, pixelScale: 255, checkItems: 6 });
    expect(res.check.maxAbsDiff).toBeLessThan(1e-4);
    const runner = await createOnnxRunner({ modelPath: outPath, pixels, height: 11, width: 9, channels: 3, pixelScale: 255 });
    expect(runner.description).toMatchObject({ softmaxInModel: true, latentLayer: 'r', numClasses: 3, layout: 'NCHW' });
    const got = await runner.run(0, 6, ['c1', 'mp', 'act']);
    const ref = createExtractor(model, { layerNames: ['c1', 'mp', 'act'], pixelScale: 255 }).run(pixels, 6);
    for (const [a, b] of [[got.logits, ref.logits], [got.probs, ref.probs], [got.latent, ref.latent], ...got.layers.map((l, i) => [l.data, ref.layers[i].data])]) {
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4);
    }
    await runner.close();
    model.dispose();
  });

  it('refuses a translation that does not match, naming the layer', async () => {
    const a = buildOddModel(3), b = buildOddModel(4);
    await expect(checkTranslation(a, layersModelToOnnx(b), x, 5)).rejects.toMatchObject({
      code: 'INTERNAL', message: expect.stringMatching(/^ONNX translation of model odd differs from TensorFlow\.js by [\d.e-]+ on layer \w+ \(tolerance 0\.0001\); keep the model on TensorFlow\.js/),
    });
    await expect(checkTranslation(a, layersModelToOnnx(a), x.subarray(1), 5)).rejects.toThrow(/x must hold count·H·W·C = 5·11·9·3 values/);
    a.dispose(); b.dispose();
  });

  it('leaves unsupported layers to TF.js with an UNSUPPORTED error', () => {
    const m = tf.sequential({ layers: [tf.layers.conv2d({ name: 'c', inputShape: [8, 8, 1], filters: 2, kernelSize: 3 }), tf.layers.globalAveragePooling2d({ name: 'gap' }), tf.layers.dense({ units: 2 })] });
    expect(() => layersModelToOnnx(m)).toThrow(/layer gap \(GlobalAveragePooling2D\) has no ONNX translation; supported layers: InputLayer, Conv2D.*The model stays on TensorFlow\.js/);
    const e = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ name: 'e', units: 2, activation: 'elu' })] });
    expect(() => layersModelToOnnx(e)).toThrow(/layer e: activation elu has no ONNX translation/);
    m.dispose(); e.dispose();
  });

  it('an NHWC-input model (as tf2onnx writes) gets the pixels untransposed', async () => {
    const model = buildOddModel(5);
    const m = decodeModel(layersModelToOnnx(model).bytes, 'odd');
    // A new NHWC input feeding a Transpose to the NCHW tensor the graph expects.
    m.graph!.input = [{ name: 'image', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'n' }, { dimValue: 11 }, { dimValue: 9 }, { dimValue: 3 }] } } } }];
    m.graph!.node!.unshift({ opType: 'Transpose', input: ['image'], output: ['input'], name: 'to_nchw', attribute: [{ name: 'perm', type: 7, ints: [0, 3, 1, 2] }] });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'margin-onnx-nhwc-'));
    const file = path.join(dir, 'nhwc.onnx');
    await fs.writeFile(file, encodeModel(m));
    const pixels = Uint8Array.from({ length: 4 * 11 * 9 * 3 }, () => rng.int(256));
    const runner = await createOnnxRunner({ modelPath: file, pixels, height: 11, width: 9, channels: 3, pixelScale: 255 });
    expect(runner.description.mapping).toMatchObject({ layout: 'NHWC', transpose: false, itemShape: [11, 9, 3] });
    const got = await runner.run(0, 4, ['d1']);
    const ref = createExtractor(model, { layerNames: ['d1'], pixelScale: 255 }).run(pixels, 4);
    for (const [a, b] of [[got.logits, ref.logits], [got.layers[0].data, ref.layers[0].data], [got.latent, ref.latent]]) {
      for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4);
    }
    await runner.close();
    model.dispose();
  });
});
