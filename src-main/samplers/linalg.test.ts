import { describe, it, expect } from 'vitest';
import { accumulateGram, choleskyInPlace, covariance, columnMeans, logSumExp, pcaScores, symmetricEigen } from './linalg.ts';

describe('symmetricEigen', () => {
  it('satisfies A·v = λ·v with descending eigenvalues', () => {
    const d = 6;
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) { const v = Math.sin(i * 7 + j * 3) + (i === j ? 3 : 0); a[i * d + j] = v; a[j * d + i] = v; }
    const { values, vectors } = symmetricEigen(a, d);
    for (let k = 0; k < d; k++) {
      if (k > 0) expect(values[k]).toBeLessThanOrEqual(values[k - 1] + 1e-12);
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let j = 0; j < d; j++) av += a[i * d + j] * vectors[k * d + j];
        expect(av).toBeCloseTo(values[k] * vectors[k * d + i], 9);
      }
    }
  });
});

describe('choleskyInPlace', () => {
  it('factors an SPD matrix and rejects an indefinite one', () => {
    const a = Float64Array.from([4, 2, 2, 3]);
    expect(choleskyInPlace(a, 2)).toBe(true);
    expect(Array.from(a)).toEqual([2, 0, 1, Math.SQRT2]);
    expect(choleskyInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false);
  });
});

describe('logSumExp', () => {
  it('is stable for large magnitudes and handles -Infinity / empty ranges', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logSumExp([-Infinity, 0])).toBe(0);
    expect(logSumExp([])).toBe(-Infinity);
  });
});

describe('covariance and PCA', () => {
  it('finds the dominant direction of elongated data', () => {
    const n = 400, d = 3;
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) { const t = (i / n - 0.5) * 10; x[i * 3] = t; x[i * 3 + 1] = t; x[i * 3 + 2] = Math.sin(i); }
    const c = covariance(x, n, d, columnMeans(x, n, d));
    expect(c[1]).toBeCloseTo(c[0], 9);
    const { scores, variances } = pcaScores(x, n, d, 1);
    expect(variances[0]).toBeCloseTo(2 * c[0], 6);
    // Row 0 sits at t = −5, the mean of t is −5/n.
    expect(Math.abs(scores[0])).toBeCloseTo((5 - 5 / n) * Math.SQRT2, 4);
  });
});

describe('accumulateGram', () => {
  it('adds the upper triangle of T·Tᵀ for every tile remainder (d = 1 … 11) and leaves the lower triangle alone', () => {
    for (let d = 1; d <= 11; d++) {
      const stride = 7, m = 5;
      const t = Float64Array.from({ length: d * stride }, (_, i) => Math.sin(i * 1.3) * 2);
      const c = new Float64Array(d * d).fill(1);
      accumulateGram(t, stride, m, d, c);
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          let s = 0;
          for (let r = 0; r < m; r++) s += t[a * stride + r] * t[b * stride + r];
          expect(c[a * d + b]).toBeCloseTo(b >= a ? 1 + s : 1, 12);
        }
      }
    }
  });
});
