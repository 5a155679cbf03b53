/**
 * A BatchRunner (engine 'onnxruntime') over one in-thread ONNX Runtime session. Per distinct set
 * of requested layers it builds a session whose graph outputs are exactly those layers + the
 * latent + the logits (exposing more would block ORT's Conv+BN+ReLU fusions), so one
 * session.run per batch returns all of them. ORT runs off the JS thread, so no worker threads
 * are needed: by default two 1-thread runs are in flight at once, which keeps both cores busy
 * while the JS thread prepares inputs (see README for the measurements).
 *
 * Outputs follow the store's conventions: 4-D tensors of an NCHW model are transposed to NHWC
 * rows, logits are the pre-softmax values (a final Softmax node's input), probs = softmax(logits).
 */
import * as ort from 'onnxruntime-node';
import type { BatchOutput, BatchRunner } from '../core/extraction-types.ts';
import { MarginError, badInput } from '../shared/errors.ts';
import { createSession, withNhwcOutputs } from './expose-outputs.ts';
import { encodeModel } from './proto.ts';
import { nhwcToNchwInto } from './layout.ts';
import { describeOnnxModel, readOnnxModel, type OnnxModelDescription } from './onnx-model.ts';

export interface OnnxRunnerOptions {
  modelPath: string;
  /** The data set's images, NHWC row-major, `pixelScale` meaning full intensity. */
  pixels: Uint8Array | Float32Array;
  height: number;
  width: number;
  channels: number;
  pixelScale: number;
  latentLayer?: string;
  /** ONNX Runtime intra-op threads per run. Default 1 (with concurrency 2: measured fastest, see README). */
  threads?: number;
  /** session.run calls in flight at once (each uses `threads` threads). Default 2. */
  concurrency?: number;
  /** Items per session.run (a larger run() is split). Default 1000 (measured: 256 is ~2× slower); a fixed-batch model uses its own. */
  batchSize?: number;
}

export interface OnnxRunner extends BatchRunner {
  readonly description: OnnxModelDescription;
}

/** Row-wise softmax (max-subtracted) and argmax of [n, k] logits. */
export function softmaxArgmax(logits: Float32Array, n: number, k: number): { probs: Float32Array; predicted: Int32Array } {
  const probs = new Float32Array(n * k);
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[o + j] > logits[o + best]) best = j;
    predicted[i] = best;
    const m = logits[o + best];
    let sum = 0;
    for (let j = 0; j < k; j++) { const e = Math.exp(logits[o + j] - m); probs[o + j] = e; sum += e; }
    for (let j = 0; j < k; j++) probs[o + j] /= sum;
  }
  return { probs, predicted };
}

