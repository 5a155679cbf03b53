/**
 * The WebAssembly SIMD kernels (gmm-wasm.ts, wasm/gmm-full-kernels.wat and gmm-spherical-kernels.wat) against the JavaScript ones
 * they replace: the same float64 numbers BIT FOR BIT (compared as raw bits, so −0 ≠ +0 and every
 * rounding counts), for the E-step's distances (with and without pruning; d = 84 / 7 / 6 / 1
 * around the four- and two-row passes; blocks of fewer than four items), the M-step (d not a
 * multiple of 4, blocks of any length), the spherical pass (k and d around the SIMD widths) and
 * whole fits, on this thread and over the worker pool. Also: the generated module is the .wat
 * compiled, and the arena's allocation rules.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileWat, generatedModule } from '../../scripts/build-wasm.ts';
import { createRng } from '../core/rng.ts';
import { fitGmm, FINAL_GAP } from './gmm-core.ts';
import { fullEStep, fullLayout, fullMStep, fullWorkspace, packTheta, sharedF64 } from './gmm-full-em.ts';
import { gmmPool } from './gmm-pool-kernels.ts';
import { gmmWasmModules, threadArena, WasmArena } from './gmm-wasm.ts';
import { makeBlobs } from './synthetic.ts';

/** The raw bits of a float64 array (NaN payloads, −0 and every last bit compared). */
const bits = (a: Float64Array) => Array.from(new BigInt64Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

const modules = gmmWasmModules();

describe('the generated WebAssembly modules', () => {
  for (const name of ['gmm-full-kernels', 'gmm-spherical-kernels']) {
    it(`${name}-wasm.ts is wasm/${name}.wat compiled (run npm run build:wasm after editing the .wat)`, async () => {
      const wat = fileURLToPath(new URL(`./wasm/${name}.wat`, import.meta.url));
      const expected = generatedModule(`${name}.wat`, `${name.replace(/-/g, '_').toUpperCase()}_WASM`, await compileWat(wat));
      expect(readFileSync(fileURLToPath(new URL(`./wasm/${name}-wasm.ts`, import.meta.url)), 'utf8')).toBe(expected);
    });
  }

  it('compile in this runtime (Node has WebAssembly SIMD and shared memory)', () => {
    expect(modules).not.toBeNull();
  });
});

describe('WasmArena', () => {
  it('hands out zeroed, 16-byte-aligned views, grows, and frees in LIFO order', () => {
    const arena = new WasmArena(modules!, 65_536);
    const mark = arena.mark();
    const a = arena.f64(3)!;
    a.fill(7);
    const b = arena.f64(40_000)!; // beyond the first 64 KiB page: the memory grows
    expect(a.byteOffset % 16).toBe(0);
    expect(b.byteOffset % 16).toBe(0);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 24);
    expect(arena.memory.buffer.byteLength).toBeGreaterThanOrEqual(b.byteOffset + 8 * 40_000);
    expect(arena.owns(a, b)).toBe(true);
    expect(arena.owns(new Float64Array(new SharedArrayBuffer(8)))).toBe(false);
    arena.release(mark);
    const c = arena.f64(3)!;
    expect(c.byteOffset).toBe(a.byteOffset);
    expect(Array.from(c)).toEqual([0, 0, 0]); // re-zeroed
  });

  it('returns null instead of growing past 4 GiB', () => {
    const arena = new WasmArena(modules!, 65_536);
    expect(arena.f64(2 ** 29 + 1)).toBeNull();
    expect(arena.f64(4)).not.toBeNull();
  });
});

