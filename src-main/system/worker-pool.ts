/**
 * A small pool of helper threads for SYNCHRONOUS data-parallel kernels over SharedArrayBuffers.
 *
 * The caller (e.g. an EM loop, which is synchronous and already runs inside a job's worker thread)
 * splits its work into a FIXED list of chunks and calls `pool.run(name, args, chunks)`: the calling
 * thread and every helper that is ready claim chunks from a shared counter (Atomics.add) until none
 * are left, and `run` returns when all are done (Atomics.wait — allowed on Node's main thread and
 * in workers). The chunks, and which output each chunk writes, are the caller's: a kernel writes
 * only its own chunk's slots, so the result does not depend on how many threads ran or which
 * thread took which chunk (determinism is the caller's by construction, not the pool's luck).
 *
 * Kernels live in a module that exports `poolKernels: Record<string, PoolKernel>`; the helpers
 * import that module once at start (through ts-worker.ts, so a .ts module works under tsx). A
 * helper that is not ready yet is simply not used: the first call starts the pool and does all
 * chunks itself, later calls share the work once a helper has loaded (a few hundred ms). If a
 * helper's kernel throws, its chunk is redone on the calling thread, which then throws the error
 * itself if the kernel really is broken.
 *
 * Helper count: os.availableParallelism() − 1, at most 3, overridable with MARGIN_POOL_THREADS
 * (0 switches the pool off: everything runs on the calling thread). Helpers are unref'd: they never
 * keep a process alive, and they end with the thread that started them.
 * Arguments are posted by structured clone: SharedArrayBuffer-backed typed arrays are shared, not
 * copied; anything else is copied per call (keep it small).
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../engine/ts-worker.ts';

/** A kernel: does chunk `chunk` of the work described by `args`. */
export type PoolKernel = (args: Record<string, unknown>, chunk: number) => void;

interface Helper { worker: Worker; ready: Int32Array; failed: boolean }

/** Shared control block of one run: [next chunk, chunks finished, chunks failed]. */
const NEXT = 0, DONE = 1;
/** Per-chunk status: 0 pending/claimed, 1 done, 2 failed on a helper. */
const OK = 1, FAILED = 2;

export function poolThreads(): number {
  const env = process.env.MARGIN_POOL_THREADS;
  if (env !== undefined && env !== '') {
    const v = Number(env);
    if (Number.isInteger(v) && v >= 0) return Math.min(v, 16);
  }
  return Math.max(0, Math.min(3, os.availableParallelism() - 1));
}

export class SyncPool {
  private helpers: Helper[] | null = null;
  /** Chunks done by helpers since the pool started (tests and benchmarks read it). */
  helperChunks = 0;
  private readonly counters = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly module: URL, private readonly kernels: Record<string, PoolKernel>, private readonly threads = poolThreads()) {}

  /** Starts the helpers if not started yet (returns at once; they join when loaded). */
  start(): void {
    if (this.helpers) return;
    this.helpers = [];
    for (let t = 0; t < this.threads; t++) {
      const ready = new Int32Array(new SharedArrayBuffer(4));
      const worker = startWorker(new URL('./worker-pool-entry.ts', import.meta.url), {
        workerData: { module: this.module.href, ready: ready.buffer, counters: this.counters.buffer },
      });
      const h: Helper = { worker, ready, failed: false };
      worker.on('error', () => { h.failed = true; });
      worker.on('exit', () => { h.failed = true; });
      worker.unref();
      this.helpers.push(h);
    }
  }

  /** Helpers that have loaded the kernels. */
  readyHelpers(): number {
    return (this.helpers ?? []).filter((h) => !h.failed && Atomics.load(h.ready, 0) === 1).length;
  }

  /** Resolves once every helper has loaded (or after `timeoutMs`); for benchmarks and tests. */
  async whenReady(timeoutMs = 30_000): Promise<number> {
    this.start();
    const t0 = Date.now();
    while (this.readyHelpers() < this.threads && Date.now() - t0 < timeoutMs && !this.helpers!.every((h) => h.failed)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.readyHelpers();
  }

  /** Ends the helpers (the pool starts them again on its next run). */
  async stop(): Promise<void> {
    const hs = this.helpers ?? [];
    this.helpers = null;
    await Promise.all(hs.map((h) => h.worker.terminate()));
  }

  /** Runs kernel `name` over chunks 0 … chunks − 1 on this thread and the ready helpers. */
  run(name: string, args: Record<string, unknown>, chunks: number): void {
    const kernel = this.kernels[name];
    if (!kernel) throw new Error(`worker pool: no kernel named ${name}`);
    if (chunks <= 0) return;
    if (chunks === 1 || this.threads === 0) {
      for (let c = 0; c < chunks; c++) kernel(args, c);
      return;
    }
    this.start();
    const ctl = new Int32Array(new SharedArrayBuffer(8));
    const status = new Int32Array(new SharedArrayBuffer(4 * chunks));
    for (const h of this.helpers!) {
      if (h.failed || Atomics.load(h.ready, 0) !== 1) continue;
      h.worker.postMessage({ name, args, chunks, ctl: ctl.buffer, status: status.buffer });
    }
    for (;;) {
      const c = Atomics.add(ctl, NEXT, 1);
      if (c >= chunks) break;
      kernel(args, c);
      status[c] = OK;
      Atomics.add(ctl, DONE, 1);
    }
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done >= chunks) break;
      Atomics.wait(ctl, DONE, done, 100);
    }
    for (let c = 0; c < chunks; c++) if (status[c] === FAILED) kernel(args, c);
    this.helperChunks = Atomics.load(this.counters, 0);
  }
}
