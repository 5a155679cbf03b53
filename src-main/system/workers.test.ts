import { describe, expect, it } from 'vitest';
import { MarginError } from '../shared/errors.ts';
import { clampWorkers } from './workers.ts';

describe('clampWorkers', () => {
  it('keeps a count within the cores, clamps a larger one with a note, refuses negatives and fractions', () => {
    expect(clampWorkers(undefined, 4)).toEqual({ workers: undefined, note: null });
    expect(clampWorkers(0, 4)).toEqual({ workers: 0, note: null });
    expect(clampWorkers(4, 4)).toEqual({ workers: 4, note: null });
    const c = clampWorkers(1000, 2);
    expect(c.workers).toBe(2);
    expect(c.note).toMatch(/workers: 1000 asked for, 2 used \(the cores available/);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => clampWorkers(bad, 2)).toThrow(MarginError);
      expect(() => clampWorkers(bad, 2)).toThrow(/workers must be a whole number from 0 .* to 2/);
    }
  });
});
