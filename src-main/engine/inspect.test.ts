import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.ts';
import { buildModel, LATENT_LAYER } from './architectures.ts';
import { describeModel } from './inspect.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('buildModel + describeModel', () => {
  it('lenet5-bn on 28×28×1 has the hand-computed shapes, parameters and FLOPs', () => {
    const m = buildModel('lenet5-bn', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    const d = describeModel(m);
    expect(d.layers.map((l) => l.name)).toEqual([
      'conv1', 'bn1', 'relu1', 'pool1', 'conv2', 'bn2', 'relu2', 'pool2', 'flatten',
      'fc1', 'bn3', 'relu3', 'fc2', 'bn4', 'relu4', 'logits',
    ]);
    const shape = Object.fromEntries(d.layers.map((l) => [l.name, l.shape]));
    expect(shape.conv1).toEqual([24, 24, 6]);
    expect(shape.pool1).toEqual([12, 12, 6]);
    expect(shape.conv2).toEqual([8, 8, 16]);
    expect(shape.pool2).toEqual([4, 4, 16]);
    expect(shape.flatten).toEqual([256]);
    expect(shape.relu4).toEqual([84]);
    expect(shape.logits).toEqual([10]);
    // conv1 5·5·1·6+6, bn1 4·6, conv2 5·5·6·16+16, bn2 4·16, fc1 256·120+120, bn3 4·120,
    // fc2 120·84+84, bn4 4·84, logits 84·10+10 (bn: gamma, beta, moving mean, moving variance).
    const hand = 156 + 24 + 2416 + 64 + 30840 + 480 + 10164 + 336 + 850;
    expect(hand).toBe(45330);
    expect(d.totalParams).toBe(hand);
    expect(d.totalParams).toBe(m.countParams());
    // 2·MACs: conv1 24·24·6·25, conv2 8·8·16·150, fc1 256·120, fc2 120·84, logits 84·10.
    const flops = 2 * (24 * 24 * 6 * 25 + 8 * 8 * 16 * 150 + 256 * 120 + 120 * 84 + 84 * 10);
    expect(d.flopsPerItem).toBe(flops);
    expect(d.layers.find((l) => l.name === 'relu1')!.flops).toBe(0);
    expect(d.layers.find((l) => l.name === 'conv1')!.units).toBe(24 * 24 * 6);
    expect(d.latentLayer).toBe('relu4');
    expect(d.latentLayer).toBe(LATENT_LAYER['lenet5-bn']);
    expect(d.numClasses).toBe(10);
    expect(d.inputShape).toEqual([28, 28, 1]);
    expect(d.logitsLayer).toBe('logits');
    expect(d.softmaxInModel).toBe(false);
    m.dispose();
  });

  it('mlp has its own latent layer and no convolutions', () => {
    const m = buildModel('mlp', { inputShape: [8, 8, 1], numClasses: 3, seed: 2 });
    const d = describeModel(m);
    expect(d.latentLayer).toBe('relu3');
    expect(d.layers.find((l) => l.name === 'relu3')!.shape).toEqual([64]);
    expect(d.layers.some((l) => l.className === 'Conv2D')).toBe(false);
    expect(d.flopsPerItem).toBe(2 * (64 * 128 + 128 * 64 + 64 * 64 + 64 * 3));
    expect(describeModel(m, { latentLayer: 'relu2' }).latentLayer).toBe('relu2');
    m.dispose();
  });

  it('a seed fixes the weights', () => {
    const w = (seed: number): Float32Array => {
      const m = buildModel('lenet5-bn', { inputShape: [16, 16, 1], numClasses: 2, seed });
      const v = m.getLayer('fc2').getWeights()[0].dataSync() as Float32Array;
      m.dispose();
      return v;
    };
    expect(Array.from(w(7))).toEqual(Array.from(w(7)));
    expect(Array.from(w(7))).not.toEqual(Array.from(w(8)));
  });

  it('finds the latent layer of a model ending in a softmax dense layer', () => {
    const m = tf.sequential({ layers: [
      tf.layers.flatten({ inputShape: [2, 2, 1], name: 'f' }),
      tf.layers.dense({ units: 5, activation: 'relu', name: 'hidden' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ] });
    const d = describeModel(m);
    expect(d.latentLayer).toBe('hidden');
    expect(d.softmaxInModel).toBe(true);
    expect(d.logitsLayer).toBe('out');
    m.dispose();
  });

  it('rejects bad arguments with clear messages', () => {
    expect(() => buildModel('resnet' as 'mlp', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 })).toThrow(/arch must be one of lenet5-bn, mlp, got "resnet"/);
    expect(() => buildModel('mlp', { inputShape: [28, 28] as unknown as [number, number, number], numClasses: 10, seed: 1 })).toThrow(/inputShape must be \[height, width, channels\]/);
    expect(() => buildModel('mlp', { inputShape: [28, 28, 1], numClasses: 1, seed: 1 })).toThrow(/numClasses must be an integer ≥ 2, got 1/);
    expect(() => buildModel('mlp', { inputShape: [28, 28, 1], numClasses: 10, seed: NaN })).toThrow(/seed must be a finite number, got NaN/);
    expect(() => buildModel('lenet5-bn', { inputShape: [8, 8, 1], numClasses: 10, seed: 1 })).toThrow(/at least 16×16 pixels.*the images are 8×8×1.*mlp fits 8×8×1/);
    const m = buildModel('mlp', { inputShape: [4, 4, 1], numClasses: 2, seed: 1 });
    expect(() => describeModel(m, { latentLayer: 'nope' })).toThrow(/latentLayer "nope" is not a layer of model/);
    m.dispose();
  });
});
