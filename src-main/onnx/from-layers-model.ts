/**
 * Translates a TF.js LayersModel into an ONNX graph (opset 13) so that ONNX Runtime can run it
 * at native speed. Every layer becomes the node (or last node) whose output tensor carries the
 * layer's name, so the layer list and the store's layer names stay the same.
 *
 * Layout: TF.js is NHWC, ONNX's Conv/Pool are NCHW. The graph takes NCHW input (like a PyTorch
 * export) and keeps 4-D tensors NCHW; Flatten is preceded by a Transpose back to NHWC so that the
 * flattened order — and hence the following Dense kernel — is exactly TF.js's. The runner turns
 * 4-D outputs back into NHWC rows.
 *
 * Supported: InputLayer, Conv2D (valid/same, strides, dilation 1, relu/linear/…), Dense (2-D
 * input), BatchNormalization (last axis, inference), MaxPooling2D, AveragePooling2D, Flatten,
 * ReLU, Activation (relu, softmax, linear, tanh, sigmoid), Dropout (identity). Anything else
 * throws UNSUPPORTED and the model stays on TF.js.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MarginError, badInput } from '../shared/errors.ts';
import { loadModel } from '../engine/model-io.ts';
import { initBackend } from '../engine/backend.ts';
import { decodeModel, encodeModel, FLOAT, type IModelProto, type INodeProto, type ITensorProto } from './proto.ts';
import { createSessionWithOutputs } from './expose-outputs.ts';
import { nchwToNhwc, nhwcToNchwInto } from './layout.ts';
import * as ort from 'onnxruntime-node';

export const SUPPORTED_LAYERS = ['InputLayer', 'Conv2D', 'Dense', 'BatchNormalization', 'MaxPooling2D', 'AveragePooling2D', 'Flatten', 'ReLU', 'Activation', 'Dropout'];
const ACTIVATIONS: Record<string, string | null> = { linear: null, relu: 'Relu', softmax: 'Softmax', tanh: 'Tanh', sigmoid: 'Sigmoid' };
export const INPUT_NAME = 'input';
/** Helper tensors of the translation (e.g. the Transpose before Flatten) end in this + a number; they are not layers. */
export const INTERNAL_SUFFIX = '/margin_tmp';

export interface Translation {
  bytes: Uint8Array;
  /** Layer names in order (each is a node output of the graph). */
  layerNames: string[];
  inputName: string;
  /** [height, width, channels] of one item. */
  inputShape: [number, number, number];
}

type AnyLayer = tf.layers.Layer;
type Cfg = Record<string, unknown>;

function pair(v: unknown, what: string, layer: string): [number, number] {
  const a = Array.isArray(v) ? v.map(Number) : [Number(v), Number(v)];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x) && x > 0)) throw badInput(`layer ${layer}: ${what} must be two positive integers, got ${JSON.stringify(v)}`);
  return [a[0], a[1]];
}

