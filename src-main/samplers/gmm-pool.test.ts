/**
 * The GMM kernels split over the worker pool (gmm-pool-kernels.ts) against the same work on one
 * thread, and the new kernels against plain implementations: chunked E-step = one-range E-step,
 * the final pass pruned against the second best = the unpruned pass, the chunked spherical EM =
 * a plain (unfused, unchunked) spherical EM written out here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { fitGmm, groupsAndRatios, FINAL_GAP } from './gmm-core.ts';
import { fullEStep, fullLayout, fullWorkspace, packTheta, sharedF64 } from './gmm-full-em.ts';
import { gmmPool } from './gmm-pool-kernels.ts';
import { fitVariationalGmm } from './gmm-variational.ts';
import { makeBlobs } from './synthetic.ts';

const n = 5000, d = 16, k = 6;
const blobs = makeBlobs({ n, d, k, seed: 3 });
const x = blobs.latent.data;

describe('GMM over the worker pool', () => {
  const pool = gmmPool();
  afterAll(() => pool.stop());

  for (const type of ['full', 'spherical'] as const) {
    it(`${type}: a fit with pool helpers is bit-identical to one on this thread`, async () => {
      expect(await pool.whenReady()).toBeGreaterThanOrEqual(0);
      const b = fitGmm(x, n, d, k, blobs.predLabels, type, createRng(1), { pool: null });
      // A pass can finish on this thread before a helper wakes (the spherical one takes ~1 ms): fit
      // again until a helper has taken a chunk, checking every fit, so the shared path is exercised.
      const before = pool.helperChunks;
      for (let attempt = 0; attempt < 8; attempt++) {
        const a = fitGmm(x, n, d, k, blobs.predLabels, type, createRng(1), { pool });
        expect(a.logLikelihood).toBe(b.logLikelihood);
        expect(a.iterations).toBe(b.iterations);
        expect(Array.from(a.logJoint)).toEqual(Array.from(b.logJoint));
        expect(Array.from(a.covariances)).toEqual(Array.from(b.covariances));
        if (pool.helperChunks > before) break;
      }
      if (pool.readyHelpers() > 0) expect(pool.helperChunks).toBeGreaterThan(before);
    });
  }
  it('variational full: a fit with pool helpers is bit-identical to one on this thread', async () => {
    expect(await pool.whenReady()).toBeGreaterThanOrEqual(0);
    const before = pool.helperChunks;
    const a = fitVariationalGmm(x, n, d, k, blobs.predLabels, { pool });
    const b = fitVariationalGmm(x, n, d, k, blobs.predLabels, { pool: null });
    expect(a.lowerBound).toBe(b.lowerBound);
    expect(a.iterations).toBe(b.iterations);
    expect(Array.from(a.logJoint)).toEqual(Array.from(b.logJoint));
    expect(Array.from(a.posterior.covariances)).toEqual(Array.from(b.posterior.covariances));
    if (pool.readyHelpers() > 0) expect(pool.helperChunks).toBeGreaterThan(before);
  });
});

describe('full E-step kernels', () => {
  const fit = fitGmm(x, n, d, k, blobs.predLabels, 'full', createRng(1), { pool: null, maxIter: 3 });
  const theta = sharedF64(fullLayout(k, d).length);
  const ws = fullWorkspace(n, d, k);
  packTheta({ weights: fit.weights, means: fit.means, covs: fit.covariances }, k, d, theta, ws);
  const x64 = sharedF64(n * d);
  x64.set(x);
  const run = (gap: number, relativeTo: 'best' | 'second', guess: 'zero' | 'pred') => {
    const lj = sharedF64(n * k), best = new Int32Array(new SharedArrayBuffer(4 * n));
    if (guess === 'pred') best.set(blobs.predLabels);
    const ll = fullEStep(x64, theta, fullWorkspace(n, d, k), lj, null, best, gap, { pool: null, relativeTo });
    return { ll, lj, best };
  };

  it('the final pass pruned 50 nats below the second best gives the unpruned ratios and log-likelihood exactly', () => {
    const exact = run(Infinity, 'best', 'zero');
    for (const guess of ['zero', 'pred'] as const) {
      const pruned = run(FINAL_GAP, 'second', guess);
      expect(pruned.ll).toBe(exact.ll);
      expect(Array.from(pruned.best)).toEqual(Array.from(exact.best));
      const e = groupsAndRatios({ ...fit, logJoint: exact.lj }, n), p = groupsAndRatios({ ...fit, logJoint: pruned.lj }, n);
      expect(Array.from(p.group)).toEqual(Array.from(e.group));
      expect(Array.from(p.logRatio)).toEqual(Array.from(e.logRatio));
      // Pruned entries are −∞ and really were > 50 nats below the second best.
      let prunedCount = 0;
      for (let i = 0; i < n; i++) {
        const row = Array.from(exact.lj.subarray(i * k, i * k + k)).sort((a, b) => b - a);
        for (let c = 0; c < k; c++) {
          if (pruned.lj[i * k + c] === -Infinity) { prunedCount++; expect(exact.lj[i * k + c]).toBeLessThan(row[1] - FINAL_GAP); }
          else expect(pruned.lj[i * k + c]).toBe(exact.lj[i * k + c]);
        }
      }
      expect(prunedCount).toBeGreaterThan(0);
    }
  });

  it('pooled chunks give the same E-step as one range on this thread', async () => {
    const pool = gmmPool();
    await pool.whenReady();
    const one = run(25, 'best', 'pred');
    const lj = sharedF64(n * k), resp = sharedF64(n * k), best = new Int32Array(new SharedArrayBuffer(4 * n));
    best.set(blobs.predLabels);
    const ll = fullEStep(x64, theta, fullWorkspace(n, d, k), lj, resp, best, 25, { pool });
    expect(ll).toBe(one.ll);
    expect(Array.from(lj)).toEqual(Array.from(one.lj));
    expect(Array.from(best)).toEqual(Array.from(one.best));
  });
});

/** Plain spherical EM: separate E and M steps over the whole matrix, no centring, no chunks. */
function plainSpherical(maxIter: number) {
  const counts = new Float64Array(k), means = new Float64Array(k * d), vars = new Float64Array(k), w = new Float64Array(k);
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mu[a] += x[i * d + a] / n;
  let meanVar = 0;
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) meanVar += (x[i * d + a] - mu[a]) ** 2 / (n * d);
  const reg = 1e-6 * meanVar + 1e-12;
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) resp[i * k + blobs.predLabels[i]] = 1;
  const lj = new Float64Array(n * k);
  let ll = -Infinity, prev = -Infinity;
  for (let it = 0; ; it++) {
    // M-step from resp.
    counts.fill(0); means.fill(0);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) { counts[c] += resp[i * k + c]; for (let a = 0; a < d; a++) means[c * d + a] += resp[i * k + c] * x[i * d + a]; }
    for (let c = 0; c < k; c++) {
      w[c] = counts[c] / n;
      for (let a = 0; a < d; a++) means[c * d + a] /= counts[c];
      let s = 0;
      for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) s += resp[i * k + c] * (x[i * d + a] - means[c * d + a]) ** 2;
      vars[c] = s / (counts[c] * d) + reg;
    }
    // E-step.
    let total = 0;
    for (let i = 0; i < n; i++) {
      let top = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += (x[i * d + a] - means[c * d + a]) ** 2;
        lj[i * k + c] = Math.log(w[c]) - 0.5 * d * Math.log(2 * Math.PI * vars[c]) - s / (2 * vars[c]);
        top = Math.max(top, lj[i * k + c]);
      }
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(lj[i * k + c] - top);
      for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(lj[i * k + c] - top) / z;
      total += top + Math.log(z);
    }
    ll = total / n;
    if (Math.abs(ll - prev) <= 1e-4 * Math.abs(ll) || it + 1 >= maxIter) return { ll, lj, iterations: it + 1 };
    prev = ll;
  }
}

describe('chunked spherical EM', () => {
  it('matches a plain spherical EM (log-likelihood, log-joints, iterations)', () => {
    const plain = plainSpherical(12);
    const fit = fitGmm(x, n, d, k, blobs.predLabels, 'spherical', createRng(1), { pool: null, maxIter: 12 });
    expect(fit.iterations).toBe(plain.iterations);
    expect(fit.logLikelihood).toBeCloseTo(plain.ll, 9);
    let worst = 0;
    for (let t = 0; t < n * k; t++) worst = Math.max(worst, Math.abs(fit.logJoint[t] - plain.lj[t]) / (1 + Math.abs(plain.lj[t])));
    expect(worst).toBeLessThan(1e-7); // responsibilities < 1e-8 are left out of the fused sums (MIN_RESP)
  });
});
