import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { decision, standardize, trainBinarySvm, trainOneVsRest } from './svm.ts';

describe('linear SVM (dual coordinate descent)', () => {
  it('separates linearly separable multi-class data: 100 % training accuracy', () => {
    const rng = createRng(3);
    const n = 600, d = 5, k = 3;
    const x = new Float64Array(n * d);
    const lab = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      lab[i] = c;
      for (let a = 0; a < d; a++) x[i * d + a] = rng.normal() * 0.5 + (a === c ? 4 : 0);
    }
    const xs = standardize(x, n, d);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const { weights } = trainOneVsRest(xs, d, lab, k, all, { random: () => rng.next() });
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let arg = 0;
      for (let c = 1; c < k; c++) if (decision(weights[c], xs, d, i) > decision(weights[arg], xs, d, i)) arg = c;
      if (arg === lab[i]) correct++;
    }
    expect(correct).toBe(n);
  });
  it('standardize gives zero mean, unit variance, and leaves constant columns finite', () => {
    const x = Float64Array.from([1, 5, 3, 5, 5, 5]);
    const z = standardize(x, 3, 2);
    expect(z[0] + z[2] + z[4]).toBeCloseTo(0, 12);
    expect((z[0] ** 2 + z[2] ** 2 + z[4] ** 2) / 3).toBeCloseTo(1, 12);
    expect(Array.from([z[1], z[3], z[5]])).toEqual([0, 0, 0]);
  });
  it('hinge (L1) and squared-hinge (L2) losses reach their hand-derived optima on two points', () => {
    // x = +1 (y = +1), x = −1 (y = −1), bias feature 1. By symmetry b = 0.
    const x = Float64Array.from([1, -1]);
    const idx = Int32Array.from([0, 1]);
    const y = Int8Array.from([1, -1]);
    const rng = createRng(1);
    const opts = { random: () => rng.next(), eps: 1e-9 };
    // Hinge, C = 10 ≥ ½: the hard-margin solution w = 1, α = ½ each.
    const h10 = trainBinarySvm(x, 1, idx, y, { ...opts, c: 10, loss: 'hinge' });
    expect(h10.w[0]).toBeCloseTo(1, 6);
    expect(h10.w[1]).toBeCloseTo(0, 6);
    // Hinge, C = 0.1: both α at the bound C, w = 2C = 0.2.
    const h01 = trainBinarySvm(x, 1, idx, y, { ...opts, c: 0.1, loss: 'hinge' });
    expect(h01.w[0]).toBeCloseTo(0.2, 6);
    for (const a of h01.alpha) expect(a).toBeCloseTo(0.1, 9);
    // Squared hinge, C = 10: min ½w² + 2C(1 − w)² → w = 4C / (1 + 4C) = 40/41.
    const l2 = trainBinarySvm(x, 1, idx, y, { ...opts, c: 10 });
    expect(l2.w[0]).toBeCloseTo(40 / 41, 6);
  });
});
