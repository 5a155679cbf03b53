import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { decision, standardize, trainOneVsRest } from './svm.ts';

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
});
