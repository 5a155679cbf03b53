/**
 * Trains a built-in architecture with Adam on in-memory images: seeded per-epoch shuffling
 * (core/rng.ts), a custom loop (one optimizer step per mini-batch, batch norm in training
 * mode), per-epoch loss/accuracy/validation accuracy and throughput, optional checkpoint per
 * epoch, progress callbacks and cancellation.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { createRng, shuffleInPlace } from '../core/rng.ts';
import { MarginError, badInput } from '../shared/errors.ts';
import { buildModel, ARCHITECTURES, type Architecture } from './architectures.ts';
import { saveModel } from './model-io.ts';
import { scalePixels } from './extractor.ts';

export interface EpochLogs {
  epoch: number; // 1-based
  loss: number; // mean training loss over the epoch's batches
  accuracy: number; // training accuracy over the epoch (batch norm in training mode, as Keras reports it)
  valLoss?: number;
  valAccuracy?: number;
  seconds: number; // training time of the epoch (excludes validation and checkpoint)
  imagesPerSecond: number;
  checkpoint?: string; // model.json path when checkpointDir was given
}

export interface TrainOptions {
  arch: Architecture;
  pixels: Uint8Array | Float32Array; // N·H·W·C, NHWC
  labels: Int32Array;
  height: number;
  width: number;
  channels: number;
  pixelScale: number;
  /** Default: max label + 1. */
  numClasses?: number;
  epochs: number;
  batchSize: number;
  seed: number;
  learningRate?: number; // Adam, default 1e-3
  validation?: { pixels: Uint8Array | Float32Array; labels: Int32Array };
  /** If set, the model is saved after each epoch to <checkpointDir>/epoch-<N>/. */
  checkpointDir?: string;
  onEpoch?(epoch: number, logs: EpochLogs, model: tf.LayersModel): void | Promise<void>;
  onBatch?(done: number, total: number): void;
  signal?: AbortSignal;
  now?: () => number;
}

export interface TrainResult {
  model: tf.LayersModel;
  history: EpochLogs[];
}

function validate(o: TrainOptions): number {
  if (!ARCHITECTURES.includes(o.arch)) throw badInput(`trainModel: arch must be one of ${ARCHITECTURES.join(', ')}, got ${JSON.stringify(o.arch)}`);
  for (const k of ['height', 'width', 'channels', 'epochs', 'batchSize'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw badInput(`trainModel: ${k} must be a positive integer, got ${o[k]}`);
  }
  if (!(o.pixelScale > 0)) throw badInput(`trainModel: pixelScale must be a positive number, got ${o.pixelScale}`);
  const per = o.height * o.width * o.channels;
  const n = o.labels.length;
  if (n === 0) throw badInput('trainModel: labels is empty; need at least one training item');
  if (o.pixels.length !== n * per) {
    throw badInput(`trainModel: pixels has ${o.pixels.length} values, expected labels.length·H·W·C = ${n}·${per} = ${n * per}`);
  }
  let max = 0;
  for (let i = 0; i < n; i++) {
    const l = o.labels[i];
    if (!(l >= 0)) throw badInput(`trainModel: labels[${i}] = ${l} is not a non-negative class index`);
    if (l > max) max = l;
  }
  const numClasses = o.numClasses ?? max + 1;
  if (!Number.isInteger(numClasses) || numClasses < 2 || max >= numClasses) {
    throw badInput(`trainModel: numClasses must be an integer ≥ 2 and above every label (max label ${max}), got ${numClasses}`);
  }
  if (o.validation && o.validation.pixels.length !== o.validation.labels.length * per) {
    throw badInput(`trainModel: validation.pixels has ${o.validation.pixels.length} values, expected ${o.validation.labels.length}·${per}`);
  }
  return numClasses;
}

/** Accuracy and mean loss of `model` (inference mode) on a labelled set. */
export function evaluate(
  model: tf.LayersModel,
  pixels: Uint8Array | Float32Array,
  labels: Int32Array,
  shape: { height: number; width: number; channels: number; pixelScale: number },
  batchSize = 500,
): { loss: number; accuracy: number } {
  const per = shape.height * shape.width * shape.channels;
  const n = labels.length;
  let correct = 0;
  let lossSum = 0;
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(batchSize, n - s);
    const [c, l] = tf.tidy(() => {
      const x = tf.tensor4d(scalePixels(pixels.subarray(s * per, (s + m) * per), shape.pixelScale), [m, shape.height, shape.width, shape.channels]);
      const logits = model.predictOnBatch(x) as tf.Tensor2D;
      const y = tf.tensor1d(labels.subarray(s, s + m), 'int32');
      const hit = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'));
      const loss = tf.sum(tf.losses.softmaxCrossEntropy(tf.oneHot(y, logits.shape[1]), logits, undefined, undefined, tf.Reduction.NONE));
      return [hit.dataSync()[0], loss.dataSync()[0]];
    }) as unknown as [number, number];
    correct += c;
    lossSum += l;
  }
  return { accuracy: n ? correct / n : NaN, loss: n ? lossSum / n : NaN };
}

