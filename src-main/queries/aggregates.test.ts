import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import type { Matrix } from '../core/matrix.ts';
import {
  argmaxHistogram, argmaxPerRow, columnMax, columnMean, groupArgmaxHistogram, groupedAggregates, groupMax, groupMean, subsetAggregates, topK,
  combineSubsetPartials, subsetPartials, SUM_BLOCK,
} from './aggregates.ts';

const m3x3: Matrix<Float32Array> = { rows: 3, cols: 3, data: new Float32Array([1, 5, 3, 4, 2, 6, 7, 8, 0]) };

function randomMatrix(rows: number, cols: number, seed: number): Matrix<Float32Array> {
  const rng = createRng(seed);
  // ReLU-like: a third of the values are exactly zero, as in real activations
  const d = Float32Array.from({ length: rows * cols }, () => Math.max(0, rng.normal() + 0.3));
  return { rows, cols, data: d };
}

describe('columnMean / columnMax', () => {
  it('aggregate all rows or a subset', () => {
    expect(Array.from(columnMean(m3x3))).toEqual([4, 5, 3]);
    expect(Array.from(columnMean(m3x3, Int32Array.of(0, 2)))).toEqual([4, 6.5, 1.5]);
    expect(Array.from(columnMax(m3x3))).toEqual([7, 8, 6]);
    expect(Array.from(columnMax(m3x3, Int32Array.of(1)))).toEqual([4, 2, 6]);
  });
  it('count repeated rows once per occurrence', () => {
    expect(Array.from(columnMean(m3x3, Int32Array.of(0, 0, 1)))).toEqual([2, 4, 4]);
  });
  it('accept Float64 matrices', () => {
    expect(Array.from(columnMean({ rows: 2, cols: 1, data: new Float64Array([0.1, 0.2]) }))[0]).toBeCloseTo(0.15, 15);
  });
  it('reject empty subsets, out-of-range rows and non-finite values with the location', () => {
    expect(() => columnMean(m3x3, new Int32Array(0))).toThrow(/rows selects no items: the mean of an empty subset is undefined/);
    expect(() => columnMax({ rows: 0, cols: 2, data: new Float32Array(0) })).toThrow(/the max of an empty subset/);
    expect(() => columnMean(m3x3, Int32Array.of(3))).toThrow(/rows\[0\] = 3 is outside the matrix's rows \[0, 3\)/);
    const bad = { rows: 2, cols: 2, data: new Float32Array([1, 2, 3, Number.NaN]) };
    expect(() => columnMean(bad)).toThrow(/matrix has a non-finite value \(NaN\) at row 1, column 1/);
    expect(() => columnMax(bad)).toThrow(/non-finite value \(NaN\) at row 1, column 1/);
    expect(Array.from(columnMean(bad, Int32Array.of(0)))).toEqual([1, 2]); // the NaN row is not selected
    expect(() => columnMean({ rows: 1, cols: 1, data: new Float32Array([-Infinity]) })).toThrow(/-Infinity/);
  });
});

describe('argmaxPerRow / argmaxHistogram', () => {
  it('finds each row\'s largest unit, ties to the lower index', () => {
    expect(Array.from(argmaxPerRow(m3x3))).toEqual([1, 2, 1]);
    expect(Array.from(argmaxPerRow({ rows: 1, cols: 3, data: new Float32Array([2, 5, 5]) }))).toEqual([1]);
    expect(argmaxPerRow(m3x3, new Int32Array(0)).length).toBe(0);
  });
  it('normalises the histogram', () => {
    expect(Array.from(argmaxHistogram(m3x3))).toEqual([0, 2 / 3, 1 / 3]);
    expect(Array.from(argmaxHistogram(m3x3, Int32Array.of(1)))).toEqual([0, 0, 1]);
  });
  it('rejects NaN and empty input', () => {
    expect(() => argmaxPerRow({ rows: 1, cols: 2, data: new Float32Array([Number.NaN, 1]) })).toThrow(/NaN\) at row 0, column 0/);
    expect(() => argmaxHistogram(m3x3, new Int32Array(0))).toThrow(/argmax distribution of an empty subset is undefined/);
    expect(() => argmaxPerRow({ rows: 1, cols: 0, data: new Float32Array(0) })).toThrow(/no columns/);
  });
});

