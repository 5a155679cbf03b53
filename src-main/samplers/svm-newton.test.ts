import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { addGram, exactLineSearch, gramOf, primalObjective, trainBinarySvmNewton, trainOneVsRestNewton } from './svm-newton.ts';
import { standardize, trainBinarySvm, trainOneVsRest } from './svm.ts';

/** Overlapping two-class data (so many items sit inside the margin), z-scored. */
function problem(seed: number, n: number, d: number, shift = 1) {
  const rng = createRng(seed);
  const x = new Float64Array(n * d);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.next() < 0.3 ? 1 : -1;
    for (let a = 0; a < d; a++) x[i * d + a] = rng.normal() + (y[i] > 0 && a < 2 ? shift : 0);
  }
  return { x: standardize(x, n, d), y, idx: Int32Array.from({ length: n }, (_, i) => i) };
}

/** ∇f(w) by a plain loop over every row (no active-set bookkeeping). */
function plainGradient(x: Float64Array, d: number, y: Int8Array, c: number, w: Float64Array): Float64Array {
  const g = Float64Array.from(w);
  for (let i = 0; i < y.length; i++) {
    let o = w[d];
    for (let a = 0; a < d; a++) o += w[a] * x[i * d + a];
    if (y[i] * o < 1) {
      const coef = 2 * c * (o - y[i]);
      for (let a = 0; a < d; a++) g[a] += coef * x[i * d + a];
      g[d] += coef;
    }
  }
  return g;
}

/** The L2-loss SVM's dual objective at α: eᵀα − ½‖Σ α y x̃‖² − Σα²/(4C), a lower bound of min f. */
function dualObjective(x: Float64Array, d: number, y: Int8Array, c: number, alpha: Float64Array): number {
  const v = new Float64Array(d + 1);
  let lin = 0, sq = 0;
  for (let i = 0; i < y.length; i++) {
    lin += alpha[i]; sq += alpha[i] * alpha[i];
    for (let a = 0; a < d; a++) v[a] += alpha[i] * y[i] * x[i * d + a];
    v[d] += alpha[i] * y[i];
  }
  let vv = 0;
  for (const t of v) vv += t * t;
  return lin - 0.5 * vv - sq / (4 * c);
}

const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, t) => s + t * t, 0));

