import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.ts';
import { createRng } from '../core/rng.ts';

function randArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

interface Case { name: string; x: [number, number, number, number]; f: [number, number, number, number]; stride: number; pad: 'valid' | 'same' }

const CASES: Case[] = [
  { name: 'valid stride 1', x: [3, 9, 8, 2], f: [5, 5, 2, 4], stride: 1, pad: 'valid' },
  { name: 'same stride 2', x: [2, 9, 10, 3], f: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { name: 'valid stride 2, odd size', x: [2, 11, 7, 1], f: [3, 2, 1, 2], stride: 2, pad: 'valid' },
];

/** Gradients of sum(conv(x, w) ⊙ r) with respect to x and w, on the active backend. */
function convGrads(c: Case, seed: number): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(randArray(c.x.reduce((a, b) => a * b), seed), c.x);
    const w = tf.tensor4d(randArray(c.f.reduce((a, b) => a * b), seed + 1), c.f);
    const outShape = tf.conv2d(x, w, c.stride, c.pad).shape;
    const r = tf.tensor(randArray(outShape.reduce((a, b) => a * b), seed + 2), outShape);
    const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad), r)));
    const [dx, dw] = g([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('wasm gradient kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  for (const c of CASES) {
    it(`conv2d filter and input gradients on wasm match cpu (${c.name})`, async () => {
      await initBackend('cpu');
      expect(tf.getBackend()).toBe('cpu');
      const ref = convGrads(c, 11);
      await initBackend('wasm');
      expect(tf.getBackend()).toBe('wasm');
      const got = convGrads(c, 11);
      expect(maxAbsDiff(got.dw, ref.dw)).toBeLessThan(1e-4);
      expect(maxAbsDiff(got.dx, ref.dx)).toBeLessThan(1e-4);
    });
  }

  it('leaves no tensors behind', async () => {
    await initBackend('wasm');
    convGrads(CASES[0], 3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) convGrads(CASES[1], 5 + i);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('max-pool and batch-norm gradients run on wasm', async () => {
    await initBackend('wasm');
    const dx = tf.tidy(() => {
      const x = tf.tensor4d(randArray(2 * 6 * 6 * 2, 9), [2, 6, 6, 2]);
      const f = (xx: tf.Tensor): tf.Tensor => {
        const m = tf.moments(xx, [0, 1, 2]);
        // tfjs-layers always passes offset and scale (beta, gamma).
        const bn = tf.batchNorm(xx as tf.Tensor4D, m.mean, m.variance, tf.zeros([2]), tf.ones([2]), 1e-3);
        return tf.sum(tf.maxPool(tf.relu(bn) as tf.Tensor4D, 2, 2, 'valid'));
      };
      return tf.grad(f)(x).dataSync() as Float32Array;
    });
    expect(dx.length).toBe(2 * 6 * 6 * 2);
    expect(dx.every(Number.isFinite)).toBe(true);
  });
});
