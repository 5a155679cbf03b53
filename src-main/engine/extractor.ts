/**
 * One forward pass per batch that returns everything the store needs: the requested layers'
 * outputs, logits, softmax probabilities, predicted classes and the latent vectors. A single
 * multi-output tf.model shares the computation between all of them.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchOutput } from '../core/extraction-types.ts';
import { badInput } from '../shared/errors.ts';
import { describeModel } from './inspect.ts';

export interface ExtractorOptions {
  /** Layers whose outputs to return, in this order (may be empty). */
  layerNames: string[];
  /** Latent layer; default: the last hidden layer before the logits (describeModel). */
  latentLayer?: string;
  /** Items per forward pass; larger inputs are split. Default 256. */
  batchSize?: number;
  /** The pixel value meaning full intensity (255 for uint8 images); inputs are divided by it. Default 255. */
  pixelScale?: number;
}

export interface Extractor {
  readonly layerNames: string[];
  readonly latentLayer: string;
  readonly numClasses: number;
  /** [height, width, channels] of one item. */
  readonly itemShape: [number, number, number];
  /** Runs `count` items given as NHWC pixels (count·H·W·C values). */
  run(pixels: Uint8Array | Float32Array, count: number): BatchOutput;
  dispose(): void;
}

/** Pixels → float32 in [0, 1] (for pixelScale matching the data). */
export function scalePixels(pixels: Uint8Array | Float32Array, pixelScale: number): Float32Array {
  const out = new Float32Array(pixels.length);
  const inv = 1 / pixelScale;
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] * inv;
  return out;
}

export function createExtractor(model: tf.LayersModel, opts: ExtractorOptions): Extractor {
  const { layerNames } = opts;
  const batchSize = opts.batchSize ?? 256;
  const pixelScale = opts.pixelScale ?? 255;
  if (!Array.isArray(layerNames) || !layerNames.every((n) => typeof n === 'string')) {
    throw badInput('createExtractor: layerNames must be an array of layer names');
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) throw badInput(`createExtractor: batchSize must be a positive integer, got ${batchSize}`);
  if (!(pixelScale > 0) || !Number.isFinite(pixelScale)) throw badInput(`createExtractor: pixelScale must be a positive number, got ${pixelScale}`);
  const desc = describeModel(model, { latentLayer: opts.latentLayer });
  const known = new Set(desc.layers.map((l) => l.name));
  for (const n of layerNames) {
    if (!known.has(n)) throw badInput(`createExtractor: layer ${JSON.stringify(n)} is not in model ${model.name}; layers are: ${[...known].join(', ')}`);
  }
  const [h, w, c] = desc.inputShape;
  if (!(h > 0 && w > 0 && c > 0)) throw badInput(`createExtractor: model ${model.name} has no fixed input shape (got [${desc.inputShape.join(', ')}])`);

  // Outputs of the sub-model: distinct requested layers, then the logits source and the latent.
  const outputNames = [...new Set([...layerNames, desc.latentLayer])];
  const lastLayer = model.layers[model.layers.length - 1];
  // A Dense with softmax activation: take its input and apply its kernel and bias ourselves.
  const denseSoftmax = desc.softmaxInModel && lastLayer.getClassName() === 'Dense';
  const logitsSource = denseSoftmax
    ? (lastLayer.input as tf.SymbolicTensor)
    : model.getLayer(desc.logitsLayer).output as tf.SymbolicTensor;
  // tf.model rejects a tensor listed twice (the logits source may be the latent itself), so map
  // each wanted tensor to a slot among the distinct ones.
  const wanted = [...outputNames.map((n) => model.getLayer(n).output as tf.SymbolicTensor), logitsSource];
  const distinct = [...new Set(wanted)];
  const slot = wanted.map((t) => distinct.indexOf(t));
  const sub = tf.model({ inputs: model.inputs, outputs: distinct });
  const [kernel, bias] = denseSoftmax ? lastLayer.getWeights() : [];
  const units = new Map(desc.layers.map((l) => [l.name, l.units]));

  function forward(x: Float32Array, n: number): Float32Array[] {
    const outs = tf.tidy(() => {
      const input = tf.tensor4d(x, [n, h, w, c]);
      const got = sub.predictOnBatch(input);
      const res = slot.map((i) => (Array.isArray(got) ? got[i] : got));
      let logits = res[res.length - 1].reshape([n, -1]) as tf.Tensor2D;
      if (denseSoftmax) logits = tf.add(tf.matMul(logits, kernel as tf.Tensor2D), bias ?? 0) as tf.Tensor2D;
      const probs = tf.softmax(logits);
      const pred = tf.argMax(logits, 1).cast('int32');
      return [...res.slice(0, -1), logits, probs, pred];
    });
    const data = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
    return data;
  }

  function run(pixels: Uint8Array | Float32Array, count: number): BatchOutput {
    const per = h * w * c;
    if (!(pixels instanceof Uint8Array || pixels instanceof Float32Array)) {
      throw badInput('extractor.run: pixels must be a Uint8Array or Float32Array in NHWC order');
    }
    if (!Number.isInteger(count) || count < 0) throw badInput(`extractor.run: count must be a non-negative integer, got ${count}`);
    if (pixels.length !== count * per) {
      throw badInput(`extractor.run: pixels has ${pixels.length} values, expected count·H·W·C = ${count}·${h}·${w}·${c} = ${count * per}`);
    }
    const k = desc.numClasses;
    if (count > 0 && count <= batchSize) {
      // One pass: hand out the arrays read from the backend as they are (fresh copies on wasm; on cpu
      // the storage of tensors disposed right after), which saves a copy of every layer output
      // (~60 KB per item for all layers of lenet5-bn).
      const data = forward(scalePixels(pixels, pixelScale), count);
      const m = outputNames.length;
      return assemble(count, data.slice(0, m), data[m], data[m + 1], data[m + 2] as unknown as Int32Array);
    }
    const layerBufs = outputNames.map((n) => new Float32Array(count * units.get(n)!));
    const logits = new Float32Array(count * k);
    const probs = new Float32Array(count * k);
    const predicted = new Int32Array(count);
    for (let s = 0; s < count; s += batchSize) {
      const n = Math.min(batchSize, count - s);
      const x = scalePixels(pixels.subarray(s * per, (s + n) * per), pixelScale);
      const data = forward(x, n);
      outputNames.forEach((name, i) => layerBufs[i].set(data[i], s * units.get(name)!));
      const m = outputNames.length;
      logits.set(data[m], s * k);
      probs.set(data[m + 1], s * k);
      predicted.set(data[m + 2] as unknown as Int32Array, s);
    }
    return assemble(count, layerBufs, logits, probs, predicted);
  }

  function assemble(count: number, layerBufs: Float32Array[], logits: Float32Array, probs: Float32Array, predicted: Int32Array): BatchOutput {
    const byName = new Map(outputNames.map((n, i) => [n, layerBufs[i]]));
    return {
      count,
      layers: layerNames.map((name) => ({ name, units: units.get(name)!, data: byName.get(name)! })),
      logits,
      probs,
      predicted,
      latent: byName.get(desc.latentLayer)!,
      latentDim: units.get(desc.latentLayer)!,
      numClasses: desc.numClasses,
    };
  }

  return {
    layerNames: [...layerNames],
    latentLayer: desc.latentLayer,
    numClasses: desc.numClasses,
    itemShape: [h, w, c],
    run,
    // The sub-model shares the original's weights; nothing of its own to free.
    dispose: () => {},
  };
}
