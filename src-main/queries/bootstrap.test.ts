import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import type { Matrix } from '../core/matrix.ts';
import { columnMean } from './aggregates.ts';
import { bootstrapS1, bootstrapS2, bootstrapS3, bootstrapScores } from './bootstrap.ts';

function data(rows: number, cols: number, seed: number): Matrix<Float32Array> {
  const rng = createRng(seed);
  // unit j has mean j, so the ranking is clear for the high units
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, (_, i) => (i % cols) + rng.normal()) };
}

describe('bootstrapS2', () => {
  const m = data(200, 5, 1);
  const rows = Int32Array.from({ length: 100 }, (_, i) => i * 2);

  it('is deterministic for a seed and brackets the sample mean', () => {
    const a = bootstrapS2(m, rows, { rng: createRng(7) });
    const b = bootstrapS2(m, rows, { rng: createRng(7) });
    expect(a).toEqual(b);
    expect(a.resamples).toBe(200);
    expect(Array.from(a.estimate)).toEqual(Array.from(columnMean(m, rows)));
    for (let j = 0; j < 5; j++) {
      expect(a.lo[j]).toBeLessThan(a.estimate[j]);
      expect(a.hi[j]).toBeGreaterThan(a.estimate[j]);
      // the standard error of a mean of 100 unit-variance values is 0.1: a 95 % CI is about ±0.2
      expect(a.hi[j] - a.lo[j]).toBeGreaterThan(0.25);
      expect(a.hi[j] - a.lo[j]).toBeLessThan(0.55);
    }
  });

  it('has zero width for constant data and narrows with the level', () => {
    const c = { rows: 10, cols: 2, data: new Float32Array(20).fill(3) };
    const r = bootstrapS2(c, undefined, { rng: createRng(1), resamples: 50 });
    expect(Array.from(r.lo)).toEqual([3, 3]);
    expect(Array.from(r.hi)).toEqual([3, 3]);
    const wide = bootstrapS2(m, rows, { rng: createRng(2), level: 0.99 });
    const narrow = bootstrapS2(m, rows, { rng: createRng(2), level: 0.5 });
    expect(narrow.hi[0] - narrow.lo[0]).toBeLessThan(wide.hi[0] - wide.lo[0]);
  });

  it('rejects bad options and empty subsets', () => {
    expect(() => bootstrapS2(m, new Int32Array(0), { rng: createRng(1) })).toThrow(/rows selects no items: nothing to resample/);
    expect(() => bootstrapS2(m, rows, { rng: createRng(1), resamples: 0 })).toThrow(/resamples must be a positive integer, got 0/);
    expect(() => bootstrapS2(m, rows, { rng: createRng(1), level: 1 })).toThrow(/level must be in \(0, 1\), got 1/);
    expect(() => bootstrapS2(m, rows, {} as never)).toThrow(/options.rng must be an Rng/);
  });
});

describe('bootstrapS1', () => {
  it('gives per-neuron top-K inclusion frequencies that sum to K', () => {
    const m = data(100, 6, 3);
    const r = bootstrapS1(m, undefined, { k: 2 }, { rng: createRng(4), resamples: 100 });
    expect(Array.from(r.top)).toEqual([5, 4]);
    expect(r.frequency.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 12);
    expect(r.frequency[5]).toBe(1); // mean 5 vs 3: never leaves the top-2
    expect(r.frequency[0]).toBe(0);
    const byMax = bootstrapS1(m, undefined, { k: 2, by: 'max' }, { rng: createRng(4), resamples: 20 });
    expect(byMax.frequency.every((f) => f >= 0 && f <= 1)).toBe(true);
    expect(() => bootstrapS1(m, undefined, { k: 0 }, { rng: createRng(4) })).toThrow(/k must be a positive integer/);
  });
});

describe('bootstrapS3', () => {
  it('brackets each bin of the argmax distribution and is deterministic', () => {
    const m = data(300, 3, 5);
    const a = bootstrapS3(m, undefined, { rng: createRng(8), resamples: 100 });
    expect(a).toEqual(bootstrapS3(m, undefined, { rng: createRng(8), resamples: 100 }));
    expect(a.estimate.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    for (let j = 0; j < 3; j++) {
      expect(a.lo[j]).toBeLessThanOrEqual(a.estimate[j] + 1e-12);
      expect(a.hi[j]).toBeGreaterThanOrEqual(a.estimate[j] - 1e-12);
      expect(a.lo[j]).toBeGreaterThanOrEqual(0);
      expect(a.hi[j]).toBeLessThanOrEqual(1);
    }
    expect(() => bootstrapS3({ rows: 1, cols: 1, data: new Float32Array([Number.NaN]) }, undefined, { rng: createRng(1) }))
      .toThrow(/non-finite value \(NaN\) at row 0, column 0/);
  });
});

describe('bootstrapScores', () => {
  const m = data(200, 5, 3);
  const rows = Int32Array.from({ length: 80 }, (_, i) => i);
  it('brackets the mean (or max) score of the chosen columns, deterministically', () => {
    const a = bootstrapScores(m, rows, Int32Array.of(4, 1), 'mean', { rng: createRng(5) });
    expect(a).toEqual(bootstrapScores(m, rows, Int32Array.of(4, 1), 'mean', { rng: createRng(5) }));
    const mean = columnMean(m, rows);
    expect(a.estimate[0]).toBeCloseTo(mean[4], 12);
    expect(a.estimate[1]).toBeCloseTo(mean[1], 12);
    for (let c = 0; c < 2; c++) {
      expect(a.lo[c]).toBeLessThan(a.estimate[c]);
      expect(a.hi[c]).toBeGreaterThan(a.estimate[c]);
      expect(a.hi[c] - a.lo[c]).toBeLessThan(1); // sd 1 / sqrt(80) ⇒ width ≈ 0.44
    }
    const mx = bootstrapScores(m, rows, Int32Array.of(2), 'max', { rng: createRng(5), resamples: 50 });
    expect(mx.hi[0]).toBeLessThanOrEqual(mx.estimate[0]); // a resample's max never exceeds the sample's
  });
  it('rejects bad columns and options', () => {
    expect(() => bootstrapScores(m, rows, Int32Array.of(5), 'mean', { rng: createRng(1) })).toThrow(/columns holds 5, outside the matrix's columns \[0, 5\)/);
    expect(() => bootstrapScores(m, rows, Int32Array.of(0), 'median' as 'max', { rng: createRng(1) })).toThrow(/by must be 'mean' or 'max', got median/);
    expect(() => bootstrapScores(m, new Int32Array(0), Int32Array.of(0), 'mean', { rng: createRng(1) })).toThrow(/nothing to resample/);
  });
});
