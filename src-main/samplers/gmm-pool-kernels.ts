/**
 * The GMM kernels the worker pool (src-main/system/worker-pool.ts) runs on its helper threads, and
 * the pool itself (one per thread that fits mixtures, started on first use). Each kernel does one
 * fixed chunk and writes only that chunk's outputs, so a fit gives bit-identical results with
 * any number of helpers (tested in gmm-pool.test.ts).
 *   fullE   E-step over items [chunk·chunkSize, …) (gmm-full-estep.ts eStepRange)
 *   fullM   M-step of component `chunk` (gmm-full-em.ts mStepComponent)
 *   sphE    spherical fused E/M pass over a chunk of items (gmm-spherical-core.ts)
 */
import { SyncPool, type PoolKernel } from '../system/worker-pool.ts';
import { eStepRange, rangeScratch, type EStepRange, type RangeScratch } from './gmm-full-estep.ts';
import { mScratch, mStepComponent, type MScratch, type WasmMStep } from './gmm-full-em.ts';
import { sphericalChunk, type SphericalChunkArgs } from './gmm-spherical-core.ts';

// Per-thread scratch, reused across calls of the same shape.
let eScratch: RangeScratch | null = null;
let mScratchCache: MScratch | null = null;

export const poolKernels: Record<string, PoolKernel> = {
  fullE(args, chunk) {
    const a = args as unknown as EStepRange & { whiten: Float64Array; chunkSize: number };
    const from = chunk * a.chunkSize, to = Math.min(a.n, from + a.chunkSize);
    if (!eScratch || eScratch.top.length < a.chunkSize || eScratch.d !== a.d || eScratch.groupStart.length !== a.k + 1) {
      eScratch = rangeScratch(a.chunkSize, a.d, a.k, a.whiten);
    }
    eScratch.whiten = a.whiten;
    eStepRange(a, eScratch, from, to, chunk);
  },
  fullM(args, chunk) {
    const a = args as {
      x: Float64Array; resp: Float64Array; reg: number; n: number; d: number; k: number; weights: Float64Array; means: Float64Array; covs: Float64Array;
      emptied: Uint8Array; wasm: WasmMStep | null;
    };
    if (!mScratchCache || mScratchCache.mu.length !== a.d) mScratchCache = mScratch(a.d);
    mStepComponent(a.x, a.n, a.d, a.k, a.resp, a.reg, chunk, mScratchCache, { weights: a.weights, means: a.means, covs: a.covs }, a.emptied, a.wasm);
  },
  sphE(args, chunk) {
    sphericalChunk(args as unknown as SphericalChunkArgs, chunk);
  },
};

let pool: SyncPool | null = null;

/** This thread's GMM pool (helpers start on first use and join when loaded). */
export function gmmPool(): SyncPool {
  pool ??= new SyncPool(new URL(import.meta.url), poolKernels);
  return pool;
}
