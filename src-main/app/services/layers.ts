/**
 * Which layers a diagnosis looks at by default ("main"): the outputs a scientist reads — after
 * each non-linearity and each pooling — as in the paper's six LeNet-5 layers. Pre-activation
 * convolutions, batch norms, flattens, dropouts and the logits are left out (the logits are
 * stored with the predictions anyway). "all" is every layer.
 */
import type { LayerInfo } from '../../core/extraction-types.ts';
import { MarginError } from '../../shared/errors.ts';

// Keras/TF.js layer classes and ONNX operator types alike.
const ACTIVATIONS = new Set(['ReLU', 'Activation', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', 'Relu', 'LeakyRelu', 'Elu', 'PRelu', 'Sigmoid', 'Tanh', 'Gelu', 'Clip']);
const POOLING = /Pooling[123]D$|^(MaxPool|AveragePool|GlobalAveragePool|GlobalMaxPool)$/;
const LINEAR = new Set(['Conv2D', 'Dense', 'Conv', 'Gemm', 'MatMul']);

export function mainLayers(layers: LayerInfo[]): string[] {
  const body = layers.slice(0, -1); // the last layer gives the logits
  const picked = body.filter((l, i) => {
    if (ACTIVATIONS.has(l.className) || POOLING.test(l.className)) {
      // an activation directly followed by pooling: keep both (the paper keeps conv and pool outputs)
      return true;
    }
    // Conv2D/Dense with an inline non-linearity and no separate activation after it
    const next = layers[i + 1];
    return LINEAR.has(l.className) && next !== undefined && !ACTIVATIONS.has(next.className) && next.className !== 'BatchNormalization';
  });
  return picked.length > 0 ? picked.map((l) => l.name) : body.map((l) => l.name);
}

export function resolveLayers(layers: LayerInfo[], want: 'all' | 'main' | string[]): string[] {
  if (want === 'all') return layers.map((l) => l.name);
  if (want === 'main') return mainLayers(layers);
  const known = new Set(layers.map((l) => l.name));
  const unknown = want.filter((w) => !known.has(w));
  if (unknown.length) {
    throw new MarginError('NOT_FOUND', `layers: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not a layer of the model; choose from ${[...known].join(', ')}`);
  }
  return [...new Set(want)];
}
