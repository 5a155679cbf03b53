import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.ts';
import { computeNeuronSaliency, supportBox } from './neuron-saliency.ts';
import { createRng } from '../core/rng.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

/** 6×6×1 input → 3×3 conv (linear, 2 channels) named conv → flatten → dense 3. */
function tinyConv(): tf.LayersModel {
  return tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'linear', name: 'conv', kernelInitializer: tf.initializers.constant({ value: 0.5 }) }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
  ] });
}

describe('computeNeuronSaliency', () => {
  const opts = { height: 6, width: 6, channels: 1, pixelScale: 1 };
  const rng = createRng(5);
  const px = Float32Array.from({ length: 2 * 36 }, () => rng.next());

  it('the gradient of one conv unit covers exactly its 3×3 receptive field', () => {
    const m = tinyConv();
    // Unit [y=1, x=2, c=1] of the 4×4×2 output: flat index (1·4 + 2)·2 + 1 = 13.
    const heat = computeNeuronSaliency(m, px, 2, { layer: 'conv', neuron: 13, granularity: 'unit', reduce: 'mean' }, opts);
    expect(heat.length).toBe(2 * 36);
    expect(supportBox(heat, 2, 6, 6)).toEqual({ top: 1, left: 2, height: 3, width: 3 });
    // A linear conv with weights 0.5: ∂unit/∂pixel = 0.5 inside the field.
    expect(heat[1 * 6 + 2]).toBeCloseTo(0.5, 5);
  });

  it('a channel reduced by its mean depends on every pixel the maps cover', () => {
    const heat = computeNeuronSaliency(tinyConv(), px, 2, { layer: 'conv', neuron: 0, granularity: 'channel', reduce: 'mean' }, opts);
    expect(supportBox(heat, 2, 6, 6)).toEqual({ top: 0, left: 0, height: 6, width: 6 });
    // Corner pixel reaches one of the 16 positions: 0.5 / 16.
    expect(heat[0]).toBeCloseTo(0.5 / 16, 5);
  });

  it('refuses an unknown layer or an out-of-range neuron', () => {
    const m = tinyConv();
    expect(() => computeNeuronSaliency(m, px, 2, { layer: 'nope', neuron: 0, granularity: 'unit', reduce: 'mean' }, opts)).toThrow(/no layer "nope"/);
    expect(() => computeNeuronSaliency(m, px, 2, { layer: 'conv', neuron: 2, granularity: 'channel', reduce: 'mean' }, opts)).toThrow(/out of range.*0…1/);
  });
});

describe('supportBox', () => {
  it('is null for all-zero maps', () => {
    expect(supportBox(new Float32Array(8), 2, 2, 2)).toBeNull();
  });
});