export async function trainModel(o: TrainOptions): Promise<TrainResult> {
  const numClasses = validate(o);
  const now = o.now ?? (() => performance.now());
  const { height: h, width: w, channels: c } = o;
  const per = h * w * c;
  const n = o.labels.length;
  const rng = createRng(o.seed);
  const model = buildModel(o.arch, { inputShape: [h, w, c], numClasses, seed: o.seed });
  const optimizer = tf.train.adam(o.learningRate ?? 1e-3);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const batchesPerEpoch = Math.ceil(n / o.batchSize);
  const total = batchesPerEpoch * o.epochs;
  const xBuf = new Float32Array(o.batchSize * per);
  const yBuf = new Int32Array(o.batchSize);
  const inv = 1 / o.pixelScale;
  const history: EpochLogs[] = [];
  let done = 0;

  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      shuffleInPlace(order, rng);
      const t0 = now();
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batchesPerEpoch; b++) {
        if (o.signal?.aborted) throw new MarginError('CANCELLED', `training cancelled in epoch ${epoch}`);
        const start = b * o.batchSize;
        const m = Math.min(o.batchSize, n - start);
        // Gather the shuffled batch on the JS side (cheaper than a tf.gather over all N images).
        for (let i = 0; i < m; i++) {
          const src = order[start + i] * per;
          const dst = i * per;
          for (let j = 0; j < per; j++) xBuf[dst + j] = o.pixels[src + j] * inv;
          yBuf[i] = o.labels[order[start + i]];
        }
        const [bl, bc] = tf.tidy(() => {
          const x = tf.tensor4d(xBuf.subarray(0, m * per), [m, h, w, c]);
          const y = tf.tensor1d(yBuf.subarray(0, m), 'int32');
          const yHot = tf.oneHot(y, numClasses);
          let hit: tf.Tensor | null = null;
          const loss = optimizer.minimize(() => {
            const logits = model.apply(x, { training: true }) as tf.Tensor;
            // minimize() frees everything made in here except the loss, so keep the hit count.
            hit = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')));
            return tf.losses.softmaxCrossEntropy(yHot, logits) as tf.Scalar;
          }, true)!;
          const counts = [loss.dataSync()[0], hit!.dataSync()[0]];
          tf.dispose(hit!);
          return counts;
        }) as unknown as [number, number];
        lossSum += bl * m;
        correct += bc;
        done++;
        o.onBatch?.(done, total);
        // Yield to the event loop now and then so cancellation and progress messages get through.
        if (b % 20 === 19) await new Promise((r) => setImmediate(r));
      }
      const seconds = (now() - t0) / 1000;
      const logs: EpochLogs = {
        epoch,
        loss: lossSum / n,
        accuracy: correct / n,
        seconds,
        imagesPerSecond: seconds > 0 ? n / seconds : NaN,
      };
      if (o.validation) {
        const v = evaluate(model, o.validation.pixels, o.validation.labels, { height: h, width: w, channels: c, pixelScale: o.pixelScale });
        logs.valLoss = v.loss;
        logs.valAccuracy = v.accuracy;
      }
      if (o.checkpointDir) logs.checkpoint = await saveModel(model, path.join(o.checkpointDir, `epoch-${epoch}`));
      history.push(logs);
      await o.onEpoch?.(epoch, logs, model);
    }
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
  return { model, history };
}
