import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import type { Rng } from '../core/rng.ts';
import type { Matrix } from '../core/matrix.ts';
import { centredGram, ckaFromGrams, ckaMatrix, ckaMatrixFromGrams, linearCka } from './cka.ts';

function randn(rows: number, cols: number, rng: Rng): Matrix<Float64Array> {
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.normal()) };
}

function matmul(a: Matrix, b: Matrix): Matrix<Float64Array> {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) for (let k = 0; k < a.cols; k++) for (let j = 0; j < b.cols; j++) {
    out[i * b.cols + j] += a.data[i * a.cols + k] * b.data[k * b.cols + j];
  }
  return { rows: a.rows, cols: b.cols, data: out };
}

/** A random orthogonal p×p matrix by Gram–Schmidt. */
function orthogonal(p: number, rng: Rng): Matrix<Float64Array> {
  const q = randn(p, p, rng).data;
  for (let c = 0; c < p; c++) {
    for (let prev = 0; prev < c; prev++) {
      let dot = 0;
      for (let r = 0; r < p; r++) dot += q[r * p + c] * q[r * p + prev];
      for (let r = 0; r < p; r++) q[r * p + c] -= dot * q[r * p + prev];
    }
    let norm = 0;
    for (let r = 0; r < p; r++) norm += q[r * p + c] ** 2;
    for (let r = 0; r < p; r++) q[r * p + c] /= Math.sqrt(norm);
  }
  return { rows: p, cols: p, data: q };
}

/** Reference: HSIC with explicit centring matrix H, CKA = tr(KHLH) / √(tr(KHKH)·tr(LHLH)). */
function referenceCka(x: Matrix, y: Matrix): number {
  const n = x.rows;
  const gram = (m: Matrix) => {
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let a = 0; a < m.cols; a++) s += m.data[i * m.cols + a] * m.data[j * m.cols + a];
      g[i * n + j] = s;
    }
    return g;
  };
  const centre = (g: Float64Array) => {
    const row = new Float64Array(n), col = new Float64Array(n);
    let all = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { row[i] += g[i * n + j] / n; col[j] += g[i * n + j] / n; all += g[i * n + j] / (n * n); }
    return g.map((v, k) => v - row[Math.floor(k / n)] - col[k % n] + all);
  };
  const k = centre(gram(x)), l = centre(gram(y));
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  return dot(k, l) / Math.sqrt(dot(k, k) * dot(l, l));
}

describe('linearCka', () => {
  const rng = createRng(11);
  const x = randn(30, 6, rng);
  const y = randn(30, 4, rng);

  it('is 1 for identical representations and in [0, 1] otherwise', () => {
    expect(linearCka(x, x)).toBeCloseTo(1, 12);
    const v = linearCka(x, y);
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThan(1);
  });

  it('matches the HSIC reference in the feature form (p, q < n) and the Gram form (p, q > n)', () => {
    expect(linearCka(x, y)).toBeCloseTo(referenceCka(x, y), 12);
    const r = createRng(12);
    const wideX = randn(8, 20, r), wideY = randn(8, 15, r);
    expect(linearCka(wideX, wideY)).toBeCloseTo(referenceCka(wideX, wideY), 12);
    // mixed: one wide, one narrow
    const narrow = randn(8, 3, r);
    expect(linearCka(wideX, narrow)).toBeCloseTo(referenceCka(wideX, narrow), 12);
    expect(linearCka(narrow, wideX)).toBeCloseTo(referenceCka(wideX, narrow), 12);
  });

  it('is invariant to an orthogonal transform and to isotropic scaling', () => {
    const base = linearCka(x, y);
    expect(linearCka(matmul(x, orthogonal(6, createRng(3))), y)).toBeCloseTo(base, 12);
    const scaled = { ...x, data: x.data.map((v) => v * 7.5) };
    expect(linearCka(scaled, y)).toBeCloseTo(base, 12);
    // a column shift changes nothing either (columns are centred)
    const shifted = { ...y, data: y.data.map((v, i) => v + (i % 4) * 100) };
    expect(linearCka(x, shifted)).toBeCloseTo(base, 10);
  });

  it('works on Float32 inputs', () => {
    const f = { rows: x.rows, cols: x.cols, data: Float32Array.from(x.data) };
    expect(linearCka(f, f)).toBeCloseTo(1, 12);
  });

  it('is NaN for a representation constant over the items (CKA undefined)', () => {
    const constant = { rows: 30, cols: 2, data: new Float64Array(60).fill(4) };
    expect(Number.isNaN(linearCka(x, constant))).toBe(true);
  });

  it('rejects mismatched items, too few items and NaN', () => {
    expect(() => linearCka(x, randn(29, 4, rng))).toThrow(/X has 30 items but Y has 29/);
    expect(() => linearCka(randn(1, 2, rng), randn(1, 2, rng))).toThrow(/X has 1 item\(s\): CKA compares representations over at least 2 items/);
    const bad = { rows: 2, cols: 1, data: new Float64Array([1, Number.NaN]) };
    expect(() => linearCka(bad, bad)).toThrow(/X has a non-finite value \(NaN\) at row 1, column 0/);
  });
});

