import { describe, it, expect } from 'vitest';
import { concatTyped } from './typed-arrays.ts';

describe('concatTyped', () => {
  it('joins parts in order, keeps their kind, returns a single part as is', () => {
    const a = Int32Array.of(1, 2), b = Int32Array.of(), c = Int32Array.of(3);
    const j = concatTyped([a, b, c]);
    expect(j).toBeInstanceOf(Int32Array);
    expect(Array.from(j)).toEqual([1, 2, 3]);
    const f = concatTyped([Float32Array.of(0.5), Float32Array.of(NaN, -1)]);
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([0.5, NaN, -1]);
    expect(concatTyped([a])).toBe(a);
  });

  it('refuses no parts and mixed kinds', () => {
    expect(() => concatTyped([])).toThrow(/at least one array/);
    expect(() => concatTyped([Int32Array.of(1), Float32Array.of(1)] as Int32Array[])).toThrow(/mix Int32Array and Float32Array/);
  });
});
