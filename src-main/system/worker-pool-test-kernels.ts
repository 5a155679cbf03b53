/** Kernels for worker-pool.test.ts (loaded by the pool's helper threads). */
import { threadId } from 'node:worker_threads';
import type { PoolKernel } from './worker-pool.ts';

export const poolKernels: Record<string, PoolKernel> = {
  /** out[chunk] = Σ_{i in chunk} in[i]² (chunks of `size`). */
  sumSquares(args, chunk) {
    const { input, out, size } = args as { input: Float64Array; out: Float64Array; size: number };
    let s = 0;
    for (let i = chunk * size; i < Math.min(input.length, (chunk + 1) * size); i++) s += input[i] * input[i];
    out[chunk] = s;
  },
  /** Records the thread that ran the chunk, after waiting (≤ 20 s) until every chunk has been claimed. */
  rendezvous(args, chunk) {
    const { arrived, threads, chunks } = args as { arrived: Int32Array; threads: Int32Array; chunks: number };
    threads[chunk] = threadId;
    Atomics.add(arrived, 0, 1);
    Atomics.notify(arrived, 0);
    const t0 = Date.now();
    for (;;) {
      const a = Atomics.load(arrived, 0);
      if (a >= chunks || Date.now() - t0 > 20_000) break;
      Atomics.wait(arrived, 0, a, 100);
    }
  },
  /** Throws on helper threads only (threadId ≠ the calling thread's). */
  failOnHelper(args, chunk) {
    const { out, caller } = args as { out: Int32Array; caller: number };
    if (threadId !== caller) throw new Error('helper failure');
    out[chunk] = 1;
  },
};
