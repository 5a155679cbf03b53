import { describe, expect, it } from 'vitest';
import { MarginError } from '../shared/errors.ts';
import { cosineDistance, jensenShannonDistance, precisionAtK } from './metrics.ts';

describe('precisionAtK', () => {
  it('is |intersection| / K over the first K of each list', () => {
    expect(precisionAtK([3, 1, 2], [1, 2, 3], 3)).toBe(1);
    expect(precisionAtK([0, 1, 9, 8], [1, 5, 0, 7], 4)).toBe(0.5);
    expect(precisionAtK([4, 5], [1, 2], 2)).toBe(0);
    // only the first K count
    expect(precisionAtK([1, 9, 2], [1, 2, 9], 2)).toBe(0.5);
  });
  it('rejects K outside the lists, repeats and bad K', () => {
    expect(() => precisionAtK([1], [1, 2], 2)).toThrow(/precision@2 needs 2 neurons in each list, got 1 \(sample\) and 2 \(full\)/);
    expect(() => precisionAtK([1, 1], [1, 2], 2)).toThrow(/sampleTop repeats a neuron index/);
    expect(() => precisionAtK([1, 2], [2, 2], 2)).toThrow(/fullTop repeats a neuron index/);
    expect(() => precisionAtK([1], [1], 0)).toThrow(/K must be a positive integer, got 0/);
    expect(() => precisionAtK([1], [1], 1.5)).toThrow(MarginError);
  });
});

describe('cosineDistance', () => {
  it('matches hand-computed values', () => {
    expect(cosineDistance([1, 0], [1, 1])).toBeCloseTo(1 - 1 / Math.SQRT2, 12);
    expect(cosineDistance([1, 2, 3], [2, 4, 6])).toBeCloseTo(0, 12);
    expect(cosineDistance([1, 0], [0, 1])).toBe(1);
    expect(cosineDistance([1, 0], [-1, 0])).toBe(2);
    // [1,2,2]·[2,0,1] = 4; norms 3 and √5
    expect(cosineDistance([1, 2, 2], [2, 0, 1])).toBeCloseTo(1 - 4 / (3 * Math.sqrt(5)), 12);
  });
  it('applies the zero-vector rules', () => {
    expect(cosineDistance([0, 0], [0, 0])).toBe(0);
    expect(cosineDistance([0, 0], [0, 3])).toBe(1);
    expect(cosineDistance(new Float64Array([5, 1]), new Float64Array(2))).toBe(1);
  });
  it('stays in [0, 2] under rounding', () => {
    const a = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e-3 + 0.1);
    const d = cosineDistance(a, a);
    expect(d).toBeGreaterThanOrEqual(0);
    expect(d).toBeLessThan(1e-12);
  });
  it('rejects NaN, length mismatch and empty vectors', () => {
    expect(() => cosineDistance([1, Number.NaN], [1, 1])).toThrow(/a\[1\] is NaN: values must be finite numbers/);
    expect(() => cosineDistance([1, 1], [1, Infinity])).toThrow(/b\[1\] is Infinity/);
    expect(() => cosineDistance([1, 2], [1])).toThrow(/a has 2 entries but b has 1/);
    expect(() => cosineDistance([], [])).toThrow(/a is empty/);
  });
});

describe('jensenShannonDistance', () => {
  it('is 1 for disjoint supports and 0 for identical distributions', () => {
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jensenShannonDistance([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
  });
  it('normalises its inputs (counts work as well as probabilities)', () => {
    expect(jensenShannonDistance([2, 6], [0.25, 0.75])).toBeCloseTo(0, 12);
    expect(jensenShannonDistance([5, 5], [1, 0])).toBeCloseTo(jensenShannonDistance([0.5, 0.5], [1, 0]), 12);
  });
  it('matches a hand example', () => {
    // p = [1/2, 1/2], q = [1, 0]: m = [3/4, 1/4]
    // JSD = ½[½log2(⅔) + ½log2(2)] + ½[log2(4/3)] = ½·(log2 4/3) + ¼·(log2 ⅔ + 1)
    const jsd = 0.5 * Math.log2(4 / 3) + 0.25 * (Math.log2(2 / 3) + 1);
    expect(jensenShannonDistance([0.5, 0.5], [1, 0])).toBeCloseTo(Math.sqrt(jsd), 12);
    expect(Math.sqrt(jsd)).toBeCloseTo(0.5579, 3);
  });
  it('is symmetric and within [0, 1]', () => {
    const p = [0.1, 0.4, 0, 0.5], q = [0.3, 0, 0.6, 0.1];
    const d = jensenShannonDistance(p, q);
    expect(d).toBeCloseTo(jensenShannonDistance(q, p), 14);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThanOrEqual(1);
  });
  it('rejects negative, NaN, zero-mass, empty and mismatched inputs', () => {
    expect(() => jensenShannonDistance([1, -1], [1, 1])).toThrow(/p\[1\] is -1: a distribution has no negative entries/);
    expect(() => jensenShannonDistance([1, 1], [Number.NaN, 1])).toThrow(/q\[0\] is NaN/);
    expect(() => jensenShannonDistance([0, 0], [1, 1])).toThrow(/p sums to 0/);
    expect(() => jensenShannonDistance([1], [1, 0])).toThrow(/p has 1 entries but q has 2/);
    expect(() => jensenShannonDistance([], [1])).toThrow(/p is empty/);
  });
});
