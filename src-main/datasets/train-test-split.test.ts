import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { stratifiedSplit } from './train-test-split.ts';

describe('stratifiedSplit', () => {
  it('partitions the items, sizes the test split round(f·N), keeps class shares within one item', () => {
    const labels = Int32Array.from({ length: 1797 }, (_, i) => (i * 7) % 10);
    const { train, test } = stratifiedSplit(labels, 0.25, createRng(1));
    expect(test.length).toBe(Math.round(0.25 * 1797));
    expect(train.length + test.length).toBe(1797);
    const all = new Set([...train, ...test]);
    expect(all.size).toBe(1797);
    for (const arr of [train, test]) for (let i = 1; i < arr.length; i++) expect(arr[i]).toBeGreaterThan(arr[i - 1]);
    const counts = new Array(10).fill(0);
    const testCounts = new Array(10).fill(0);
    for (const y of labels) counts[y]++;
    for (const i of test) testCounts[labels[i]]++;
    for (let c = 0; c < 10; c++) expect(Math.abs(testCounts[c] - 0.25 * counts[c])).toBeLessThan(1);
  });

  it('is deterministic for a seed', () => {
    const labels = Int32Array.from({ length: 50 }, (_, i) => i % 3);
    expect(Array.from(stratifiedSplit(labels, 0.3, createRng(9)).test)).toEqual(Array.from(stratifiedSplit(labels, 0.3, createRng(9)).test));
  });

  it('handles empty input and rejects fractions outside (0, 1)', () => {
    const { train, test } = stratifiedSplit(new Int32Array(0), 0.5, createRng(0));
    expect(train.length + test.length).toBe(0);
    expect(() => stratifiedSplit(new Int32Array(3), 0, createRng(0))).toThrow(/testFraction must be in \(0, 1\), got 0/);
    expect(() => stratifiedSplit(new Int32Array(3), Number.NaN, createRng(0))).toThrow(/got NaN/);
  });
});
