/**
 * The two built-in classifier architectures, with stable readable layer names and seeded
 * initialisers (a seed fixes every weight).
 *
 * - lenet5-bn: the paper's Figure 2, LeNet-5 with batch normalisation after every layer:
 *   conv1 6@5×5 → bn1 → relu1 → pool1 → conv2 16@5×5 → bn2 → relu2 → pool2 → flatten →
 *   fc1 120 → bn3 → relu3 → fc2 84 → bn4 → relu4 (the 84-d latent "FC-2") → logits.
 * - mlp: flatten → fc1 128 → bn1 → relu1 → fc2 64 → bn2 → relu2 → fc3 64 → relu3 (latent) → logits.
 *   No convolution at all, so its layers and latent space differ from LeNet's in kind. Widths are
 *   kept small so that five shipped checkpoints stay ~0.45 MB each.
 *
 * The logits layer is linear: softmax is applied by the loss and by the extractor.
 */
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../shared/errors.ts';
import { TRAINABLE_ARCHITECTURES, architectureMismatch, type TrainableArchitecture } from '../shared/architecture-fit.ts';

export type Architecture = TrainableArchitecture;
export const ARCHITECTURES: readonly Architecture[] = TRAINABLE_ARCHITECTURES;

export interface BuildOptions {
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
}

/** The latent (last hidden) layer of each built-in architecture. */
export const LATENT_LAYER: Record<Architecture, string> = { 'lenet5-bn': 'relu4', mlp: 'relu3' };

export function buildModel(arch: Architecture, opts: BuildOptions): tf.LayersModel {
  if (!ARCHITECTURES.includes(arch)) {
    throw badInput(`buildModel: arch must be one of ${ARCHITECTURES.join(', ')}, got ${JSON.stringify(arch)}`);
  }
  const { inputShape, numClasses, seed } = opts;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw badInput(`buildModel: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw badInput(`buildModel: numClasses must be an integer ≥ 2, got ${numClasses}`);
  }
  if (!Number.isFinite(seed)) throw badInput(`buildModel: seed must be a finite number, got ${seed}`);
  const mismatch = architectureMismatch(arch, { height: inputShape[0], width: inputShape[1], channels: inputShape[2] });
  if (mismatch) throw badInput(`buildModel: ${mismatch}`);

  // One distinct, reproducible seed per initialised layer.
  let k = 0;
  const init = (): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: Math.floor(seed) * 1000 + ++k });
  const bn = (name: string): tf.layers.Layer => tf.layers.batchNormalization({ name });
  const relu = (name: string): tf.layers.Layer => tf.layers.reLU({ name });
  const dense = (name: string, units: number): tf.layers.Layer =>
    tf.layers.dense({ name, units, kernelInitializer: init(), biasInitializer: 'zeros' });

  const layers: tf.layers.Layer[] =
    arch === 'lenet5-bn'
      ? [
          tf.layers.conv2d({ name: 'conv1', filters: 6, kernelSize: 5, padding: 'valid', kernelInitializer: init(), inputShape }),
          bn('bn1'), relu('relu1'),
          tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }),
          tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, padding: 'valid', kernelInitializer: init() }),
          bn('bn2'), relu('relu2'),
          tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }),
          tf.layers.flatten({ name: 'flatten' }),
          dense('fc1', 120), bn('bn3'), relu('relu3'),
          dense('fc2', 84), bn('bn4'), relu('relu4'),
          dense('logits', numClasses),
        ]
      : [
          tf.layers.flatten({ name: 'flatten', inputShape }),
          dense('fc1', 128), bn('bn1'), relu('relu1'),
          dense('fc2', 64), bn('bn2'), relu('relu2'),
          dense('fc3', 64), relu('relu3'),
          dense('logits', numClasses),
        ];
  return tf.sequential({ name: arch.replace(/[^a-z0-9]/g, '_'), layers });
}
