/**
 * A BatchRunner (engine 'onnxruntime') over one in-thread ONNX Runtime session. Per distinct set
 * of requested layers it builds a session whose graph outputs are exactly those layers + the
 * latent + the logits (exposing more would block ORT's Conv+BN+ReLU fusions), so one
 * session.run per batch returns all of them.
 *
 * onnxruntime-node's run() is synchronous on the JS thread (the promise only defers it with
 * setImmediate; measured: the event loop does not tick during a run), so runs never overlap each
 * other: one session with `threads` intra-op threads (default 1) does the work, and the
 * caller's I/O (file writes, fsync, DuckDB on their own threads) uses the other core meanwhile.
 *
 * Memory is reused, because first-touching fresh pages costs ~0.3–0.5 GB/s on this VM (more than
 * the forward pass itself): inputs and outputs come from a process-wide pool (float-pool.ts), and
 * ORT writes the outputs straight into them as preallocated tensors. A BatchOutput's arrays stay
 * valid until its release() is called; callers that never release make the pool allocate anew.
 *
 * Outputs follow the store's conventions: 4-D tensors of an NCHW model are transposed to NHWC
 * rows, logits are the pre-softmax values (a final Softmax node's input), probs = softmax(logits).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { BatchOutput, BatchRunner } from '../core/extraction-types.ts';
import { MarginError, badInput } from '../shared/errors.ts';
import { createSession, withNhwcOutputs } from './expose-outputs.ts';
import { encodeModel } from './proto.ts';
import { nhwcToNchwInto } from './layout.ts';
import { runnerFloats } from './float-pool.ts';
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
  /** ONNX Runtime intra-op threads. Default 1: the other core is left to the caller's I/O (measured fastest, see README). */
  threads?: number;
  /** Items per session.run (a larger run() is split). Default 128 (cache-friendly; measured fastest); a fixed-batch model uses its own. */
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

interface Prepared { session: ort.InferenceSession; fetch: Map<string, string>; preallocate: boolean }

/**
 * Sessions outlive a runner (lazy extraction makes one runner per query; building a session costs
 * ~50–100 ms): keyed by model file identity, threads and exposed outputs, least recently used
 * first; idle ones beyond SESSION_CACHE_SIZE are released.
 */
const SESSION_CACHE_SIZE = 6;
const sessionCache = new Map<string, { prepared: Promise<Prepared>; users: number }>();

async function evictIdleSessions(): Promise<void> {
  for (const [key, entry] of [...sessionCache]) {
    if (sessionCache.size <= SESSION_CACHE_SIZE) break;
    if (entry.users > 0) continue;
    sessionCache.delete(key);
    await entry.prepared.then((p) => p.session.release(), () => undefined);
  }
}

/** Sessions kept for reuse (for tests and diagnostics). */
export function onnxSessionsCached(): number {
  return sessionCache.size;
}

/** A set of output arrays with room for `capacity` rows of every fetched tensor. */
interface OutputSet { capacity: number; arrays: Map<string, Float32Array> }

