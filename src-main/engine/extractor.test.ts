import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.ts';
import { buildModel } from './architectures.ts';
import { createExtractor } from './extractor.ts';
import { createRng } from '../core/rng.ts';

let model: tf.LayersModel;
beforeAll(async () => {
  await initBackend('wasm');
  model = buildModel('lenet5-bn', { inputShape: [16, 16, 1], numClasses: 5, seed: 4 });
});

function randomPixels(n: number, per: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: n * per }, () => rng.int(256));
}

describe('createExtractor', () => {
  const pixels = randomPixels(7, 256, 9);

  it('returns logits equal to model.predict, softmax, argmax, layers and latent', () => {
    const ex = createExtractor(model, { layerNames: ['conv1', 'pool2', 'relu4'], batchSize: 3, pixelScale: 255 });
    const out = ex.run(pixels, 7);
    const ref = tf.tidy(() => model.predict(tf.tensor4d(Float32Array.from(pixels, (v) => v / 255), [7, 16, 16, 1])) as tf.Tensor);
    const want = ref.dataSync();
    ref.dispose();
    expect(out.count).toBe(7);
    expect(out.numClasses).toBe(5);
    for (let i = 0; i < want.length; i++) expect(out.logits[i]).toBeCloseTo(want[i], 5);
    expect(out.layers.map((l) => [l.name, l.units])).toEqual([['conv1', 12 * 12 * 6], ['pool2', 1 * 1 * 16], ['relu4', 84]]);
    expect(out.layers[0].data.length).toBe(7 * 12 * 12 * 6);
    expect(out.latentDim).toBe(84);
    expect(Array.from(out.latent)).toEqual(Array.from(out.layers[2].data));
    for (let i = 0; i < 7; i++) {
      const row = Array.from(out.probs.subarray(i * 5, i * 5 + 5));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const lrow = Array.from(out.logits.subarray(i * 5, i * 5 + 5));
      expect(out.predicted[i]).toBe(lrow.indexOf(Math.max(...lrow)));
    }
    expect(out.latent.every((v) => v >= 0)).toBe(true); // after ReLU
  });

  it('gives the same result whatever the batch size, and accepts float pixels', () => {
    const a = createExtractor(model, { layerNames: ['fc1'], batchSize: 7 }).run(pixels, 7);
    const b = createExtractor(model, { layerNames: ['fc1'], batchSize: 2 }).run(pixels, 7);
    const f = createExtractor(model, { layerNames: ['fc1'], pixelScale: 1 }).run(Float32Array.from(pixels, (v) => v / 255), 7);
    for (let i = 0; i < a.layers[0].data.length; i++) {
      expect(b.layers[0].data[i]).toBeCloseTo(a.layers[0].data[i], 4);
      expect(f.layers[0].data[i]).toBeCloseTo(a.layers[0].data[i], 4);
    }
  });

  it('handles an empty batch', () => {
    const out = createExtractor(model, { layerNames: ['conv2'] }).run(new Uint8Array(0), 0);
    expect(out.count).toBe(0);
    expect(out.logits.length).toBe(0);
    expect(out.layers[0].data.length).toBe(0);
  });

  it('leaks no tensors across batches', () => {
    const ex = createExtractor(model, { layerNames: ['conv1', 'bn3'], batchSize: 4 });
    ex.run(pixels, 7);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) ex.run(pixels, 7);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('recovers logits from a model that ends in softmax', () => {
    const m = tf.sequential({ layers: [
      tf.layers.flatten({ inputShape: [2, 2, 1] }),
      tf.layers.dense({ units: 4, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ] });
    const px = Float32Array.from([0.1, 0.9, 0.3, 0.5, 1, 0, 0.2, 0.7]);
    const out = createExtractor(m, { layerNames: [], pixelScale: 1 }).run(px, 2);
    const probs = tf.tidy(() => (m.predict(tf.tensor4d(px, [2, 2, 2, 1])) as tf.Tensor).dataSync());
    for (let i = 0; i < 6; i++) expect(out.probs[i]).toBeCloseTo(probs[i], 5);
    expect(out.latentDim).toBe(4);
    m.dispose();
  });

  it('rejects bad arguments', () => {
    expect(() => createExtractor(model, { layerNames: ['nope'] })).toThrow(/layer "nope" is not in model .*; layers are: conv1, bn1/);
    expect(() => createExtractor(model, { layerNames: [], batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => createExtractor(model, { layerNames: [], pixelScale: NaN })).toThrow(/pixelScale must be a positive number, got NaN/);
    const ex = createExtractor(model, { layerNames: [] });
    expect(() => ex.run(new Uint8Array(10), 1)).toThrow(/pixels has 10 values, expected count·H·W·C = 1·16·16·1 = 256/);
    expect(() => ex.run(new Uint8Array(0), -1)).toThrow(/count must be a non-negative integer, got -1/);
  });
});
