import { describe, it, expect } from 'vitest';
import { FloatPool } from './float-pool.ts';

describe('FloatPool', () => {
  it('hands back given arrays by exact length, last given first', () => {
    const pool = new FloatPool(1024);
    const a = pool.take(10);
    const b = pool.take(10);
    expect(a).not.toBe(b);
    pool.give(a);
    pool.give(b);
    expect(pool.bytes).toBe(80);
    expect(pool.take(10)).toBe(b);
    expect(pool.take(10)).toBe(a);
    expect(pool.take(10)).not.toBe(a); // empty again: a new one
    expect(pool.bytes).toBe(0);
    expect(pool.take(0).length).toBe(0);
  });

  it('keeps no more than maxBytes, ignores views and double gives', () => {
    const pool = new FloatPool(100);
    const big = new Float32Array(20); // 80 bytes
    pool.give(big);
    pool.give(big);
    expect(pool.bytes).toBe(80);
    pool.give(new Float32Array(10)); // would be 120 bytes: dropped
    expect(pool.bytes).toBe(80);
    pool.give(new Float32Array(big.buffer, 4, 2)); // a view
    expect(pool.bytes).toBe(80);
    expect(pool.take(2).buffer).not.toBe(big.buffer);
  });

  it('rejects bad sizes', () => {
    expect(() => new FloatPool(Number.NaN)).toThrow(/maxBytes must be ≥ 0, got NaN/);
    expect(() => new FloatPool(10).take(-1)).toThrow(/length must be a non-negative integer, got -1/);
    expect(() => new FloatPool(10).take(1.5)).toThrow(/got 1.5/);
  });
});
