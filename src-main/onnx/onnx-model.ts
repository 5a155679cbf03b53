/**
 * Reads an .onnx file and describes it the way Margin describes a TF.js model: its layers (every
 * float tensor a node produces, with real shapes from one probe run of ONNX Runtime), the image
 * input and how a data set's NHWC images map onto it, the number of classes, the default latent
 * layer (the input of the last Gemm/MatMul), parameter count and FLOPs per item.
 *
 * Shapes follow the store's convention: batch dimension dropped, 4-D tensors of an NCHW model
 * reported as [H, W, C] (the runner transposes their values to match).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { LayerInfo } from '../core/extraction-types.ts';
import { badInput } from '../shared/errors.ts';
import { readInputFile } from '../system/input-file.ts';
import { createSession, createSessionWithOutputs, nodeOutputNames, withoutInitializerInputs } from './expose-outputs.ts';
import { decodeModel, encodeModel, toNum, FLOAT, type ModelProto, type IValueInfoProto, type INodeProto } from './proto.ts';

export type OnnxLayout = 'NCHW' | 'NHWC';

/** How the data set's NHWC images become the model's input tensor. */
export interface InputMapping {
  layout: OnnxLayout;
  /** Multiply raw pixels by this (= 1 / pixelScale). */
  scale: number;
  /** True when NHWC pixels are transposed to NCHW. */
  transpose: boolean;
  /** [height, width, channels] of one image. */
  itemShape: [number, number, number];
  /** Fixed batch size of the input, or null when the batch dimension is dynamic. */
  fixedBatch: number | null;
}

export interface OnnxModelDescription {
  file: string;
  layers: LayerInfo[];
  inputName: string;
  /** Name of the graph output taken as the classifier's output. */
  outputName: string;
  layout: OnnxLayout;
  mapping: InputMapping;
  numClasses: number;
  /** Tensor whose values are the logits (the input of a final Softmax, else the output). */
  logitsTensor: string;
  softmaxInModel: boolean;
  latentLayer: string;
  totalParams: number;
  flopsPerItem: number;
  opset: number;
  producer: string;
}

export interface DescribeOptions {
  /** The data set's image geometry; resolves symbolic dims and is checked against the input. */
  height?: number;
  width?: number;
  channels?: number;
  /** Pixel value meaning full intensity (default 255). */
  pixelScale?: number;
  latentLayer?: string;
  threads?: number;
}

const ONNX_SALIENCY = 'saliency needs gradients, which ONNX Runtime does not give; import the TF.js version of the model for saliency';
/** Shown where saliency is asked of an ONNX model. */
export const ONNX_SALIENCY_UNSUPPORTED = ONNX_SALIENCY;

/** The input as [dims], with null for symbolic/unknown dimensions. Throws unless 4-D float. */
function inputDims(file: string, vi: IValueInfoProto): Array<number | null> {
  const tt = vi.type?.tensorType;
  if (!tt) throw badInput(`model file ${file}: input ${vi.name} is not a tensor; Margin needs one image tensor input`);
  if (tt.elemType !== FLOAT) throw badInput(`model file ${file}: input ${vi.name} has element type ${tt.elemType}, not float32 (1); re-export the model with a float32 image input`);
  const dims = (tt.shape?.dim ?? []).map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNum(d.dimValue) > 0 ? toNum(d.dimValue) : null));
  if (dims.length !== 4) {
    throw badInput(`model file ${file}: input ${vi.name} has rank ${dims.length} ([${dims.map((d) => d ?? '?').join(', ')}]); Margin needs a 4-D image input, NCHW [N, C, H, W] or NHWC [N, H, W, C]`);
  }
  return dims;
}

const isCh = (d: number | null): boolean => d === 1 || d === 3 || d === 4;

/** Decides NCHW vs NHWC and resolves symbolic dims from the data set's geometry. */
export function resolveInput(file: string, name: string, dims: Array<number | null>, ds: { height?: number; width?: number; channels?: number }): { layout: OnnxLayout; itemShape: [number, number, number]; fixedBatch: number | null } {
  const [, a, b, c] = dims;
  const shown = `[${dims.map((d) => d ?? '?').join(', ')}]`;
  let layout: OnnxLayout;
  if (ds.channels !== undefined && a === ds.channels && c !== ds.channels) layout = 'NCHW';
  else if (ds.channels !== undefined && c === ds.channels && a !== ds.channels) layout = 'NHWC';
  else if (isCh(a) && !isCh(c)) layout = 'NCHW';
  else if (isCh(c) && !isCh(a)) layout = 'NHWC';
  else if (a !== null && b !== null && c === null && a !== b) layout = 'NCHW';
  else if (a === null && b !== null && c !== null && b !== c) layout = 'NHWC';
  else layout = 'NCHW'; // ambiguous (e.g. [N, 3, 3, 3] or all dynamic): PyTorch's convention
  let [ch, h, w] = layout === 'NCHW' ? [a, b, c] : [c, a, b];
  const fill = (v: number | null, want: number | undefined, what: string): number => {
    if (v !== null) return v;
    if (want === undefined) throw badInput(`model file ${file}: input ${name} ${shown} has a dynamic ${what}; give the data set's image size so it can be resolved`);
    return want;
  };
  ch = fill(ch, ds.channels, 'channel count');
  h = fill(h, ds.height, 'height');
  w = fill(w, ds.width, 'width');
  const mismatch = (ds.channels !== undefined && ds.channels !== ch) || (ds.height !== undefined && ds.height !== h) || (ds.width !== undefined && ds.width !== w);
  if (mismatch) {
    throw badInput(`model file ${file}: input ${name} ${shown} (${layout}) takes ${h}×${w} images with ${ch} channel(s), but the data set's images are ${ds.height}×${ds.width}×${ds.channels}; use a data set the model was trained on, or train a model on this data set here (Model view → Train a model, or margin train)`);
  }
  return { layout, itemShape: [h, w, ch], fixedBatch: dims[0] };
}