describe('linear L2-SVM by the primal finite Newton method', () => {
  it('reaches the hand-derived optimum on two points', () => {
    // x = +1 (y = +1), x = −1 (y = −1): min ½w² + ½b² + C[(1 − w − b)² + (1 − w + b)²] → b = 0, w = 4C/(1 + 4C).
    const x = Float64Array.from([1, -1]);
    const r = trainBinarySvmNewton(x, 1, Int32Array.from([0, 1]), Int8Array.from([1, -1]), { c: 10 });
    expect(r.w[0]).toBeCloseTo(40 / 41, 12);
    expect(r.w[1]).toBeCloseTo(0, 12);
  });

  it('meets the KKT conditions and matches dual coordinate descent run to a tight tolerance (objective within 1e-6 relative, duality gap closed)', () => {
    for (const c of [0.1, 1, 10]) {
      const { x, y, idx } = problem(5, 400, 6);
      const d = 6;
      const nw = trainBinarySvmNewton(x, d, idx, y, { c });
      // KKT: ∇f(w) = 0, checked by an independent plain loop.
      const g0 = plainGradient(x, d, y, c, new Float64Array(d + 1));
      expect(norm(plainGradient(x, d, y, c, nw.w)) / norm(g0)).toBeLessThan(1e-9);
      expect(nw.objective).toBeCloseTo(primalObjective(x, d, idx, y, c, nw.w), 9);
      const rng = createRng(2);
      const cd = trainBinarySvm(x, d, idx, y, { c, eps: 1e-7, maxIter: 100_000, random: () => rng.next() });
      const fCd = primalObjective(x, d, idx, y, c, cd.w);
      const dual = dualObjective(x, d, y, c, cd.alpha);
      // Weak duality brackets the optimum: dual(α_cd) ≤ f* ≤ f(w_newton) ≤ f(w_cd).
      expect(nw.objective).toBeLessThanOrEqual(fCd + 1e-9 * fCd);
      expect(nw.objective).toBeGreaterThanOrEqual(dual - 1e-9 * Math.abs(dual));
      expect(Math.abs(fCd - nw.objective) / nw.objective).toBeLessThan(1e-6);
      for (let a = 0; a <= d; a++) expect(Math.abs(cd.w[a] - nw.w[a])).toBeLessThan(1e-3);
      // The dual variables implied by the primal optimum, α_i = 2C·max(0, 1 − y_i wᵀx̃_i), are CD's.
      let maxDiff = 0;
      for (let i = 0; i < y.length; i++) {
        let o = nw.w[d];
        for (let a = 0; a < d; a++) o += nw.w[a] * x[i * d + a];
        maxDiff = Math.max(maxDiff, Math.abs(2 * c * Math.max(0, 1 - y[i] * o) - cd.alpha[i]));
      }
      expect(maxDiff).toBeLessThan(1e-3);
    }
  });

  it('gives the same optimum from w = 0, from the shared Gram matrix, and warm-started from a nearby w', () => {
    const { x, y, idx } = problem(9, 500, 8, 0.7);
    const d = 8, c = 1;
    const cold = trainBinarySvmNewton(x, d, idx, y, { c });
    const gram = trainBinarySvmNewton(x, d, idx, y, { c }, { gram: gramOf(x, d, idx) });
    const near = Float64Array.from(cold.w, (v, a) => v * 0.8 + (a % 2 ? 0.05 : -0.05));
    const warm = trainBinarySvmNewton(x, d, idx, y, { c }, { w0: near });
    for (const r of [gram, warm]) {
      expect(Math.abs(r.objective - cold.objective) / cold.objective).toBeLessThan(1e-12);
      for (let a = 0; a <= d; a++) expect(r.w[a]).toBeCloseTo(cold.w[a], 9);
    }
    expect(cold.iterations).toBeLessThan(30);
  });

  it('the exact line search finds the minimum of f along the direction (against a dense scan)', () => {
    const { x, y, idx } = problem(13, 300, 5);
    const d = 5, c = 2;
    const rng = createRng(4);
    for (let trial = 0; trial < 5; trial++) {
      const w = Float64Array.from({ length: d + 1 }, () => rng.normal() * 0.5);
      // A descent direction: minus the gradient, perturbed.
      const p = Float64Array.from(plainGradient(x, d, y, c, w), (v) => -v * (0.5 + rng.next()) * 1e-3);
      const o = new Float64Array(300), delta = new Float64Array(300);
      for (let i = 0; i < 300; i++) {
        o[i] = w[d]; delta[i] = p[d];
        for (let a = 0; a < d; a++) { o[i] += w[a] * x[i * d + a]; delta[i] += p[a] * x[i * d + a]; }
      }
      const t = exactLineSearch(w, p, o, delta, y, c);
      const phi = (s: number) => primalObjective(x, d, idx, y, c, Float64Array.from(w, (v, a) => v + s * p[a]));
      expect(t).toBeGreaterThan(0);
      const best = phi(t);
      for (let q = 0; q <= 400; q++) expect(phi((q / 200) * t)).toBeGreaterThanOrEqual(best - 1e-9 * Math.abs(best));
      expect(phi(t * (1 + 1e-6))).toBeGreaterThanOrEqual(best);
      expect(phi(t * (1 - 1e-6))).toBeGreaterThanOrEqual(best);
    }
  });

  it('addGram (blocked, with the bias column) equals the plain sum of x̃x̃ᵀ', () => {
    const rng = createRng(8);
    const n = 700, d = 7;
    const x = Float64Array.from({ length: n * d }, () => rng.normal());
    const idx = Int32Array.from({ length: n }, (_, i) => (i * 3) % n);
    const rows = Int32Array.from({ length: 600 }, (_, t) => (t * 7) % n);
    const got = new Float64Array((d + 1) * (d + 1));
    addGram(x, d, idx, rows, rows.length, got);
    for (let a = 0; a <= d; a++) for (let b = a; b <= d; b++) {
      let s = 0;
      for (const t of rows) { const i = idx[t]; s += (a < d ? x[i * d + a] : 1) * (b < d ? x[i * d + b] : 1); }
      expect(got[a * (d + 1) + b]).toBeCloseTo(s, 9);
    }
  });

  it('one-vs-rest: each class reaches the objective dual CD approaches, and predicts as well', () => {
    const rng = createRng(3);
    const n = 600, d = 5, k = 3;
    const raw = new Float64Array(n * d);
    const lab = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      lab[i] = i % 3;
      for (let a = 0; a < d; a++) raw[i * d + a] = rng.normal() + (a === lab[i] ? 1.5 : 0);
    }
    const x = standardize(raw, n, d);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const nw = trainOneVsRestNewton(x, d, lab, k, all, { c: 1 });
    const r2 = createRng(1);
    const cd = trainOneVsRest(x, d, lab, k, all, { c: 1, eps: 1e-6, maxIter: 100_000, random: () => r2.next() });
    for (let c = 0; c < k; c++) {
      const y = Int8Array.from(lab, (l) => (l === c ? 1 : -1));
      const fn = primalObjective(x, d, all, y, 1, nw.weights[c]), fc = primalObjective(x, d, all, y, 1, cd.weights[c]);
      expect(fn).toBeLessThanOrEqual(fc * (1 + 1e-12));
      expect((fc - fn) / fn).toBeLessThan(1e-6);
    }
  });

  it('rejects C ≤ 0 with a message naming C', () => {
    expect(() => trainBinarySvmNewton(Float64Array.from([1]), 1, Int32Array.from([0]), Int8Array.from([1]), { c: 0 })).toThrow(/C must be > 0/);
  });
});