describe('topK', () => {
  it('returns indices in descending order, ties to the lower index', () => {
    expect(Array.from(topK([3, 9, 1, 9, 4], 3))).toEqual([1, 3, 4]);
    expect(Array.from(topK([5, 5, 5, 5], 2))).toEqual([0, 1]);
    expect(Array.from(topK([1, 2, 3], 1))).toEqual([2]);
    expect(Array.from(topK([-1, -3, -2], 3))).toEqual([0, 2, 1]);
  });
  it('clamps K to the vector length', () => {
    expect(Array.from(topK([1, 3, 2], 10))).toEqual([1, 2, 0]);
  });
  it('agrees with a full sort on random vectors with many ties', () => {
    const rng = createRng(7);
    for (let t = 0; t < 20; t++) {
      const v = Array.from({ length: 200 }, () => rng.int(30));
      const ref = v.map((x, i) => [x, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map((p) => p[1]);
      expect(Array.from(topK(v, 17))).toEqual(ref.slice(0, 17));
    }
  });
  it('rejects bad K, empty and NaN vectors', () => {
    expect(() => topK([1], 0)).toThrow(/k must be a positive integer, got 0/);
    expect(() => topK([], 1)).toThrow(/the vector to rank is empty/);
    expect(() => topK([1, Number.NaN], 1)).toThrow(/vector\[1\] is NaN/);
  });
});

describe('groupedAggregates', () => {
  it('equals the naive per-group computation, over all rows and over a member subset', () => {
    const m = randomMatrix(300, 37, 1);
    const rng = createRng(2);
    const groups = 6;
    const groupOf = Int32Array.from({ length: m.rows }, () => rng.int(groups + 1) - 1); // includes -1 (skip)
    const members = Int32Array.from({ length: 120 }, () => rng.int(m.rows)); // with repeats
    for (const rows of [undefined, members]) {
      const agg = groupedAggregates(m, groupOf, groups, rows);
      const all = rows ?? Int32Array.from({ length: m.rows }, (_, i) => i);
      for (let g = 0; g < groups; g++) {
        const sel = all.filter((r) => groupOf[r] === g);
        expect(agg.counts[g]).toBe(sel.length);
        if (sel.length === 0) continue;
        const mean = groupMean(agg, g), ref = columnMean(m, sel);
        for (let j = 0; j < m.cols; j++) expect(mean[j]).toBeCloseTo(ref[j], 12);
        expect(Array.from(groupMax(agg, g))).toEqual(Array.from(columnMax(m, sel)));
        expect(Array.from(groupArgmaxHistogram(agg, g))).toEqual(Array.from(argmaxHistogram(m, sel)));
      }
    }
  });
  it('reports empty groups as such', () => {
    const agg = groupedAggregates(m3x3, Int32Array.of(0, 0, -1), 2);
    expect(Array.from(agg.counts)).toEqual([2, 0]);
    expect(() => groupMean(agg, 1)).toThrow(/group 1 has no items: its mean is undefined/);
    expect(() => groupMax(agg, 1)).toThrow(/group 1 has no items/);
    expect(() => groupArgmaxHistogram(agg, 1)).toThrow(/group 1 has no items/);
  });
  it('rejects bad group ids, a length mismatch and NaN in a scanned row only', () => {
    expect(() => groupedAggregates(m3x3, Int32Array.of(0, 2, 0), 2)).toThrow(/groupOf\[1\] = 2 is outside \[-1, 2\)/);
    expect(() => groupedAggregates(m3x3, Int32Array.of(0, 0), 2)).toThrow(/one group id per matrix row \(3\), got length 2/);
    expect(() => groupedAggregates(m3x3, Int32Array.of(0, 0, 0), 0)).toThrow(/groups must be a positive integer/);
    const bad = { rows: 2, cols: 2, data: new Float32Array([1, 2, Number.NaN, 4]) };
    expect(() => groupedAggregates(bad, Int32Array.of(0, 0), 1)).toThrow(/NaN\) at row 1, column 0/);
    expect(groupedAggregates(bad, Int32Array.of(0, -1), 1).counts[0]).toBe(1);
    expect(groupedAggregates(bad, Int32Array.of(0, 0), 1, Int32Array.of(0)).counts[0]).toBe(1);
  });
});

describe('subsetAggregates', () => {
  it('gives mean, max and argmax histogram of a subset in one pass', () => {
    const a = subsetAggregates(m3x3, Int32Array.of(0, 2));
    expect(a.count).toBe(2);
    expect(Array.from(a.mean)).toEqual([4, 6.5, 1.5]);
    expect(Array.from(a.max!)).toEqual([7, 8, 3]);
    expect(Array.from(a.histogram!)).toEqual([0, 1, 0]); // argmax 1 (5) and 1 (8)
  });
  it('agrees with the separate aggregates on odd widths, repeats and ties', () => {
    for (const cols of [1, 3, 4, 7, 33]) {
      const m = randomMatrix(50, cols, cols);
      const rows = Int32Array.of(3, 3, 10, 49, 0, 17);
      const a = subsetAggregates(m, rows);
      const mean = columnMean(m, rows), max = columnMax(m, rows), hist = argmaxHistogram(m, rows);
      for (let j = 0; j < cols; j++) {
        expect(a.mean[j]).toBeCloseTo(mean[j], 12);
        expect(a.max![j]).toBe(max[j]);
        expect(a.histogram![j]).toBeCloseTo(hist[j], 12);
      }
      const all = subsetAggregates(m);
      expect(Array.from(all.histogram!)).toEqual(Array.from(argmaxHistogram(m)));
      const light = subsetAggregates(m, rows, { max: false, argmax: false });
      expect(light.max).toBeNull();
      expect(light.histogram).toBeNull();
      expect(Array.from(light.mean)).toEqual(Array.from(a.mean));
      const s3 = subsetAggregates(m, rows, { argmax: true });
      expect(s3.max).toBeNull();
      expect(Array.from(s3.histogram!)).toEqual(Array.from(a.histogram!));
      expect(Array.from(subsetAggregates(m, rows, { max: true }).max!)).toEqual(Array.from(a.max!));
    }
    const ties: Matrix<Float32Array> = { rows: 1, cols: 6, data: new Float32Array([0, 2, 1, 2, 0, 2]) };
    expect(Array.from(subsetAggregates(ties).histogram!)).toEqual([0, 1, 0, 0, 0, 0]);
  });
  it('rejects empty subsets and NaN, naming the culprit', () => {
    expect(() => subsetAggregates(m3x3, new Int32Array(0))).toThrow(/rows selects no items: the aggregate of an empty subset is undefined/);
    const bad: Matrix<Float32Array> = { rows: 2, cols: 5, data: new Float32Array([1, 2, 3, 4, 5, 1, 2, NaN, 4, 5]) };
    expect(() => subsetAggregates(bad)).toThrow(/non-finite value \(NaN\) at row 1, column 2/);
    expect(subsetAggregates(bad, Int32Array.of(0)).count).toBe(1);
    expect(() => subsetAggregates(bad, undefined, {})).toThrow(/non-finite value \(NaN\) at row 1, column 2/);
  });
});

describe('subsetPartials + combineSubsetPartials (cluster workers\' shares of an exact answer)', () => {
  it('equal subsetAggregates bit for bit when the blocks are computed apart, and sums go block by block', () => {
    const m = randomMatrix(2 * SUM_BLOCK + 777, 13, 5);
    const rng = createRng(9);
    const rows = Int32Array.from({ length: m.rows }, (_, i) => i).filter(() => rng.next() < 0.7);
    for (const sel of [undefined, rows]) {
      for (const parts of [{}, { max: true }, { argmax: true }, { max: true, argmax: true }]) {
        const local = subsetAggregates(m, sel, parts);
        // As workers would: each block from its own copy of its rows, then combined in order.
        const n = sel ? sel.length : m.rows;
        const partials = [];
        for (let from = 0; from < n; from += SUM_BLOCK) {
          const ids = (sel ?? Int32Array.from({ length: m.rows }, (_, i) => i)).subarray(from, Math.min(n, from + SUM_BLOCK));
          const part: Matrix<Float32Array> = { rows: ids.length, cols: m.cols, data: new Float32Array(ids.length * m.cols) };
          ids.forEach((r, i) => part.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
          partials.push(...subsetPartials(part, undefined, parts));
        }
        expect(partials.length).toBe(Math.ceil(n / SUM_BLOCK));
        const combined = combineSubsetPartials(partials, parts);
        expect(combined.count).toBe(local.count);
        expect(Array.from(combined.mean)).toEqual(Array.from(local.mean));
        expect(combined.max && Array.from(combined.max)).toEqual(local.max && Array.from(local.max));
        expect(combined.histogram && Array.from(combined.histogram)).toEqual(local.histogram && Array.from(local.histogram));
      }
    }
    // Block by block: the first block's running sum, plus each later block summed from zero.
    const b0 = new Float64Array(13), b1 = new Float64Array(13), b2 = new Float64Array(13);
    for (let r = 0; r < m.rows; r++) for (let j = 0; j < 13; j++) (r < SUM_BLOCK ? b0 : r < 2 * SUM_BLOCK ? b1 : b2)[j] += m.data[r * 13 + j];
    expect(Array.from(subsetAggregates(m).mean)).toEqual(Array.from(b0, (v, j) => (v + b1[j] + b2[j]) / m.rows));
  });

  it('names what is wrong with bad partials', () => {
    expect(() => combineSubsetPartials([])).toThrow(/empty/);
    const p = subsetPartials(m3x3, undefined, {});
    expect(() => combineSubsetPartials(p, { max: true })).toThrow(/maxima/);
  });
});