function nodeParamsAndFlops(node: INodeProto, inits: Map<string, number[]>, shapes: Map<string, readonly number[]>, claimed: Set<string>): { params: number; flops: number } {
  let params = 0;
  for (const i of node.input ?? []) {
    const d = inits.get(i);
    if (d && !claimed.has(i)) { claimed.add(i); params += d.reduce((x, y) => x * y, 1); }
  }
  const out = shapes.get(node.output?.[0] ?? '');
  const outUnits = out ? out.slice(1).reduce((x, y) => x * y, 1) : 0;
  let flops = 0;
  const wDims = inits.get(node.input?.[1] ?? '') ?? shapes.get(node.input?.[1] ?? '')?.slice(0);
  if (node.opType === 'Conv' && wDims && wDims.length >= 3) {
    // Each output value sums (C_in / group)·kh·kw products: weight dims [C_out, C_in/group, kh, kw].
    flops = 2 * outUnits * wDims.slice(1).reduce((x, y) => x * y, 1);
  } else if (node.opType === 'Gemm' || node.opType === 'MatMul') {
    const a = shapes.get(node.input?.[0] ?? '');
    const transA = node.opType === 'Gemm' && node.attribute?.some((x) => x.name === 'transA' && toNum(x.i) === 1);
    const k = a ? (transA ? a[a.length - 2] : a[a.length - 1]) : 0;
    flops = 2 * outUnits * k;
  }
  return { params, flops };
}

/** Reads and decodes the file (BAD_INPUT if unreadable or not ONNX). */
export async function readOnnxModel(file: string): Promise<ModelProto> {
  return decodeModel(await readInputFile(file, 'ONNX model file', { maxBytes: MAX_ONNX_BYTES }), file);
}

/** Protobuf's own limit for one message; bigger models keep their weights in external files, which Margin does not read. */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

/** Parses `file`, loads it into ONNX Runtime (opset check) and probes every node output's shape. */
/**
 * Descriptions already made in this process, keyed by file identity (path, size, mtime) and
 * options: describing costs a probe session (~0.1 s), and lazy extraction creates a runner per
 * query. A changed file gets a new key. Errors are not remembered.
 */
const described = new Map<string, Promise<OnnxModelDescription>>();

export async function describeOnnxModel(file: string, opts: DescribeOptions = {}): Promise<OnnxModelDescription> {
  let key: string | null = null;
  try {
    const st = await fs.stat(file);
    key = JSON.stringify([path.resolve(file), st.size, st.mtimeMs, opts.height, opts.width, opts.channels, opts.pixelScale, opts.latentLayer]);
  } catch {
    // a missing file: describeUncached names it
  }
  if (key === null) return describeUncached(file, opts);
  let d = described.get(key);
  if (!d) {
    d = describeUncached(file, opts);
    described.set(key, d);
    d.catch(() => described.delete(key));
  }
  return structuredClone(await d); // callers may not alter the remembered one
}

