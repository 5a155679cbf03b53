/**
 * Vanilla-gradient saliency: the gradient of each item's chosen-class (usually the true class)
 * logit with respect to its input pixels, after scaling to [0, 1] (so units are logit per unit
 * of full intensity). Batch norm runs in inference mode, so items do not interact and one
 * tf.grad over a batch gives every item's own gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../shared/errors.ts';
import { describeModel } from './inspect.ts';
import { scalePixels } from './extractor.ts';

export interface SaliencyOptions {
  height: number;
  width: number;
  channels: number;
  pixelScale: number;
  batchSize?: number; // default 64
}

export interface SaliencyResult {
  count: number;
  /** [count, H, W, C] gradients of the class logit w.r.t. the scaled input. */
  gradients: Float32Array;
  /** [count, H, W] max over channels of |gradient|. */
  heatmap: Float32Array;
}

/** A differentiable function from input to logits, undoing a softmax the model may end with. */
export function logitsFunction(model: tf.LayersModel): (x: tf.Tensor) => tf.Tensor2D {
  const desc = describeModel(model);
  if (!desc.softmaxInModel) return (x) => model.apply(x, { training: false }) as tf.Tensor2D;
  const last = model.layers[model.layers.length - 1];
  if (last.getClassName() === 'Dense') {
    const sub = tf.model({ inputs: model.inputs, outputs: last.input as tf.SymbolicTensor });
    const [kernel, bias] = last.getWeights();
    return (x) => tf.add(tf.matMul(sub.apply(x, { training: false }) as tf.Tensor2D, kernel as tf.Tensor2D), bias ?? 0) as tf.Tensor2D;
  }
  const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer(desc.logitsLayer).output as tf.SymbolicTensor });
  return (x) => sub.apply(x, { training: false }) as tf.Tensor2D;
}

/**
 * Saliency of `count` items given as NHWC pixels, each for the class in `classes[i]`.
 */
export function computeSaliency(
  model: tf.LayersModel,
  pixels: Uint8Array | Float32Array,
  classes: Int32Array,
  opts: SaliencyOptions,
): SaliencyResult {
  const { height: h, width: w, channels: c, pixelScale } = opts;
  const batchSize = opts.batchSize ?? 64;
  const per = h * w * c;
  const count = classes.length;
  if (!(pixels instanceof Uint8Array || pixels instanceof Float32Array)) throw badInput('computeSaliency: pixels must be a Uint8Array or Float32Array in NHWC order');
  if (pixels.length !== count * per) {
    throw badInput(`computeSaliency: pixels has ${pixels.length} values, expected classes.length·H·W·C = ${count}·${per} = ${count * per}`);
  }
  if (!(pixelScale > 0)) throw badInput(`computeSaliency: pixelScale must be a positive number, got ${pixelScale}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw badInput(`computeSaliency: batchSize must be a positive integer, got ${batchSize}`);
  const numClasses = describeModel(model).numClasses;
  for (let i = 0; i < count; i++) {
    if (!(Number.isInteger(classes[i]) && classes[i] >= 0 && classes[i] < numClasses)) {
      throw badInput(`computeSaliency: classes[${i}] = ${classes[i]} is not a class of the model (0…${numClasses - 1})`);
    }
  }
  const f = logitsFunction(model);
  const gradients = new Float32Array(count * per);
  for (let s = 0; s < count; s += batchSize) {
    const n = Math.min(batchSize, count - s);
    const g = tf.tidy(() => {
      const x = tf.tensor4d(scalePixels(pixels.subarray(s * per, (s + n) * per), pixelScale), [n, h, w, c]);
      const mask = tf.oneHot(tf.tensor1d(classes.subarray(s, s + n), 'int32'), numClasses);
      return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx), mask)))(x);
    });
    gradients.set(g.dataSync() as Float32Array, s * per);
    g.dispose();
  }
  const heatmap = new Float32Array(count * h * w);
  for (let p = 0; p < heatmap.length; p++) {
    let m = 0;
    for (let k = 0; k < c; k++) m = Math.max(m, Math.abs(gradients[p * c + k]));
    heatmap[p] = m;
  }
  return { count, gradients, heatmap };
}
