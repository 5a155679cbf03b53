import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { fitGmm, groupsAndRatios } from './gmm-core.ts';

/** Three well-separated 2-D Gaussians with known means and covariances. */
function blobs(nPer: number, seed: number) {
  const rng = createRng(seed);
  const means = [[0, 0], [10, 0], [0, 10]];
  // Covariance L·Lᵀ for L = [[l0, 0], [l1, l2]].
  const chol = [[1, 0, 0.5], [0.5, 0.8, 0.3], [1.2, -0.6, 0.7]];
  const n = 3 * nPer;
  const x = new Float64Array(n * 2);
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3, z1 = rng.normal(), z2 = rng.normal();
    const [l0, l1, l2] = chol[c];
    x[2 * i] = means[c][0] + l0 * z1;
    x[2 * i + 1] = means[c][1] + l1 * z1 + l2 * z2;
    lab[i] = c;
  }
  const covs = chol.map(([l0, l1, l2]) => [l0 * l0, l0 * l1, l1 * l1 + l2 * l2]);
  return { x, n, lab, means, covs };
}

describe('fitGmm', () => {
  const b = blobs(1500, 11);
  // Start from deliberately noisy labels: EM must still find the blobs.
  const init = Int32Array.from(b.lab, (c, i) => (i % 5 === 0 ? (c + 1) % 3 : c));
  it('full: recovers means and covariances of well-separated blobs', () => {
    const fit = fitGmm(b.x, b.n, 2, 3, init, 'full', createRng(1));
    expect(fit.converged).toBe(true);
    for (let c = 0; c < 3; c++) {
      expect(fit.means[2 * c]).toBeCloseTo(b.means[c][0], 0);
      expect(Math.abs(fit.means[2 * c + 1] - b.means[c][1])).toBeLessThan(0.1);
      const s = fit.covariances.subarray(4 * c, 4 * c + 4);
      expect(Math.abs(s[0] - b.covs[c][0])).toBeLessThan(0.12 * b.covs[c][0] + 0.02);
      expect(Math.abs(s[1] - b.covs[c][1])).toBeLessThan(0.1);
      expect(Math.abs(s[3] - b.covs[c][2])).toBeLessThan(0.12 * b.covs[c][2] + 0.02);
      expect(fit.weights[c]).toBeCloseTo(1 / 3, 2);
    }
    const { group } = groupsAndRatios(fit, b.n);
    let agree = 0;
    for (let i = 0; i < b.n; i++) if (group[i] === b.lab[i]) agree++;
    expect(agree / b.n).toBeGreaterThan(0.999);
  });
  it('spherical: recovers means and the average variance', () => {
    const fit = fitGmm(b.x, b.n, 2, 3, init, 'spherical', createRng(1));
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(fit.means[2 * c] - b.means[c][0])).toBeLessThan(0.1);
      expect(Math.abs(fit.covariances[c] - (b.covs[c][0] + b.covs[c][2]) / 2)).toBeLessThan(0.1);
    }
    expect(fit.logLikelihood).toBeLessThan(fitGmm(b.x, b.n, 2, 3, init, 'full', createRng(1)).logLikelihood);
  });
  it('log ratios are positive for the assigned component and lowest between blobs', () => {
    const fit = fitGmm(b.x, b.n, 2, 3, init, 'full', createRng(1));
    const { logRatio } = groupsAndRatios(fit, b.n);
    for (const v of logRatio) expect(v).toBeGreaterThan(0);
    expect(Number.isFinite(logRatio.reduce((a, v) => a + v, 0))).toBe(true);
  });
  it('a class nobody was predicted as is still seeded (k-means++ step) and the fit stays valid', () => {
    const only2 = Int32Array.from(b.lab, (c) => (c === 2 ? 1 : c));
    const fit = fitGmm(b.x, b.n, 2, 3, only2, 'full', createRng(4));
    expect(fit.weights.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 9);
    expect(fit.weights[2]).toBeGreaterThan(0);
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    for (const v of fit.means) expect(Number.isFinite(v)).toBe(true);
  });
  it('Float32 input gives the same fit as its Float64 copy (the sampler passes the stored latent as is)', () => {
    const x32 = Float32Array.from(b.x);
    const x64 = new Float64Array(x32);
    for (const type of ['full', 'spherical'] as const) {
      const a = fitGmm(x32, b.n, 2, 3, init, type, createRng(1));
      const c = fitGmm(x64, b.n, 2, 3, init, type, createRng(1));
      expect(a.logLikelihood).toBe(c.logLikelihood);
      expect(Array.from(a.means)).toEqual(Array.from(c.means));
      expect(Array.from(a.logJoint)).toEqual(Array.from(c.logJoint));
    }
  });
});
