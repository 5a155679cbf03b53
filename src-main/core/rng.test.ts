import { describe, expect, it } from 'vitest';
import { createRng, sampleWithoutReplacement } from './rng.ts';

describe('createRng', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = createRng(42), b = createRng(42), c = createRng(43);
    const xa = Array.from({ length: 5 }, () => a.next());
    const xb = Array.from({ length: 5 }, () => b.next());
    const xc = Array.from({ length: 5 }, () => c.next());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });
  it('is roughly uniform and normal', () => {
    const r = createRng(1);
    let s = 0, s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) { const u = r.next(); expect(u).toBeGreaterThanOrEqual(0); expect(u).toBeLessThan(1); s += u; }
    expect(s / n).toBeCloseTo(0.5, 1);
    s = 0;
    for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; }
    expect(Math.abs(s / n)).toBeLessThan(0.05);
    expect(s2 / n).toBeCloseTo(1, 1);
  });
  it('rejects a non-finite seed', () => {
    expect(() => createRng(Number.NaN)).toThrow(/seed/);
  });
});

describe('sampleWithoutReplacement', () => {
  it('returns distinct indices in range', () => {
    const s = sampleWithoutReplacement(100, 30, createRng(3));
    expect(new Set(s).size).toBe(30);
    for (const i of s) { expect(i).toBeGreaterThanOrEqual(0); expect(i).toBeLessThan(100); }
  });
  it('refuses more than n', () => {
    expect(() => sampleWithoutReplacement(3, 4, createRng(0))).toThrow(/cannot take 4 of 3/);
  });
});
