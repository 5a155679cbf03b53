import { describe, it, expect } from 'vitest';
import { CLASS_COLORS, classColor, NAN_RGB, sequentialRgb } from './palette.ts';

describe('classColor', () => {
  it('gives ten distinct colours and cycles after them', () => {
    expect(new Set(CLASS_COLORS.map((_, i) => classColor(i))).size).toBe(10);
    expect(classColor(10)).toBe(classColor(0));
    expect(classColor(-1)).toBe(classColor(9));
  });
});

describe('sequentialRgb', () => {
  it('runs from the lightest to the darkest stop and clamps outside the range', () => {
    expect(sequentialRgb(0, 0, 1)).toEqual([0xf7, 0xfb, 0xff]);
    expect(sequentialRgb(1, 0, 1)).toEqual([0x08, 0x30, 0x6b]);
    expect(sequentialRgb(5, 0, 1)).toEqual(sequentialRgb(1, 0, 1));
    expect(sequentialRgb(-5, 0, 1)).toEqual(sequentialRgb(0, 0, 1));
  });
  it('is monotone in darkness', () => {
    const sum = (v: number) => sequentialRgb(v, 0, 1).reduce((a, b) => a + b, 0);
    for (let v = 0; v < 1; v += 0.1) expect(sum(v + 0.1)).toBeLessThanOrEqual(sum(v));
  });
  it('draws NaN grey and a degenerate range at the light end', () => {
    expect(sequentialRgb(NaN, 0, 1)).toEqual(NAN_RGB);
    expect(sequentialRgb(3, 3, 3)).toEqual(sequentialRgb(0, 0, 1));
  });
});