describe('ckaMatrix', () => {
  it('fills the layer-by-layer heatmap, 1 on the diagonal of a self-comparison', () => {
    const rng = createRng(5);
    const a = [randn(25, 5, rng), randn(25, 40, rng)];
    const b = [a[0], randn(25, 3, rng), a[1]];
    const h = ckaMatrix(a, b);
    expect([h.rows, h.cols]).toEqual([2, 3]);
    expect(h.data[0]).toBeCloseTo(1, 12);
    expect(h.data[1 * 3 + 2]).toBeCloseTo(1, 12);
    expect(h.data[1]).toBeCloseTo(linearCka(a[0], b[1]), 14);
    expect(h.data[3]).toBeCloseTo(referenceCka(a[1], a[0]), 12);
  });
  it('rejects empty lists and layers over different items', () => {
    const rng = createRng(6);
    expect(() => ckaMatrix([], [randn(3, 2, rng)])).toThrow(/layersA must be a non-empty list/);
    expect(() => ckaMatrix([randn(3, 2, rng)], [randn(4, 2, rng)])).toThrow(/layersB\[0\] has 4 items but layersA\[0\] has 3/);
  });
});

describe('Q7 through centred Gram matrices (the arithmetic a cluster uses)', () => {
  it('equals ckaMatrix within 1e-12 relative, narrow and wide layers alike', () => {
    const rng = createRng(21);
    const n = 120;
    const base = randn(n, 6, rng);
    // Narrow (p < n: ckaMatrix takes the feature form) and wide (p > n: the Gram form) layers sharing structure.
    const layersA = [matmul(base, randn(6, 10, rng)), randn(n, 150, rng)];
    const layersB = [matmul(base, randn(6, 200, rng)), randn(n, 4, rng), matmul(base, randn(6, 3, rng))];
    const want = ckaMatrix(layersA, layersB);
    const got = ckaMatrixFromGrams(layersA.map((m) => centredGram(m)), layersB.map((m) => centredGram(m)));
    expect([got.rows, got.cols]).toEqual([2, 3]);
    for (let i = 0; i < want.data.length; i++) expect(Math.abs(got.data[i] - want.data[i]), `entry ${i}`).toBeLessThan(1e-12 * Math.max(1e-3, want.data[i]));
    expect(got.data[0]).toBeGreaterThan(0.5);
  });

  it('gives NaN for a constant layer and refuses fewer than 2 items, a NaN, or Gram matrices of different sizes', () => {
    const rng = createRng(2);
    const x = randn(10, 4, rng);
    expect(ckaFromGrams(centredGram(x), centredGram({ rows: 10, cols: 3, data: new Float64Array(30).fill(7) }))).toBeNaN();
    expect(() => centredGram(randn(1, 4, rng), 'layer relu1')).toThrow(/layer relu1 has 1 item\(s\): CKA compares representations over at least 2 items/);
    const bad = { ...x, data: Float64Array.from(x.data) };
    bad.data[5] = Number.NaN;
    expect(() => centredGram(bad)).toThrow(/non-finite value \(NaN\)/);
    expect(() => ckaFromGrams(centredGram(x), centredGram(randn(9, 4, rng)))).toThrow(/10 and 9 items/);
  });
});
