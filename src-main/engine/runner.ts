/**
 * A BatchRunner over worker threads: each worker loads the backend and the model and runs whole
 * batches; the runner hands each run() to the next idle worker (or queues it) and resolves each
 * call with its own batch, so callers that issue several run() calls at once keep all cores busy.
 * The data set's pixels live in one SharedArrayBuffer that every worker reads without copying.
 * With workers = 0 the same code runs in the calling thread.
 */
import type { Worker } from 'node:worker_threads';
import type { BatchOutput, BatchRunner } from '../core/extraction-types.ts';
import { MarginError, badInput, type ErrorPayload } from '../shared/errors.ts';
import type { BackendName } from './backend.ts';
import { createBatchWorker, type RunReply, type RunRequest } from './worker.ts';
import { startWorker } from './ts-worker.ts';

export interface RunnerOptions {
  modelJsonPath: string;
  pixels: Uint8Array | Float32Array;
  height: number;
  width: number;
  channels: number;
  pixelScale: number;
  /** Items per forward pass inside a worker (a run() larger than this is split). Default 256. */
  batchSize?: number;
  /** Worker threads; 0 runs in the calling thread. Default 2 (both cores here). */
  workers?: number;
  latentLayer?: string;
  backend?: BackendName;
}

export interface Runner extends BatchRunner {
  readonly workers: number;
}

function toShared(pixels: Uint8Array | Float32Array): { buffer: SharedArrayBuffer; type: 'uint8' | 'float32' } {
  if (pixels.buffer instanceof SharedArrayBuffer && pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength) {
    return { buffer: pixels.buffer, type: pixels instanceof Uint8Array ? 'uint8' : 'float32' };
  }
  const buffer = new SharedArrayBuffer(pixels.byteLength);
  if (pixels instanceof Uint8Array) new Uint8Array(buffer).set(pixels);
  else new Float32Array(buffer).set(pixels);
  return { buffer, type: pixels instanceof Uint8Array ? 'uint8' : 'float32' };
}

function fromPayload(p: ErrorPayload): MarginError {
  return new MarginError(p.code, p.message, p.details);
}

export async function createRunner(opts: RunnerOptions): Promise<Runner> {
  const workers = opts.workers ?? 2;
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(workers) || workers < 0) throw badInput(`createRunner: workers must be a non-negative integer, got ${workers}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw badInput(`createRunner: batchSize must be a positive integer, got ${batchSize}`);
  if (!(opts.pixels instanceof Uint8Array || opts.pixels instanceof Float32Array)) {
    throw badInput('createRunner: pixels must be a Uint8Array or Float32Array in NHWC order');
  }
  for (const k of ['height', 'width', 'channels'] as const) {
    if (!Number.isInteger(opts[k]) || opts[k] < 1) throw badInput(`createRunner: ${k} must be a positive integer, got ${opts[k]}`);
  }
  const per = opts.height * opts.width * opts.channels;
  if (opts.pixels.length % per !== 0) {
    throw badInput(`createRunner: pixels has ${opts.pixels.length} values, not a multiple of H·W·C = ${per}`);
  }
  const cfg = { ...opts, batchSize };

  if (workers === 0) {
    const w = await createBatchWorker(cfg);
    let closed = false;
    return {
      engine: w.engine,
      workers: 0,
      run: async (start, count, layerNames) => {
        if (closed) throw new MarginError('CONFLICT', 'runner.run: the runner is closed');
        return w.run(start, count, layerNames);
      },
      close: async () => { if (!closed) { closed = true; w.dispose(); } },
    };
  }

  const shared = toShared(opts.pixels);
  const workerData = { ...cfg, pixels: undefined, pixelsBuffer: shared.buffer, pixelsType: shared.type };
  interface Slot { worker: Worker; busy: boolean }
  interface Pending { req: RunRequest; resolve: (o: BatchOutput) => void; reject: (e: Error) => void }
  const slots: Slot[] = [];
  const waiting = new Map<number, Pending>();
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;
  let fatal: Error | null = null;

  const dispatch = (): void => {
    for (const slot of slots) {
      if (slot.busy || queue.length === 0) continue;
      const p = queue.shift()!;
      slot.busy = true;
      waiting.set(p.req.id, p);
      slot.worker.postMessage(p.req);
    }
  };

  const failAll = (err: Error): void => {
    fatal = err;
    for (const p of [...waiting.values(), ...queue]) p.reject(err);
    waiting.clear();
    queue.length = 0;
  };

  const started = await Promise.allSettled(
    Array.from({ length: workers }, () => new Promise<{ slot: Slot; engine: string }>((resolve, reject) => {
      const worker = startWorker(new URL('./worker-entry.ts', import.meta.url), { workerData });
      const slot: Slot = { worker, busy: false };
      let ready = false;
      worker.on('message', (msg: { type?: string; engine?: string; error?: ErrorPayload } & Partial<RunReply>) => {
        if (!ready) {
          if (msg.type === 'ready') { ready = true; resolve({ slot, engine: msg.engine! }); }
          else reject(fromPayload(msg.error ?? { code: 'INTERNAL', message: 'runner worker failed to start' }));
          return;
        }
        const reply = msg as RunReply;
        const p = waiting.get(reply.id);
        if (!p) return;
        waiting.delete(reply.id);
        slot.busy = false;
        if ('error' in reply) p.reject(fromPayload(reply.error));
        else p.resolve(reply.output);
        dispatch();
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
        else failAll(new MarginError('INTERNAL', `runner worker crashed: ${err.message}`));
      });
      worker.on('exit', (code) => {
        if (!ready) reject(new MarginError('INTERNAL', `runner worker exited with code ${code} before it was ready`));
        else if (!closed) failAll(new MarginError('INTERNAL', `runner worker exited unexpectedly with code ${code}`));
      });
    })),
  );
  const failed = started.find((s) => s.status === 'rejected');
  const ok = started.filter((s): s is PromiseFulfilledResult<{ slot: Slot; engine: string }> => s.status === 'fulfilled');
  if (failed) {
    closed = true;
    await Promise.all(ok.map((s) => s.value.slot.worker.terminate()));
    throw (failed as PromiseRejectedResult).reason;
  }
  for (const s of ok) slots.push(s.value.slot);

  return {
    engine: ok[0].value.engine,
    workers,
    run(start, count, layerNames) {
      if (closed) return Promise.reject(new MarginError('CONFLICT', 'runner.run: the runner is closed'));
      if (fatal) return Promise.reject(fatal);
      return new Promise<BatchOutput>((resolve, reject) => {
        queue.push({ req: { id: nextId++, start, count, layerNames: [...layerNames] }, resolve, reject });
        dispatch();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      failAll(new MarginError('CANCELLED', 'runner closed while batches were pending'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
