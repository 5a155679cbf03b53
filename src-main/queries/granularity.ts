/**
 * Channel granularity: a convolutional layer's output per item is a [H, W, C] tensor
 * (TensorFlow.js NHWC, flattened row-major, index = (h*W + w)*C + c). At channel granularity
 * a "neuron" is a feature map, so each item's row shrinks from H·W·C values to C: the spatial
 * mean or the spatial max of each map. Dense layers ([units]) are already at unit granularity.
 */
import type { Matrix } from '../core/matrix.ts';
import { badInput } from '../shared/errors.ts';
import { checkMatrix } from './validate.ts';

export type ChannelReduce = 'mean' | 'max';

/**
 * Reduces every item's activation tensor to one value per channel.
 * `shape` excludes the batch dimension: [units] (dense → returned unchanged), or
 * [..spatial, C] with the channel last ([H, W, C] for Conv2D, [L, C] for Conv1D).
 * NaN propagates into the channel it belongs to (the aggregates reject it later).
 */
export function toChannels(m: Matrix, shape: readonly number[], reduce: ChannelReduce): Matrix {
  checkMatrix(m, 'matrix');
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw badInput(`shape must be a non-empty list of positive integers such as [H, W, C] or [units], got ${JSON.stringify(shape)}`);
  }
  if (reduce !== 'mean' && reduce !== 'max') throw badInput(`reduce must be 'mean' or 'max', got ${String(reduce)}`);
  const units = shape.reduce((a, b) => a * b, 1);
  if (units !== m.cols) {
    throw badInput(`shape ${JSON.stringify(shape)} has ${units} units but the matrix has ${m.cols} columns: pass the layer's output shape without the batch dimension`);
  }
  if (shape.length === 1) return m;

  const c = shape[shape.length - 1];
  const spatial = units / c; // H·W positions, each holding C consecutive channel values
  const out = new Float32Array(m.rows * c);
  const acc = new Float64Array(c);
  const d = m.data;
  for (let i = 0; i < m.rows; i++) {
    const base = i * units;
    if (reduce === 'mean') {
      acc.fill(0);
      for (let s = 0; s < spatial; s++) {
        const o = base + s * c;
        for (let ch = 0; ch < c; ch++) acc[ch] += d[o + ch];
      }
      for (let ch = 0; ch < c; ch++) out[i * c + ch] = acc[ch] / spatial;
    } else {
      acc.fill(-Infinity);
      for (let s = 0; s < spatial; s++) {
        const o = base + s * c;
        // Math.max keeps a NaN once seen, so a corrupt value is not silently dropped.
        for (let ch = 0; ch < c; ch++) acc[ch] = Math.max(acc[ch], d[o + ch]);
      }
      for (let ch = 0; ch < c; ch++) out[i * c + ch] = acc[ch];
    }
  }
  return { rows: m.rows, cols: c, data: out };
}