for (const d of [84, 7, 6, 1]) {
  describe(`kernels at d = ${d}`, () => {
    const n = 1000, k = 5;
    // Half the values exactly 0, as in a ReLU latent (the real one is 52 % zeros).
    const blobs = makeBlobs({ n, d, k, seed: 11 });
    const x = Float64Array.from(blobs.latent.data, (v, i) => ((i * 2654435761) % 7 < 3 ? 0 : v));
    const fit = fitGmm(x, n, d, k, blobs.predLabels, 'full', createRng(1), { pool: null, maxIter: 2, wasm: false });
    const params = { weights: fit.weights, means: fit.means, covs: fit.covariances };

    /** fullEStep with the JavaScript kernel (plain arrays) or the WebAssembly one (arena). */
    const eStep = (arena: WasmArena | null, n1: number, gap: number, relativeTo: 'best' | 'second') => {
      const mark = arena?.mark() ?? 0;
      try {
        const xs = arena?.f64(n1 * d) ?? sharedF64(n1 * d);
        xs.set(x.subarray(0, n1 * d));
        const theta = arena?.f64(fullLayout(k, d).length) ?? sharedF64(fullLayout(k, d).length);
        const ws = fullWorkspace(n1, d, k, arena);
        expect(ws.wasm !== null).toBe(arena !== null);
        packTheta(params, k, d, theta, ws);
        const lj = sharedF64(n1 * k), resp = sharedF64(n1 * k), best = new Int32Array(new SharedArrayBuffer(4 * n1));
        best.set(blobs.predLabels.subarray(0, n1));
        const ll = fullEStep(xs, theta, ws, lj, relativeTo === 'best' ? resp : null, best, gap, { pool: null, relativeTo });
        return { ll, lj: bits(lj), resp: bits(resp), best: Array.from(best) };
      } finally {
        arena?.release(mark);
      }
    };

    // n1 = 1,000 (whole blocks of four) and 999 / 6 (a last block of 3 / 2 items: padded lanes).
    for (const [n1, gap, rel] of [[1000, Infinity, 'best'], [1000, 2, 'best'], [999, FINAL_GAP, 'second'], [6, 0.5, 'best']] as const) {
      it(`E-step distances: WebAssembly = JavaScript bit for bit (${n1} items, gap ${gap} vs ${rel})`, () => {
        const js = eStep(null, n1, gap, rel);
        const wasm = eStep(threadArena(), n1, gap, rel);
        expect(Object.is(wasm.ll, js.ll)).toBe(true);
        expect(wasm.lj).toEqual(js.lj);
        expect(wasm.resp).toEqual(js.resp);
        expect(wasm.best).toEqual(js.best);
        if (gap < 1) expect(js.lj.filter((v) => v === bits(Float64Array.of(-Infinity))[0]).length).toBeGreaterThan(0); // pruning happened
      });
    }

    it('M-step (weighted sums, gathering, Gram update): WebAssembly = JavaScript bit for bit (blocks of 512 rows and a remainder); x outside the arena runs JavaScript', () => {
      const resp = sharedF64(n * k);
      // Soft responsibilities: most rows feed two components, some a responsibility below MIN_RESP.
      for (let i = 0; i < n; i++) {
        const c = blobs.predLabels[i], r = (i % 10) / 10;
        resp[i * k + c] = 1 - r * 0.5;
        resp[i * k + ((c + 1) % k)] = i % 7 === 0 ? 1e-12 : r * 0.5;
      }
      // whole: x and the responsibilities in the arena (the component's M-step as WebAssembly); else JavaScript.
      const mStep = (arena: WasmArena | null, whole = false) => {
        const mark = arena?.mark() ?? 0;
        try {
          const ws = fullWorkspace(n, d, k, arena);
          let xs: Float64Array = x, rs: Float64Array = resp;
          if (arena && whole) {
            xs = arena.f64(n * d)!; xs.set(x);
            rs = arena.f64(n * k)!; rs.set(resp);
          }
          fullMStep(xs, rs, 1e-6, ws, ws.params, null);
          return { w: bits(ws.params.weights), m: bits(ws.params.means), c: bits(ws.params.covs) };
        } finally {
          arena?.release(mark);
        }
      };
      const js = mStep(null);
      expect(mStep(threadArena())).toEqual(js);
      expect(mStep(threadArena(), true)).toEqual(js);
    });
  });
}

describe('spherical fused pass', () => {
  // k = 10 (eight components per sweep, then a pair), 9 (eight, then one), 3 (a pair, then one);
  // d odd leaves a last column outside the SIMD pairs of the sums.
  for (const [n, d, k] of [[5000, 84, 10], [3000, 7, 9], [2100, 5, 3]] as const) {
    it(`fitGmm spherical (n ${n}, d ${d}, k ${k}): WebAssembly = JavaScript bit for bit`, () => {
      const blobs = makeBlobs({ n, d, k, seed: 9 });
      const x = Float64Array.from(blobs.latent.data, (v, i) => ((i * 2654435761) % 5 < 2 ? 0 : v));
      const a = fitGmm(x, n, d, k, blobs.predLabels, 'spherical', createRng(1), { pool: null, maxIter: 12 });
      const b = fitGmm(x, n, d, k, blobs.predLabels, 'spherical', createRng(1), { pool: null, maxIter: 12, wasm: false });
      expect(a.iterations).toBe(b.iterations);
      expect(Object.is(a.logLikelihood, b.logLikelihood)).toBe(true);
      expect(bits(a.logJoint)).toEqual(bits(b.logJoint));
      expect(bits(a.means)).toEqual(bits(b.means));
      expect(bits(a.covariances)).toEqual(bits(b.covariances));
      expect(bits(a.weights)).toEqual(bits(b.weights));
    });
  }
});

describe('whole fits', () => {
  const pool = gmmPool();
  afterAll(() => pool.stop());
  const n = 6000, d = 20, k = 6;
  const blobs = makeBlobs({ n, d, k, seed: 5 });

  for (const type of ['full', 'spherical'] as const) {
    it(`fitGmm ${type}: WebAssembly on the pool = JavaScript on one thread, bit for bit`, async () => {
      await pool.whenReady();
      const a = fitGmm(blobs.latent.data, n, d, k, blobs.predLabels, type, createRng(1), { pool });
      const b = fitGmm(blobs.latent.data, n, d, k, blobs.predLabels, type, createRng(1), { pool: null, wasm: false });
      expect(a.iterations).toBe(b.iterations);
      expect(Object.is(a.logLikelihood, b.logLikelihood)).toBe(true);
      expect(bits(a.logJoint)).toEqual(bits(b.logJoint));
      expect(bits(a.covariances)).toEqual(bits(b.covariances));
      expect(bits(a.means)).toEqual(bits(b.means));
    });
  }

  it('a fit leaves the arena as it found it', () => {
    const arena = threadArena()!;
    const before = arena.mark();
    fitGmm(blobs.latent.data, n, d, k, blobs.predLabels, 'full', createRng(1), { pool: null, maxIter: 2 });
    fitGmm(blobs.latent.data, n, d, k, blobs.predLabels, 'spherical', createRng(1), { pool: null, maxIter: 2 });
    expect(arena.mark()).toBe(before);
  });
});
