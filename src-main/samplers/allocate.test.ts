import { describe, it, expect } from 'vitest';
import { largestRemainder, selectTwoEnds } from './allocate.ts';

describe('largestRemainder', () => {
  it('sums to the total and stays within one unit of the exact quota', () => {
    const sizes = [13, 7, 1, 0, 29, 50];
    const out = largestRemainder(sizes, 17);
    expect(out.reduce((a, b) => a + b, 0)).toBe(17);
    const sum = sizes.reduce((a, b) => a + b, 0);
    sizes.forEach((s, i) => expect(Math.abs(out[i] - (17 * s) / sum)).toBeLessThan(1));
    expect(out[3]).toBe(0);
  });
  it('handles empty and zero totals', () => {
    expect(Array.from(largestRemainder([], 5))).toEqual([]);
    expect(Array.from(largestRemainder([3, 4], 0))).toEqual([0, 0]);
  });
});

describe('selectTwoEnds (Algorithm 1)', () => {
  // Two groups of 10; score = index within group, so low index = outlier.
  const group = Int32Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 1));
  const score = Float64Array.from({ length: 20 }, (_, i) => i % 10);
  it('j = 1 takes only the outlier end', () => {
    const r = selectTwoEnds(group, score, 2, 6, 1);
    expect(Array.from(r.members)).toEqual([0, 1, 2, 10, 11, 12]);
    expect(r.exemplars).toBe(0);
  });
  it('j = 0 takes only the exemplar end', () => {
    const r = selectTwoEnds(group, score, 2, 6, 0);
    expect(Array.from(r.members)).toEqual([7, 8, 9, 17, 18, 19]);
    expect(r.outliers).toBe(0);
  });
  it('j = 0.7 splits each group between both ends', () => {
    const r = selectTwoEnds(group, score, 2, 10, 0.7);
    expect(r.members.length).toBe(10);
    expect(Array.from(r.members)).toEqual([0, 1, 2, 3, 9, 10, 11, 12, 13, 19]);
  });
});