async function describeUncached(file: string, opts: DescribeOptions): Promise<OnnxModelDescription> {
  const pixelScale = opts.pixelScale ?? 255;
  if (!(pixelScale > 0) || !Number.isFinite(pixelScale)) throw badInput(`describeOnnxModel: pixelScale must be a positive number, got ${pixelScale}`);
  for (const k of ['height', 'width', 'channels'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw badInput(`describeOnnxModel: ${k} must be a positive integer, got ${v}`);
  }
  const model = await readOnnxModel(file);
  const graph = model.graph!;
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', (t.dims ?? []).map((d) => toNum(d))]));
  const realInputs = (graph.input ?? []).filter((i) => !inits.has(i.name ?? ''));
  if (realInputs.length !== 1) {
    throw badInput(`model file ${file} has ${realInputs.length} inputs (${realInputs.map((i) => i.name).join(', ') || 'none'}); Margin needs a model with a single image input`);
  }
  const inputVi = realInputs[0];
  const inputName = inputVi.name ?? '';
  const { layout, itemShape, fixedBatch } = resolveInput(file, inputName, inputDims(file, inputVi), opts);
  const outputs = graph.output ?? [];
  if (outputs.length === 0) throw badInput(`model file ${file} has no graph output`);
  const outputName = outputs[0].name ?? '';

  // Loading the unmodified model first gives the clearest error for an opset the runtime refuses.
  // (Weights listed as graph inputs are left out, as in every session Margin makes: see expose-outputs.ts.)
  const inputs = withoutInitializerInputs(model);
  const plainBytes = inputs?.length === graph.input?.length ? await readInputFile(file, 'ONNX model file', { maxBytes: MAX_ONNX_BYTES }) : encodeModel({ ...model, graph: { ...graph, input: inputs } });
  const plain = await createSession(plainBytes, { file, threads: 1 });
  await plain.release();

  // Probe: one batch (of 1, or the fixed batch size) of zeros with every node output exposed.
  const candidates = [...new Set(nodeOutputNames(model))];
  const session = await createSessionWithOutputs(model, candidates, { file, threads: opts.threads ?? 1 });
  const batch = fixedBatch ?? 1;
  const [h, w, c] = itemShape;
  const dims = layout === 'NCHW' ? [batch, c, h, w] : [batch, h, w, c];
  let results: ort.InferenceSession.ReturnType;
  try {
    results = await session.run({ [inputName]: new ort.Tensor('float32', new Float32Array(batch * h * w * c), dims) });
  } catch (err) {
    throw badInput(`model file ${file}: a probe run on a ${dims.join('×')} input failed in ONNX Runtime: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await session.release();
  }
  const shapes = new Map<string, readonly number[]>([[inputName, dims]]);
  for (const [n, t] of Object.entries(results)) shapes.set(n, t.dims);

  const producer = new Map<string, INodeProto>();
  for (const node of graph.node ?? []) for (const o of node.output ?? []) producer.set(o, node);
  const claimed = new Set<string>();
  const layers: LayerInfo[] = [];
  for (const node of graph.node ?? []) {
    const pf = nodeParamsAndFlops(node, inits, shapes, claimed);
    node.output?.forEach((o, idx) => {
      const t = results[o];
      // Layers are per-item float tensors: float32, with the batch dimension first.
      if (!t || t.type !== 'float32' || t.dims.length < 2 || t.dims[0] !== batch || node.opType === 'Constant') return;
      if (/\/margin_tmp\d+$/.test(o)) return; // helper tensors of from-layers-model.ts
      const d = t.dims.slice(1);
      const shape = d.length === 3 && layout === 'NCHW' ? [d[1], d[2], d[0]] : [...d];
      layers.push({
        name: o, className: node.opType ?? '', shape, units: shape.reduce((x, y) => x * y, 1),
        params: idx === 0 ? pf.params : 0, flops: idx === 0 ? pf.flops : 0,
      });
    });
  }
  const out = results[outputName];
  const outDims = out?.dims.slice(1) ?? [];
  if (outDims.length !== 1 || outDims[0] < 2) {
    throw badInput(`model file ${file}: output ${outputName} has per-item shape [${outDims.join(', ')}]; a classifier must output [numClasses ≥ 2]`);
  }
  const last = producer.get(outputName);
  const softmaxInModel = last?.opType === 'Softmax';
  const logitsTensor = softmaxInModel ? last!.input![0] : outputName;

  const known = new Set(layers.map((l) => l.name));
  let latentLayer: string;
  if (opts.latentLayer !== undefined) {
    if (!known.has(opts.latentLayer)) throw badInput(`latentLayer ${JSON.stringify(opts.latentLayer)} is not a layer of model file ${file}; layers are: ${[...known].join(', ')}`);
    latentLayer = opts.latentLayer;
  } else {
    const mm = (graph.node ?? []).filter((n) => n.opType === 'Gemm' || n.opType === 'MatMul');
    const feed = mm[mm.length - 1]?.input?.[0];
    if (!feed || !known.has(feed)) {
      throw badInput(`model file ${file}: no Gemm/MatMul fed by a hidden layer, so there is no default latent layer; give latentLayer (one of: ${[...known].join(', ')})`);
    }
    latentLayer = feed;
  }
  const opset = toNum((model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version);
  return {
    file,
    layers,
    inputName,
    outputName,
    layout,
    mapping: { layout, scale: 1 / pixelScale, transpose: layout === 'NCHW', itemShape, fixedBatch },
    numClasses: outDims[0],
    logitsTensor,
    softmaxInModel,
    latentLayer,
    totalParams: [...inits.values()].reduce((a, d) => a + d.reduce((x, y) => x * y, 1), 0),
    flopsPerItem: layers.reduce((a, l) => a + l.flops, 0),
    opset,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
  };
}
