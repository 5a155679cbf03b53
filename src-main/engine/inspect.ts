/**
 * Describes a TF.js layers model for the store and the UI: per-layer output shape, parameter
 * count and FLOPs per item, the number of classes and the default latent layer.
 *
 * FLOPs convention: 2 × multiply-accumulates of Conv2D, DepthwiseConv2D and Dense layers per
 * item (bias additions, batch norm, activations and pooling are not counted; they are a few
 * per cent of the total). Parameters include non-trainable ones (batch-norm moving statistics).
 */
import type * as tf from '@tensorflow/tfjs';
import type { LayerInfo } from '../core/extraction-types.ts';
import { badInput } from '../shared/errors.ts';

export interface ModelDescription {
  layers: LayerInfo[];
  /** [height, width, channels] of one input item (a null dimension is reported as 0). */
  inputShape: number[];
  numClasses: number;
  /** Name of the layer whose output is the latent representation. */
  latentLayer: string;
  /** Name of the layer producing the logits (the last layer, or the one feeding a final softmax). */
  logitsLayer: string;
  /** True when the last layer applies softmax itself (logits are recovered from its input). */
  softmaxInModel: boolean;
  totalParams: number;
  flopsPerItem: number;
}

type AnyLayer = tf.layers.Layer;

function outShape(layer: AnyLayer): number[] {
  const s = layer.outputShape as (number | null)[] | (number | null)[][];
  const first = Array.isArray(s[0]) ? (s[0] as (number | null)[]) : (s as (number | null)[]);
  return first.slice(1).map((d) => d ?? 0);
}

function inShape(layer: AnyLayer): number[] {
  const s = layer.inboundNodes[0]?.inputShapes as (number | null)[] | (number | null)[][] | undefined;
  if (!s) return [];
  const first = Array.isArray(s[0]) ? (s[0] as (number | null)[]) : (s as (number | null)[]);
  return first.slice(1).map((d) => d ?? 0);
}

function layerConfig(layer: AnyLayer): Record<string, unknown> {
  return layer.getConfig() as Record<string, unknown>;
}

function flopsOf(layer: AnyLayer): number {
  const cls = layer.getClassName();
  const out = outShape(layer);
  const inp = inShape(layer);
  const prod = (a: number[]): number => a.reduce((x, y) => x * y, 1);
  // Dense multiplies every input value by every unit (applied along the last axis).
  if (cls === 'Dense') return 2 * prod(inp) * out[out.length - 1];
  if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
    const ks = layerConfig(layer).kernelSize as number[] | number;
    const [kh, kw] = Array.isArray(ks) ? ks : [ks, ks];
    const inC = inp[inp.length - 1];
    // Conv2D: every output value sums kh·kw·inC products; depthwise: kh·kw products.
    const perOut = cls === 'Conv2D' ? kh * kw * inC : kh * kw;
    return 2 * prod(out) * perOut;
  }
  return 0;
}

function inboundLayer(layer: AnyLayer): AnyLayer | null {
  const node = layer.inboundNodes[0];
  return node && node.inboundLayers.length > 0 ? (node.inboundLayers[0] as AnyLayer) : null;
}

function isSoftmaxLayer(layer: AnyLayer): boolean {
  const cls = layer.getClassName();
  if (cls === 'Softmax') return true;
  const act = layerConfig(layer).activation;
  return (cls === 'Activation' || cls === 'Dense') && act === 'softmax';
}

export function describeModel(model: tf.LayersModel, opts: { latentLayer?: string } = {}): ModelDescription {
  if (model.outputs.length !== 1) {
    throw badInput(`model ${model.name} has ${model.outputs.length} outputs; Margin needs a classifier with one output`);
  }
  const all = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const layers: LayerInfo[] = all.map((l) => {
    const shape = outShape(l);
    return {
      name: l.name,
      className: l.getClassName(),
      shape,
      units: shape.reduce((a, b) => a * b, 1),
      params: l.countParams(),
      flops: flopsOf(l),
    };
  });
  const last = all[all.length - 1];
  if (!last) throw badInput(`model ${model.name} has no layers`);
  const outDims = outShape(last);
  const numClasses = outDims[outDims.length - 1];
  if (outDims.length !== 1 || numClasses < 2) {
    throw badInput(`model ${model.name} outputs shape [${outDims.join(', ')}]; a classifier must output [numClasses ≥ 2]`);
  }
  // A final softmax (its own layer, or a Dense with softmax activation) is undone for the logits.
  const softmaxInModel = isSoftmaxLayer(last);
  const logitsLayer = last.getClassName() === 'Dense' || !softmaxInModel ? last : inboundLayer(last) ?? last;
  const defaultLatent = inboundLayer(logitsLayer);
  let latentLayer: string;
  if (opts.latentLayer !== undefined) {
    if (!all.some((l) => l.name === opts.latentLayer)) {
      throw badInput(`latentLayer ${JSON.stringify(opts.latentLayer)} is not a layer of model ${model.name}; layers are: ${all.map((l) => l.name).join(', ')}`);
    }
    latentLayer = opts.latentLayer;
  } else {
    if (!defaultLatent || defaultLatent.getClassName() === 'InputLayer') {
      throw badInput(`model ${model.name} has no hidden layer before its logits; give latentLayer explicitly`);
    }
    latentLayer = defaultLatent.name;
  }
  const inputShape = (model.inputs[0].shape as (number | null)[]).slice(1).map((d) => d ?? 0);
  return {
    layers,
    inputShape,
    numClasses,
    latentLayer,
    logitsLayer: logitsLayer.name,
    softmaxInModel,
    totalParams: layers.reduce((a, l) => a + l.params, 0),
    flopsPerItem: layers.reduce((a, l) => a + l.flops, 0),
  };
}
