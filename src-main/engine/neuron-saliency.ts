/**
 * Saliency of one neuron: the gradient of a unit (or of a channel reduced by its spatial mean or
 * max) of a hidden layer with respect to the input pixels (scaled to [0, 1]), per item, as
 * |·| max over channels. This is what the neuron drill-down shows: which pixels move *that*
 * neuron, not the class logit.
 *
 * The receptive field drawn over it is where the unit's gradient is non-zero for at least one of
 * the items (`supportBox`): the pixels that can reach the unit through the active paths of those
 * inputs. For a conv unit that is (at most) its theoretical receptive field; max-pooling and dead
 * ReLUs route the gradient through fewer pixels, so the box may be smaller, never larger.
 */
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../shared/errors.ts';
import { scalePixels } from './extractor.ts';
import type { SaliencyOptions } from './saliency.ts';

export interface NeuronTarget {
  layer: string;
  /** Flat unit index (granularity 'unit') or channel index (granularity 'channel'). */
  neuron: number;
  granularity: 'unit' | 'channel';
  reduce: 'mean' | 'max';
}

/** [count, H, W] max over channels of |∂ neuron / ∂ input| for each item. */
export function computeNeuronSaliency(model: tf.LayersModel, pixels: Uint8Array | Float32Array, count: number, target: NeuronTarget, opts: SaliencyOptions): Float32Array {
  const { height: h, width: w, channels: c, pixelScale } = opts;
  const per = h * w * c;
  if (pixels.length !== count * per) throw badInput(`computeNeuronSaliency: pixels has ${pixels.length} values, expected count·H·W·C = ${count}·${per}`);
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(target.layer);
  } catch {
    throw badInput(`layer: the model has no layer "${target.layer}" to take the gradient of`);
  }
  const sub = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
  const outShape = (layer.output as tf.SymbolicTensor).shape.slice(1) as number[];
  const units = outShape.reduce((a, b) => a * b, 1);
  const channels = outShape[outShape.length - 1];
  const channelWise = target.granularity === 'channel' && outShape.length > 1;
  const limit = channelWise ? channels : units;
  if (!Number.isInteger(target.neuron) || target.neuron < 0 || target.neuron >= limit) {
    throw badInput(`neuron: ${target.neuron} is out of range for layer ${target.layer} (0…${limit - 1})`);
  }
  const heat = new Float32Array(count * h * w);
  const batch = opts.batchSize ?? 64;
  for (let s = 0; s < count; s += batch) {
    const n = Math.min(batch, count - s);
    const g = tf.tidy(() => {
      const x = tf.tensor4d(scalePixels(pixels.subarray(s * per, (s + n) * per), pixelScale), [n, h, w, c]);
      return tf.grad((xx: tf.Tensor) => {
        const out = (sub.apply(xx, { training: false }) as tf.Tensor).reshape([n, units]);
        if (!channelWise) return tf.sum(out.slice([0, target.neuron], [n, 1]));
        const maps = out.reshape([n, units / channels, channels]).slice([0, 0, target.neuron], [n, units / channels, 1]);
        return target.reduce === 'mean' ? tf.sum(tf.mean(maps, 1)) : tf.sum(tf.max(maps, 1));
      })(x);
    });
    const d = g.dataSync() as Float32Array;
    g.dispose();
    for (let p = 0; p < n * h * w; p++) {
      let m = 0;
      for (let k = 0; k < c; k++) m = Math.max(m, Math.abs(d[p * c + k]));
      heat[s * h * w + p] = m;
    }
  }
  return heat;
}

/** Bounding box (in pixels) of the non-zero entries over `count` H×W maps; null when all are zero. */
export function supportBox(maps: Float32Array, count: number, h: number, w: number): { top: number; left: number; height: number; width: number } | null {
  let top = h, left = w, bottom = -1, right = -1;
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (maps[i * h * w + y * w + x] > 0) {
          if (y < top) top = y;
          if (y > bottom) bottom = y;
          if (x < left) left = x;
          if (x > right) right = x;
        }
      }
    }
  }
  return bottom < 0 ? null : { top, left, height: bottom - top + 1, width: right - left + 1 };
}