/** TF 'same' padding: total = max((ceil(in/s)−1)·s + k − in, 0), the odd one at the end. */
function samePads(inH: number, inW: number, k: [number, number], s: [number, number]): number[] {
  const one = (n: number, kk: number, ss: number): [number, number] => {
    const total = Math.max((Math.ceil(n / ss) - 1) * ss + kk - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [t, b] = one(inH, k[0], s[0]);
  const [l, r] = one(inW, k[1], s[1]);
  return [t, l, b, r];
}

function shapeOf(layer: AnyLayer, which: 'in' | 'out'): number[] {
  const s = (which === 'out' ? layer.outputShape : layer.inboundNodes[0].inputShapes) as (number | null)[] | (number | null)[][];
  const first = Array.isArray(s[0]) ? (s[0] as (number | null)[]) : (s as (number | null)[]);
  return first.slice(1).map((d) => d ?? 0);
}

/** Builds the ONNX model. Pure apart from reading the layer weights. */
export function layersModelToOnnx(model: tf.LayersModel): Translation {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new MarginError('UNSUPPORTED', `model ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; the ONNX translation takes one image input and one output`);
  }
  const inShape = (model.inputs[0].shape as (number | null)[]).slice(1);
  if (inShape.length !== 3 || !inShape.every((d) => d !== null && d > 0)) {
    throw new MarginError('UNSUPPORTED', `model ${model.name} input shape [${inShape.join(', ')}] is not a fixed [H, W, C] image`);
  }
  const [H, W, C] = inShape as number[];
  const nodes: INodeProto[] = [];
  const inits: ITensorProto[] = [];
  const layerNames: string[] = [];
  let uid = 0;
  const tmp = (base: string): string => `${base}${INTERNAL_SUFFIX}${uid++}`;
  const init = (name: string, dims: number[], data: Float32Array | BigInt64Array): string => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    inits.push({ name, dims, dataType: data instanceof BigInt64Array ? 7 : FLOAT, rawData: bytes });
    return name;
  };
  const node = (opType: string, input: string[], output: string, attrs: Array<{ name: string; ints?: number[]; i?: number; f?: number }> = []): void => {
    nodes.push({
      opType, input, output: [output], name: output,
      attribute: attrs.map((a) => (a.ints ? { name: a.name, type: 7, ints: a.ints } : a.f !== undefined ? { name: a.name, type: 1, f: a.f } : { name: a.name, type: 2, i: a.i })),
    });
  };
  // Name of the tensor each layer's output lives in (the InputLayer maps to the graph input).
  const tensorOf = new Map<string, string>();
  const activation = (act: unknown, pre: string, out: string, layer: string): void => {
    const key = act === undefined || act === null ? 'linear' : String(act);
    if (!(key in ACTIVATIONS)) throw new MarginError('UNSUPPORTED', `layer ${layer}: activation ${key} has no ONNX translation (supported: ${Object.keys(ACTIVATIONS).join(', ')})`);
    const op = ACTIVATIONS[key];
    if (op === null) node('Identity', [pre], out);
    else if (op === 'Softmax') node('Softmax', [pre], out, [{ name: 'axis', i: -1 }]);
    else node(op, [pre], out);
  };
  const weights = (layer: AnyLayer): Float32Array[] => layer.getWeights().map((w) => w.dataSync() as Float32Array);

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const name = layer.name;
    const cfg = layer.getConfig() as Cfg;
    if (cls === 'InputLayer') { tensorOf.set(name, INPUT_NAME); continue; }
    if (!SUPPORTED_LAYERS.includes(cls)) {
      throw new MarginError('UNSUPPORTED', `layer ${name} (${cls}) has no ONNX translation; supported layers: ${SUPPORTED_LAYERS.join(', ')}. The model stays on TensorFlow.js`);
    }
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length > 1) throw new MarginError('UNSUPPORTED', `layer ${name} has ${inbound.length} inputs; only chains of single-input layers are translated`);
    // A Sequential model's first layer has an implicit InputLayer.
    const src = inbound.length === 0 ? INPUT_NAME : tensorOf.get(inbound[0].name) ?? INPUT_NAME;
    const inS = shapeOf(layer, 'in');
    const outS = shapeOf(layer, 'out');
    if (cls === 'Conv2D') {
      if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') throw new MarginError('UNSUPPORTED', `layer ${name}: dataFormat ${String(cfg.dataFormat)} (only channelsLast)`);
      const k = pair(cfg.kernelSize, 'kernelSize', name);
      const s = pair(cfg.strides ?? 1, 'strides', name);
      const d = pair(cfg.dilationRate ?? 1, 'dilationRate', name);
      if (d[0] !== 1 || d[1] !== 1) throw new MarginError('UNSUPPORTED', `layer ${name}: dilation ${d.join('×')} (only 1)`);
      const [kernel, bias] = weights(layer);
      const ci = inS[2], co = Number(cfg.filters);
      // TF.js kernel [kh, kw, ci, co] → ONNX [co, ci, kh, kw].
      const wt = new Float32Array(kernel.length);
      for (let y = 0; y < k[0]; y++) for (let x = 0; x < k[1]; x++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
        wt[((o * ci + i) * k[0] + y) * k[1] + x] = kernel[((y * k[1] + x) * ci + i) * co + o];
      }
      const ins = [src, init(`${name}/kernel`, [co, ci, k[0], k[1]], wt)];
      if (cfg.useBias !== false && bias) ins.push(init(`${name}/bias`, [co], bias));
      const pads = cfg.padding === 'same' ? samePads(inS[0], inS[1], k, s) : [0, 0, 0, 0];
      const act = cfg.activation ?? 'linear';
      const convOut = act === 'linear' ? name : tmp(name);
      node('Conv', ins, convOut, [{ name: 'kernel_shape', ints: k }, { name: 'strides', ints: s }, { name: 'pads', ints: pads }]);
      if (act !== 'linear') activation(act, convOut, name, name);
    } else if (cls === 'Dense') {
      if (inS.length !== 1) throw new MarginError('UNSUPPORTED', `layer ${name}: Dense on a rank-${inS.length + 1} input (only after Flatten)`);
      const [kernel, bias] = weights(layer);
      const units = Number(cfg.units);
      const ins = [src, init(`${name}/kernel`, [inS[0], units], kernel)];
      if (cfg.useBias !== false && bias) ins.push(init(`${name}/bias`, [units], bias));
      const act = cfg.activation ?? 'linear';
      const gemmOut = act === 'linear' ? name : tmp(name);
      node('Gemm', ins, gemmOut);
      if (act !== 'linear') activation(act, gemmOut, name, name);
    } else if (cls === 'BatchNormalization') {
      const axis = Number(cfg.axis ?? -1);
      if (axis !== -1 && axis !== inS.length) throw new MarginError('UNSUPPORTED', `layer ${name}: BatchNormalization over axis ${axis} (only the channel/last axis)`);
      if (inS.length !== 1 && inS.length !== 3) throw new MarginError('UNSUPPORTED', `layer ${name}: BatchNormalization on a rank-${inS.length + 1} tensor`);
      const ch = inS[inS.length - 1];
      // Weights in TF.js order: gamma (if scale), beta (if center), moving mean, moving variance.
      const ws = weights(layer);
      let i = 0;
      const gamma = cfg.scale !== false ? ws[i++] : new Float32Array(ch).fill(1);
      const beta = cfg.center !== false ? ws[i++] : new Float32Array(ch);
      const mean = ws[i++], variance = ws[i++];
      node('BatchNormalization', [src, init(`${name}/gamma`, [ch], gamma), init(`${name}/beta`, [ch], beta), init(`${name}/mean`, [ch], mean), init(`${name}/variance`, [ch], variance)],
        name, [{ name: 'epsilon', f: Number(cfg.epsilon ?? 1e-3) }]);
    } else if (cls === 'MaxPooling2D' || cls === 'AveragePooling2D') {
      if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') throw new MarginError('UNSUPPORTED', `layer ${name}: dataFormat ${String(cfg.dataFormat)} (only channelsLast)`);
      const k = pair(cfg.poolSize, 'poolSize', name);
      const s = pair(cfg.strides ?? cfg.poolSize, 'strides', name);
      const pads = cfg.padding === 'same' ? samePads(inS[0], inS[1], k, s) : [0, 0, 0, 0];
      // TF excludes padding from averages, as does ONNX with count_include_pad = 0 (the default).
      node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [src], name, [{ name: 'kernel_shape', ints: k }, { name: 'strides', ints: s }, { name: 'pads', ints: pads }]);
    } else if (cls === 'Flatten') {
      if (inS.length === 3) {
        // Back to NHWC first, so the flattened order is TF.js's (h, w, c).
        const t = tmp(name);
        node('Transpose', [src], t, [{ name: 'perm', ints: [0, 2, 3, 1] }]);
        node('Flatten', [t], name, [{ name: 'axis', i: 1 }]);
      } else node('Flatten', [src], name, [{ name: 'axis', i: 1 }]);
    } else if (cls === 'ReLU') {
      if (cfg.maxValue !== undefined && cfg.maxValue !== null) throw new MarginError('UNSUPPORTED', `layer ${name}: ReLU with maxValue`);
      node('Relu', [src], name);
    } else if (cls === 'Activation') {
      activation(cfg.activation, src, name, name);
    } else if (cls === 'Dropout') {
      node('Identity', [src], name);
    }
    if (outS.length !== 1 && outS.length !== 3) throw new MarginError('UNSUPPORTED', `layer ${name}: output rank ${outS.length + 1} (only [N, units] and [N, H, W, C])`);
    tensorOf.set(name, name);
    layerNames.push(name);
  }
  const last = layerNames[layerNames.length - 1];
  const outUnits = shapeOf(model.layers[model.layers.length - 1], 'out');
  const tensorType = (dims: Array<number | string>) => ({
    tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } },
  });
  const onnxModel: IModelProto = {
    irVersion: 8,
    producerName: 'margin',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: model.name,
      node: nodes,
      initializer: inits,
      input: [{ name: INPUT_NAME, type: tensorType(['batch', C, H, W]) }],
      output: [{ name: last, type: tensorType(['batch', ...outUnits]) }],
    },
  };
  return { bytes: encodeModel(onnxModel), layerNames, inputName: INPUT_NAME, inputShape: [H, W, C] };
}

