import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { fullEStep, fullLayout, fullMStep, fullWorkspace, packTheta, unpackTheta } from './gmm-full-em.ts';
import type { FullParams } from './gmm-full-em.ts';

/** Random SPD covariances, means and weights for k components in d dimensions (d odd and even). */
function randomParams(k: number, d: number, seed: number): FullParams {
  const rng = createRng(seed);
  const weights = Float64Array.from({ length: k }, () => 0.5 + rng.next());
  const sum = weights.reduce((a, w) => a + w, 0);
  for (let c = 0; c < k; c++) weights[c] /= sum;
  const means = Float64Array.from({ length: k * d }, () => 3 * rng.normal());
  const covs = new Float64Array(k * d * d);
  for (let c = 0; c < k; c++) {
    const a = Float64Array.from({ length: d * d }, () => rng.normal());
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = i === j ? 0.1 : 0;
      for (let t = 0; t < d; t++) s += a[i * d + t] * a[j * d + t] / d;
      covs[c * d * d + i * d + j] = s;
    }
  }
  return { weights, means, covs };
}

/** log π_c + log N(x | μ_c, Σ_c) by Gaussian elimination on Σ_c (independent of the kernels). */
function bruteLogJoint(p: FullParams, d: number, c: number, xi: Float64Array): number {
  const m = Array.from({ length: d }, (_, i) => [...Array.from(p.covs.subarray(c * d * d + i * d, c * d * d + i * d + d)), xi[i] - p.means[c * d + i]]);
  let logDet = 0;
  for (let col = 0; col < d; col++) {
    let piv = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r;
    [m[col], m[piv]] = [m[piv], m[col]];
    logDet += Math.log(Math.abs(m[col][col]));
    for (let r = col + 1; r < d; r++) { const f = m[r][col] / m[col][col]; for (let t = col; t <= d; t++) m[r][t] -= f * m[col][t]; }
  }
  const sol = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) { let s = m[r][d]; for (let t = r + 1; t < d; t++) s -= m[r][t] * sol[t]; sol[r] = s / m[r][r]; }
  let q = 0;
  for (let i = 0; i < d; i++) q += (xi[i] - p.means[c * d + i]) * sol[i];
  return Math.log(p.weights[c]) - 0.5 * (d * Math.log(2 * Math.PI) + logDet + q);
}

describe('full-covariance EM step', () => {
  for (const d of [5, 8]) {
    const k = 3, n = 41;
    const p = randomParams(k, d, d);
    const rng = createRng(7);
    const x = Float64Array.from({ length: n * d }, () => 4 * rng.normal());
    const ws = fullWorkspace(n, d, k);
    const theta = new Float64Array(fullLayout(k, d).length);
    packTheta(p, k, d, theta, ws);

    it(`packTheta / unpackTheta round-trip (d = ${d})`, () => {
      const back = unpackTheta(theta, k, d);
      for (let t = 0; t < p.covs.length; t++) expect(back.covs[t]).toBeCloseTo(p.covs[t], 12);
      for (let c = 0; c < k; c++) expect(back.weights[c]).toBeCloseTo(p.weights[c], 14);
      expect(Array.from(back.means)).toEqual(Array.from(p.means));
    });

    it(`E-step log-joints match a brute-force density; pruning only drops entries > gap nats behind (d = ${d})`, () => {
      const exact = new Float64Array(n * k), pruned = new Float64Array(n * k);
      const resp = new Float64Array(n * k);
      const ll = fullEStep(x, theta, ws, exact, resp, new Int32Array(n), Infinity);
      const llPruned = fullEStep(x, theta, ws, pruned, null, new Int32Array(n), 5);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const xi = x.subarray(i * d, i * d + d);
        let top = -Infinity, rs = 0;
        for (let c = 0; c < k; c++) {
          const b = bruteLogJoint(p, d, c, xi);
          expect(exact[i * k + c]).toBeCloseTo(b, 8);
          top = Math.max(top, b);
          rs += resp[i * k + c];
        }
        expect(rs).toBeCloseTo(1, 12);
        let s = 0;
        for (let c = 0; c < k; c++) s += Math.exp(exact[i * k + c] - top);
        total += top + Math.log(s);
        for (let c = 0; c < k; c++) {
          const v = pruned[i * k + c];
          if (v === -Infinity) expect(exact[i * k + c]).toBeLessThan(top - 5);
          else expect(v).toBeCloseTo(exact[i * k + c], 10);
        }
      }
      expect(ll).toBeCloseTo(total / n, 10);
      expect(llPruned).toBeLessThanOrEqual(ll + 1e-12);
    });

    it(`M-step from hard responsibilities gives per-group means and covariances + reg (d = ${d})`, () => {
      const resp = new Float64Array(n * k);
      for (let i = 0; i < n; i++) resp[i * k + (i % k)] = 1;
      fullMStep(x, resp, 0.01, ws, ws.params);
      for (let c = 0; c < k; c++) {
        const rows = Array.from({ length: n }, (_, i) => i).filter((i) => i % k === c);
        expect(ws.params.weights[c]).toBeCloseTo(rows.length / n, 14);
        for (let a = 0; a < d; a++) {
          const mu = rows.reduce((s, i) => s + x[i * d + a], 0) / rows.length;
          expect(ws.params.means[c * d + a]).toBeCloseTo(mu, 12);
          const mb = rows.reduce((s, i) => s + x[i * d], 0) / rows.length;
          const cov = rows.reduce((s, i) => s + (x[i * d + a] - mu) * (x[i * d] - mb), 0) / rows.length;
          expect(ws.params.covs[c * d * d + a * d]).toBeCloseTo(cov + (a === 0 ? 0.01 : 0), 10);
        }
      }
    });
  }

  it('E-step reports a parameter vector holding NaN as infeasible (−∞)', () => {
    const k = 2, d = 3, n = 4;
    const ws = fullWorkspace(n, d, k);
    const theta = new Float64Array(fullLayout(k, d).length);
    theta[k] = NaN;
    expect(fullEStep(new Float64Array(n * d), theta, ws, new Float64Array(n * k), null, new Int32Array(n), 50)).toBe(-Infinity);
  });
});
