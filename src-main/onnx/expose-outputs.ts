/**
 * Makes intermediate tensors graph outputs so that one session.run returns all of them.
 * The model is edited in memory (a shallow copy of the graph with extra ValueInfo entries in
 * graph.output), serialised again and handed to ONNX Runtime as bytes; the file is not touched.
 * The added outputs carry only a name: ONNX Runtime infers their type and shape.
 */
import * as ort from 'onnxruntime-node';
import { badInput, MarginError } from '../shared/errors.ts';
import { encodeModel, toNum, type IModelProto, type IValueInfoProto } from './proto.ts';

export interface SessionOptions {
  /** Intra-op threads of ONNX Runtime. Default 2 (both cores here). */
  threads?: number;
}

/** Every tensor a node of the graph produces, in graph (topological) order. */
export function nodeOutputNames(model: IModelProto): string[] {
  const out: string[] = [];
  for (const node of model.graph?.node ?? []) for (const o of node.output ?? []) if (o) out.push(o);
  return out;
}

/**
 * A copy of `model` whose graph outputs are the original ones followed by `names` (those not
 * already outputs). Throws BAD_INPUT for a name no node produces.
 */
export function withExposedOutputs(model: IModelProto, names: string[]): IModelProto {
  const graph = model.graph;
  if (!graph) throw badInput('withExposedOutputs: the model has no graph');
  const produced = new Set(nodeOutputNames(model));
  for (const n of graph.input ?? []) if (n.name) produced.add(n.name);
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const extra: Array<{ name: string }> = [];
  for (const name of names) {
    if (!produced.has(name)) {
      throw badInput(`withExposedOutputs: no node of the graph produces a tensor named ${JSON.stringify(name)}`);
    }
    if (!existing.has(name)) { existing.add(name); extra.push({ name }); }
  }
  return { ...model, graph: { ...graph, input: withoutInitializerInputs(model), output: [...(graph.output ?? []), ...extra] } };
}

/**
 * graph.input without the entries that name an initializer. torch.onnx.export(…,
 * keep_initializers_as_inputs=True), and older exporters by default, list every weight as a graph
 * input; ONNX Runtime then treats the weights as inputs a caller could override: it logs a warning
 * per weight and session, and folds or fuses none of them (no Conv+BatchNorm fusion). Margin never
 * feeds them, so they are dropped — from IR version 4 on, where an initializer need not be an input.
 */
export function withoutInitializerInputs(model: IModelProto): IValueInfoProto[] | null | undefined {
  const graph = model.graph;
  if (!graph?.input || toNum(model.irVersion) < 4) return graph?.input;
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  return graph.input.filter((i) => !inits.has(i.name));
}

/** Suffix of the NHWC copies that withNhwcOutputs adds. */
export const NHWC_SUFFIX = '/margin_nhwc';

/**
 * Like withExposedOutputs, but each tensor named in `nchw` (4-D, NCHW) is exposed through an
 * added Transpose to NHWC, so ONNX Runtime does the layout change natively instead of a JS loop.
 * Returns the model and, per requested name, the graph output to fetch.
 */
export function withNhwcOutputs(model: IModelProto, names: string[], nchw: Set<string>): { model: IModelProto; fetch: Map<string, string> } {
  const fetch = new Map<string, string>();
  const extraNodes = [];
  for (const n of names) {
    if (!nchw.has(n)) { fetch.set(n, n); continue; }
    const t = n + NHWC_SUFFIX;
    fetch.set(n, t);
    extraNodes.push({ opType: 'Transpose', input: [n], output: [t], name: t, attribute: [{ name: 'perm', type: 7, ints: [0, 2, 3, 1] }] });
  }
  const graph = model.graph;
  if (!graph) throw badInput('withNhwcOutputs: the model has no graph');
  const extended: IModelProto = { ...model, graph: { ...graph, node: [...(graph.node ?? []), ...extraNodes] } };
  return { model: withExposedOutputs(extended, [...new Set(fetch.values())]), fetch };
}

/** Creates a CPU session with ONNX Runtime's full graph optimisations and `threads` intra-op threads. */
export async function createSession(bytes: Uint8Array, opts: SessionOptions & { file?: string } = {}): Promise<ort.InferenceSession> {
  const threads = opts.threads ?? 2;
  if (!Number.isInteger(threads) || threads < 1) throw badInput(`createSession: threads must be a positive integer, got ${threads}`);
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
  } catch (err) {
    const msg = (err as Error).message;
    const what = opts.file ? `model file ${opts.file}` : 'the ONNX model';
    // ORT says e.g. "Opset 99 is under development …" or "ONNX Runtime only *guarantees* support for models stamped with official released onnx opset versions".
    if (/opset/i.test(msg)) throw badInput(`${what} uses an opset ONNX Runtime ${ort.env.versions.common} refuses (${msg.split('\n')[0]}); re-export it with an older opset (e.g. torch.onnx.export(…, opset_version=17))`);
    throw new MarginError('BAD_INPUT', `${what} cannot be loaded by ONNX Runtime ${ort.env.versions.common}: ${msg.split('\n')[0]}`);
  }
}

/** `model` with `names` exposed as outputs, serialised and loaded into a session. */
export async function createSessionWithOutputs(model: IModelProto, names: string[], opts: SessionOptions & { file?: string } = {}): Promise<ort.InferenceSession> {
  return createSession(encodeModel(withExposedOutputs(model, names)), opts);
}