export interface CheckResult {
  /** Largest |ONNX − TF.js| over every layer and item. */
  maxAbsDiff: number;
  perLayer: Record<string, number>;
}

/**
 * Runs `x` (NHWC, already scaled, `count` items) through both models and compares every layer.
 * Throws INTERNAL naming the worst layer when a difference exceeds `tolerance`.
 */
export async function checkTranslation(model: tf.LayersModel, t: Translation, x: Float32Array, count: number, tolerance = 1e-4): Promise<CheckResult> {
  const [H, W, C] = t.inputShape;
  if (x.length !== count * H * W * C || count < 1) throw badInput(`checkTranslation: x must hold count·H·W·C = ${count}·${H}·${W}·${C} values (count ≥ 1), got ${x.length}`);
  const sub = tf.model({ inputs: model.inputs, outputs: t.layerNames.map((n) => model.getLayer(n).output as tf.SymbolicTensor) });
  const tfOut = tf.tidy(() => {
    const got = sub.predict(tf.tensor4d(x, [count, H, W, C]));
    return (Array.isArray(got) ? got : [got]).map((g) => g.dataSync() as Float32Array);
  });
  const session = await createSessionWithOutputs(decodeModel(t.bytes, 'the translated model'), t.layerNames, { threads: 1 });
  try {
    const nchw = new Float32Array(x.length);
    nhwcToNchwInto(x, nchw, count, H, W, C);
    const res = await session.run({ [t.inputName]: new ort.Tensor('float32', nchw, [count, C, H, W]) }, t.layerNames);
    const perLayer: Record<string, number> = {};
    let worst = 0, worstLayer = '';
    t.layerNames.forEach((n, i) => {
      const r = res[n];
      const dims = r.dims as readonly number[];
      const got = dims.length === 4 ? nchwToNhwc(r.data as Float32Array, dims[0], dims[1], dims[2], dims[3]) : (r.data as Float32Array);
      const ref = tfOut[i];
      let m = got.length === ref.length ? 0 : Infinity;
      for (let j = 0; j < ref.length && m !== Infinity; j++) {
        const d = Math.abs(got[j] - ref[j]);
        if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
      }
      perLayer[n] = m;
      if (m > worst || worstLayer === '') { worst = m; worstLayer = n; }
    });
    if (!(worst <= tolerance)) {
      throw new MarginError('INTERNAL', `ONNX translation of model ${model.name} differs from TensorFlow.js by ${worst} on layer ${worstLayer} (tolerance ${tolerance}); keep the model on TensorFlow.js`, { perLayer });
    }
    return { maxAbsDiff: worst, perLayer };
  } finally {
    await session.release();
  }
}


