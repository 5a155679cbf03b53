import { afterAll, describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { SyncPool, poolThreads } from './worker-pool.ts';
import { poolKernels } from './worker-pool-test-kernels.ts';

const module = new URL('./worker-pool-test-kernels.ts', import.meta.url);
const shared = (n: number) => new Float64Array(new SharedArrayBuffer(8 * n));

describe('SyncPool', () => {
  const pool = new SyncPool(module, poolKernels, 1);
  afterAll(() => pool.stop());

  it('runs every chunk once, on the calling thread before any helper is ready', () => {
    const cold = new SyncPool(module, poolKernels, 0);
    const input = shared(1000).map((_, i) => i / 7), out = shared(10);
    cold.run('sumSquares', { input, out, size: 100 }, 10);
    for (let c = 0; c < 10; c++) {
      let s = 0;
      for (let i = c * 100; i < c * 100 + 100; i++) s += input[i] * input[i];
      expect(out[c]).toBe(s);
    }
  });

  it('a ready helper takes chunks while the calling thread works on its own', async () => {
    expect(await pool.whenReady()).toBe(1);
    const arrived = new Int32Array(new SharedArrayBuffer(4)), threads = new Int32Array(new SharedArrayBuffer(8));
    pool.run('rendezvous', { arrived, threads, chunks: 2 }, 2);
    expect(new Set(threads).size).toBe(2);
    expect(threads).toContain(threadId);
    expect(pool.helperChunks).toBeGreaterThan(0);
  });

  it('gives the same results with a helper as without', async () => {
    await pool.whenReady();
    const input = shared(50_000).map((_, i) => Math.sin(i)), a = shared(50), b = shared(50);
    pool.run('sumSquares', { input, out: a, size: 1000 }, 50);
    new SyncPool(module, poolKernels, 0).run('sumSquares', { input, out: b, size: 1000 }, 50);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('redoes on the calling thread a chunk whose kernel threw on a helper', async () => {
    await pool.whenReady();
    const out = new Int32Array(new SharedArrayBuffer(4 * 64));
    pool.run('failOnHelper', { out, caller: threadId }, 64);
    expect(Array.from(out)).toEqual(new Array(64).fill(1));
  });

  it('names an unknown kernel', () => {
    expect(() => pool.run('nope', {}, 2)).toThrow(/no kernel named nope/);
  });

  it('MARGIN_POOL_THREADS sets the helper count (0 switches the pool off)', () => {
    const old = process.env.MARGIN_POOL_THREADS;
    try {
      process.env.MARGIN_POOL_THREADS = '0';
      expect(poolThreads()).toBe(0);
      process.env.MARGIN_POOL_THREADS = '2';
      expect(poolThreads()).toBe(2);
    } finally {
      if (old === undefined) delete process.env.MARGIN_POOL_THREADS; else process.env.MARGIN_POOL_THREADS = old;
    }
  });
});