export async function createOnnxRunner(opts: OnnxRunnerOptions): Promise<OnnxRunner> {
  const threads = opts.threads ?? 1;
  const batchSize = opts.batchSize ?? 128;
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
  const fixedBatch = desc.mapping.fixedBatch;
  const chunk = fixedBatch ?? batchSize;
  const inputDims = (n: number): number[] => (nchw ? [n, C, H, W] : [n, H, W, C]);
  const layerInfo = new Map(desc.layers.map((l) => [l.name, l]));
  const K = desc.numClasses;
  const latentDim = layerInfo.get(desc.latentLayer)!.units;
  // 4-D layers of an NCHW model come back through an in-graph Transpose to NHWC.
  const nchwLayers = new Set(nchw ? desc.layers.filter((l) => l.shape.length === 3).map((l) => l.name) : []);
  const unitsOf = (n: string): number => (n === desc.logitsTensor ? K : layerInfo.get(n)!.units);
  /** Per-item dims of a fetched tensor as ORT produces it (NHWC for the transposed ones). */
  const itemDimsOf = (n: string): number[] => (n === desc.logitsTensor ? [K] : layerInfo.get(n)!.shape);

  const st = await fs.stat(opts.modelPath);
  const fileKey = JSON.stringify([path.resolve(opts.modelPath), st.size, st.mtimeMs, threads]);
  const mine = new Set<string>(); // cache keys this runner holds (one use each)
  let closed = false;
  const pending = new Set<Promise<unknown>>();

  // Buffers come from and go back to the process-wide pool (float-pool.ts), so later runners
  // reuse memory already touched. Output sets are sized in whole chunks so that sizes recur.
  const takeInput = (): Float32Array => runnerFloats.take(chunk * per);
  const giveInput = (x: Float32Array): void => runnerFloats.give(x);
  const takeOutputs = (rows: number, names: string[]): OutputSet => {
    const capacity = Math.max(1, Math.ceil(rows / chunk)) * chunk;
    return { capacity, arrays: new Map(names.map((n) => [n, runnerFloats.take(capacity * unitsOf(n))])) };
  };
  const giveOutputs = (s: OutputSet): void => { for (const a of s.arrays.values()) runnerFloats.give(a); };

  const sessionFor = (names: string[]): Promise<Prepared> => {
    const key = fileKey + JSON.stringify(names);
    let entry = sessionCache.get(key);
    if (entry) {
      sessionCache.delete(key); // most recently used last
      sessionCache.set(key, entry);
    } else {
      const edited = withNhwcOutputs(model, names, nchwLayers);
      const prepared = createSession(encodeModel(edited.model), { threads, file: opts.modelPath })
        .then((session) => ({ session, fetch: edited.fetch, preallocate: fixedBatch === null }));
      entry = { prepared, users: 0 };
      sessionCache.set(key, entry);
      prepared.catch(() => { if (sessionCache.get(key) === entry) sessionCache.delete(key); });
    }
    if (!mine.has(key)) { mine.add(key); entry.users++; }
    return entry.prepared;
  };

  /** Scaled (and for NCHW transposed) images of `n` items into x: rows `rowOf(i)` of the data set. */
  const fillInput = (x: Float32Array, n: number, rowOf: (i: number) => number): void => {
    const scale = desc.mapping.scale;
    const px = opts.pixels;
    for (let i = 0; i < n; i++) {
      const src = px.subarray(rowOf(i) * per, (rowOf(i) + 1) * per);
      const dst = x.subarray(i * per, (i + 1) * per);
      if (nchw && C > 1) nhwcToNchwInto(src, dst, 1, H, W, C, scale);
      else for (let k = 0; k < per; k++) dst[k] = src[k] * scale; // NHWC, or one channel: same order
    }
  };

  async function runRows(count: number, rowOf: (i: number) => number, layerNames: string[], what: () => string): Promise<BatchOutput> {
    const names = [...new Set([...layerNames, desc.latentLayer, desc.logitsTensor])];
    const prepared = await sessionFor(names);
    const { session, fetch } = prepared;
    const fetchList = [...new Set(fetch.values())];
    const set = takeOutputs(count, names);
    let released = false;
    const release = (): void => { if (!released) { released = true; giveOutputs(set); } };
    try {
      // Chunks run one after the other: ORT's run is synchronous, nothing would overlap.
      for (let s = 0; s < count; s += chunk) {
        const n = Math.min(chunk, count - s);
        const rows = fixedBatch ?? n; // a fixed-batch model gets a zero-padded last chunk
        const x = takeInput();
        try {
          if (rows > n) x.fill(0, n * per, rows * per);
          fillInput(x, n, (i) => rowOf(s + i));
          const feeds = { [desc.inputName]: new ort.Tensor('float32', x.subarray(0, rows * per), inputDims(rows)) };
          if (prepared.preallocate) {
            // ORT writes each output into its place in the pooled set: no allocation, no copy.
            const outs: Record<string, ort.Tensor> = {};
            for (const name of names) {
              const units = unitsOf(name);
              outs[fetch.get(name)!] = new ort.Tensor('float32', set.arrays.get(name)!.subarray(s * units, (s + n) * units), [n, ...itemDimsOf(name)]);
            }
            try {
              await session.run(feeds, outs);
              continue;
            } catch (err) {
              // A model whose output shapes differ from what the probe reported (rare): copy instead.
              if (!/shape|dimension|size/i.test((err as Error).message)) throw err;
              prepared.preallocate = false;
            }
          }
          const res = await session.run(feeds, fetchList);
          for (const name of names) {
            const units = unitsOf(name);
            set.arrays.get(name)!.set((res[fetch.get(name)!].data as Float32Array).subarray(0, n * units), s * units);
          }
        } catch (err) {
          if (err instanceof MarginError) throw err;
          throw new MarginError('INTERNAL', `ONNX Runtime failed on ${what()} of ${opts.modelPath}: ${(err as Error).message.split('\n')[0]}`);
        } finally {
          giveInput(x);
        }
      }
    } catch (err) {
      release();
      throw err;
    }
    const view = (name: string): Float32Array => set.arrays.get(name)!.subarray(0, count * unitsOf(name));
    const logits = view(desc.logitsTensor);
    const { probs, predicted } = softmaxArgmax(logits, count, K);
    return {
      count,
      layers: layerNames.map((name) => ({ name, units: unitsOf(name), data: view(name) })),
      logits,
      probs,
      predicted,
      latent: view(desc.latentLayer),
      latentDim,
      numClasses: K,
      release,
    };
  }

  const checkLayers = (layerNames: unknown): string | null => {
    if (!Array.isArray(layerNames)) return 'layerNames must be an array of layer names';
    for (const n of layerNames) {
      if (!layerInfo.has(n)) return `layer ${JSON.stringify(n)} is not in ${opts.modelPath}; layers are: ${[...layerInfo.keys()].join(', ')}`;
    }
    return null;
  };
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    p.then(() => pending.delete(p), () => pending.delete(p));
    return p;
  };

  return {
    engine: 'onnxruntime',
    description: desc,
    run(start, count, layerNames) {
      if (closed) return Promise.reject(new MarginError('CONFLICT', 'onnxRunner.run: the runner is closed'));
      if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > total) {
        return Promise.reject(badInput(`onnxRunner.run: items [${start}, ${start + count}) are outside the data set's 0…${total}`));
      }
      const bad = checkLayers(layerNames);
      if (bad) return Promise.reject(badInput(`onnxRunner.run: ${bad}`));
      return track(runRows(count, (i) => start + i, [...layerNames], () => `items ${start}…${start + count - 1}`));
    },
    runItems(indices, layerNames) {
      if (closed) return Promise.reject(new MarginError('CONFLICT', 'onnxRunner.runItems: the runner is closed'));
      if (!(indices instanceof Int32Array)) return Promise.reject(badInput('onnxRunner.runItems: indices must be an Int32Array of data-set rows'));
      const outside = indices.find((i) => i < 0 || i >= total);
      if (outside !== undefined) return Promise.reject(badInput(`onnxRunner.runItems: row ${outside} is outside the data set's 0…${total}`));
      const bad = checkLayers(layerNames);
      if (bad) return Promise.reject(badInput(`onnxRunner.runItems: ${bad}`));
      const rows = Int32Array.from(indices);
      return track(runRows(rows.length, (i) => rows[i], [...layerNames], () => `${rows.length} scattered items (rows ${rows[0]}…)`));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...pending]);
      for (const key of mine) {
        const entry = sessionCache.get(key);
        if (entry) entry.users--;
      }
      mine.clear();
      await evictIdleSessions();
    },
  };
}