export interface TranslateFileOptions {
  modelJsonPath: string;
  outPath: string;
  /** Check images (NHWC, the data set's raw pixels) and their geometry. */
  pixels: Uint8Array | Float32Array;
  pixelScale: number;
  /** Items of `pixels` to check with (default 64, or fewer if there are fewer). */
  checkItems?: number;
  tolerance?: number;
}

/** Loads a TF.js model, translates, checks every layer to `tolerance` and writes the .onnx (tmp + rename). */
export async function translateModelFile(opts: TranslateFileOptions): Promise<{ outPath: string; layerNames: string[]; check: CheckResult }> {
  if (!(opts.pixelScale > 0)) throw badInput(`translateModelFile: pixelScale must be positive, got ${opts.pixelScale}`);
  await initBackend();
  const model = await loadModel(opts.modelJsonPath);
  try {
    const t = layersModelToOnnx(model);
    const per = t.inputShape[0] * t.inputShape[1] * t.inputShape[2];
    if (opts.pixels.length < per || opts.pixels.length % per !== 0) {
      throw badInput(`translateModelFile: pixels must hold whole ${t.inputShape.join('×')} images, got ${opts.pixels.length} values`);
    }
    const count = Math.min(opts.checkItems ?? 64, opts.pixels.length / per);
    const x = new Float32Array(count * per);
    for (let i = 0; i < x.length; i++) x[i] = opts.pixels[i] / opts.pixelScale;
    const check = await checkTranslation(model, t, x, count, opts.tolerance ?? 1e-4);
    await fs.mkdir(path.dirname(opts.outPath), { recursive: true });
    await fs.writeFile(opts.outPath + '.tmp', t.bytes);
    await fs.rename(opts.outPath + '.tmp', opts.outPath);
    return { outPath: opts.outPath, layerNames: t.layerNames, check };
  } finally {
    model.dispose();
  }
}