export async function createOnnxRunner(opts: OnnxRunnerOptions): Promise<OnnxRunner> {
  const threads = opts.threads ?? 1;
  const batchSize = opts.batchSize ?? 1000;
  const concurrency = opts.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw badInput(`createOnnxRunner: concurrency must be a positive integer, got ${concurrency}`);
  if (!Number.isInteger(threads) || threads < 1) throw badInput(`createOnnxRunner: threads must be a positive integer, got ${threads}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw badInput(`createOnnxRunner: batchSize must be a positive integer, got ${batchSize}`);
  if (!(opts.pixels instanceof Uint8Array || opts.pixels instanceof Float32Array)) {
    throw badInput('createOnnxRunner: pixels must be a Uint8Array or Float32Array in NHWC order');
  }
  for (const k of ['height', 'width', 'channels'] as const) {
    if (!Number.isInteger(opts[k]) || opts[k] < 1) throw badInput(`createOnnxRunner: ${k} must be a positive integer, got ${opts[k]}`);
  }
  if (!(opts.pixelScale > 0) || !Number.isFinite(opts.pixelScale)) throw badInput(`createOnnxRunner: pixelScale must be a positive number, got ${opts.pixelScale}`);
  const { height: H, width: W, channels: C } = opts;
  const per = H * W * C;
  if (opts.pixels.length % per !== 0) throw badInput(`createOnnxRunner: pixels has ${opts.pixels.length} values, not a multiple of H·W·C = ${per}`);
  const total = opts.pixels.length / per;

  const desc = await describeOnnxModel(opts.modelPath, {
    height: H, width: W, channels: C, pixelScale: opts.pixelScale, latentLayer: opts.latentLayer, threads: 1,
  });
  const model = await readOnnxModel(opts.modelPath);
  const nchw = desc.layout === 'NCHW';
  const chunk = desc.mapping.fixedBatch ?? batchSize;
  const inputDims = (n: number): number[] => (nchw ? [n, C, H, W] : [n, H, W, C]);
  const layerUnits = new Map(desc.layers.map((l) => [l.name, l.units]));
  const K = desc.numClasses;
  const latentDim = layerUnits.get(desc.latentLayer)!;
  // 4-D layers of an NCHW model come back through an in-graph Transpose to NHWC.
  const nchwLayers = new Set(nchw ? desc.layers.filter((l) => l.shape.length === 3).map((l) => l.name) : []);
  interface Prepared { session: ort.InferenceSession; fetch: Map<string, string> }
  const sessions = new Map<string, Promise<Prepared>>();
  let closed = false;
  // Runs in flight at once. ORT runs each off the JS thread, so a second one overlaps the first
  // one's JS-side input/output copying.
  const maxInFlight = concurrency;
  let inFlight = 0;
  const waiters: Array<() => void> = [];
  const acquire = async (): Promise<void> => {
    if (inFlight < maxInFlight) { inFlight++; return; }
    await new Promise<void>((r) => waiters.push(r));
  };
  const releaseSlot = (): void => {
    const w = waiters.shift();
    if (w) w(); else inFlight--;
  };
  const pending = new Set<Promise<unknown>>();

  const sessionFor = (names: string[]): Promise<Prepared> => {
    const key = JSON.stringify(names);
    let s = sessions.get(key);
    if (!s) {
      const edited = withNhwcOutputs(model, names, nchwLayers);
      s = createSession(encodeModel(edited.model), { threads, file: opts.modelPath }).then((session) => ({ session, fetch: edited.fetch }));
      sessions.set(key, s);
    }
    return s;
  };

  async function runChunks(start: number, count: number, layerNames: string[]): Promise<BatchOutput> {
    const names = [...new Set([...layerNames, desc.latentLayer, desc.logitsTensor])];
    const { session, fetch } = await sessionFor(names);
    const fetchList = [...new Set(fetch.values())];
    const unitsOf = (n: string): number => (n === desc.logitsTensor ? K : layerUnits.get(n)!);
    const chunks: Array<{ s: number; n: number }> = [];
    for (let s = 0; s < count; s += chunk) chunks.push({ s, n: Math.min(chunk, count - s) });
    // One chunk without padding: hand out ORT's own output arrays, no copy.
    const direct = chunks.length === 1 && desc.mapping.fixedBatch === null;
    const bufs = new Map<string, Float32Array>();
    if (!direct) for (const n of names) bufs.set(n, new Float32Array(count * unitsOf(n)));
    // Chunks of one run() go to ORT concurrently too (bounded by `concurrency`).
    await Promise.all(chunks.map(async ({ s, n }) => {
      const rows = desc.mapping.fixedBatch ?? n; // a fixed-batch model gets a zero-padded last chunk
      const x = new Float32Array(rows * per);
      const src = opts.pixels.subarray((start + s) * per, (start + s + n) * per);
      if (nchw) nhwcToNchwInto(src, x, n, H, W, C, desc.mapping.scale);
      else for (let i = 0; i < src.length; i++) x[i] = src[i] * desc.mapping.scale;
      let res: ort.InferenceSession.ReturnType;
      await acquire();
      try {
        res = await session.run({ [desc.inputName]: new ort.Tensor('float32', x, inputDims(rows)) }, fetchList);
      } catch (err) {
        throw new MarginError('INTERNAL', `ONNX Runtime failed on items ${start + s}…${start + s + n - 1} of ${opts.modelPath}: ${(err as Error).message.split('\n')[0]}`);
      } finally {
        releaseSlot();
      }
      for (const name of names) {
        const data = res[fetch.get(name)!].data as Float32Array;
        if (direct) bufs.set(name, data);
        else bufs.get(name)!.set(data.subarray(0, n * unitsOf(name)), s * unitsOf(name));
      }
    }));
    const logits = bufs.get(desc.logitsTensor)!;
    const { probs, predicted } = softmaxArgmax(logits, count, K);
    return {
      count,
      layers: layerNames.map((name) => ({ name, units: layerUnits.get(name)!, data: bufs.get(name)! })),
      logits,
      probs,
      predicted,
      latent: bufs.get(desc.latentLayer)!,
      latentDim,
      numClasses: K,
    };
  }

  return {
    engine: 'onnxruntime',
    description: desc,
    run(start, count, layerNames) {
      if (closed) return Promise.reject(new MarginError('CONFLICT', 'onnxRunner.run: the runner is closed'));
      if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > total) {
        return Promise.reject(badInput(`onnxRunner.run: items [${start}, ${start + count}) are outside the data set's 0…${total}`));
      }
      if (!Array.isArray(layerNames)) return Promise.reject(badInput('onnxRunner.run: layerNames must be an array of layer names'));
      for (const n of layerNames) {
        if (!layerUnits.has(n)) return Promise.reject(badInput(`onnxRunner.run: layer ${JSON.stringify(n)} is not in ${opts.modelPath}; layers are: ${[...layerUnits.keys()].join(', ')}`));
      }
      const p = runChunks(start, count, [...layerNames]);
      pending.add(p);
      p.then(() => pending.delete(p), () => pending.delete(p));
      return p;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...pending]);
      const all = await Promise.allSettled(sessions.values());
      for (const s of all) if (s.status === 'fulfilled') await s.value.session.release();
      sessions.clear();
    },
  };
}
