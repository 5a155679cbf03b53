import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.ts';
import { buildModel } from './architectures.ts';
import { computeSaliency } from './saliency.ts';
import { createRng } from '../core/rng.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

/** A small smooth dense model (tanh), so central differences are accurate. */
function tinyDense(softmax: boolean): tf.LayersModel {
  return tf.sequential({ layers: [
    tf.layers.flatten({ inputShape: [2, 3, 2] }),
    tf.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: tf.initializers.constant({ value: 0.1 }) }),
    tf.layers.dense({ units: 3, activation: softmax ? 'softmax' : 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  ] });
}

describe('computeSaliency', () => {
  it('matches central finite differences of the class logit on a tiny dense model', () => {
    for (const softmax of [false, true]) {
      const m = tinyDense(softmax);
      const rng = createRng(3);
      const count = 3;
      const per = 12;
      const px = Float32Array.from({ length: count * per }, () => rng.next());
      const classes = Int32Array.from([0, 2, 1]);
      const s = computeSaliency(m, px, classes, { height: 2, width: 3, channels: 2, pixelScale: 1 });
      expect(s.count).toBe(3);
      expect(s.gradients.length).toBe(count * per);
      expect(s.heatmap.length).toBe(count * 6);
      // Logits by hand from the weights (float64), so the difference quotient is exact enough.
      const [w1, b1, w2, b2] = m.getWeights().map((t) => Array.from(t.dataSync()));
      const logit = (x: number[], k: number): number => {
        const hidden = Array.from({ length: 5 }, (_, j) => Math.tanh(x.reduce((a, v, i) => a + v * w1[i * 5 + j], b1[j])));
        return hidden.reduce((a, v, j) => a + v * w2[j * 3 + k], b2[k]);
      };
      const eps = 1e-4;
      for (let it = 0; it < count; it++) {
        const x = Array.from(px.subarray(it * per, (it + 1) * per));
        for (let i = 0; i < per; i++) {
          const up = x.slice(); up[i] += eps;
          const dn = x.slice(); dn[i] -= eps;
          const fd = (logit(up, classes[it]) - logit(dn, classes[it])) / (2 * eps);
          expect(Math.abs(s.gradients[it * per + i] - fd)).toBeLessThan(1e-4);
        }
        for (let p = 0; p < 6; p++) {
          const g = s.gradients.subarray(it * per + p * 2, it * per + p * 2 + 2);
          expect(s.heatmap[it * 6 + p]).toBeCloseTo(Math.max(Math.abs(g[0]), Math.abs(g[1])), 6);
        }
      }
      m.dispose();
    }
  });

  it('runs on lenet5-bn on wasm (conv input gradients), divides by pixelScale, leaks no tensors', () => {
    const m = buildModel('lenet5-bn', { inputShape: [16, 16, 1], numClasses: 4, seed: 2 });
    const rng = createRng(1);
    const px = Uint8Array.from({ length: 5 * 256 }, () => rng.int(256));
    const classes = Int32Array.from([0, 1, 2, 3, 0]);
    computeSaliency(m, px, classes, { height: 16, width: 16, channels: 1, pixelScale: 255, batchSize: 2 });
    const before = tf.memory().numTensors;
    const s = computeSaliency(m, px, classes, { height: 16, width: 16, channels: 1, pixelScale: 255, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(s.gradients.length).toBe(5 * 256);
    expect(s.gradients.every(Number.isFinite)).toBe(true);
    expect(s.heatmap.some((v) => v > 0)).toBe(true);
    // Same pixels given as floats in [0, 1] give the same gradients.
    const f = computeSaliency(m, Float32Array.from(px, (v) => v / 255), classes, { height: 16, width: 16, channels: 1, pixelScale: 1 });
    for (let i = 0; i < s.gradients.length; i++) expect(f.gradients[i]).toBeCloseTo(s.gradients[i], 5);
    m.dispose();
  });

  it('handles no items and rejects bad arguments', () => {
    const m = tinyDense(false);
    const opts = { height: 2, width: 3, channels: 2, pixelScale: 1 };
    expect(computeSaliency(m, new Float32Array(0), new Int32Array(0), opts).gradients.length).toBe(0);
    expect(() => computeSaliency(m, new Float32Array(5), Int32Array.from([0]), opts)).toThrow(/pixels has 5 values, expected classes\.length·H·W·C = 1·12 = 12/);
    expect(() => computeSaliency(m, new Float32Array(12), Int32Array.from([3]), opts)).toThrow(/classes\[0\] = 3 is not a class of the model \(0…2\)/);
    expect(() => computeSaliency(m, new Float32Array(12), Int32Array.from([0]), { ...opts, pixelScale: 0 })).toThrow(/pixelScale must be a positive number, got 0/);
    m.dispose();
  });
});
