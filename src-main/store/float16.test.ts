import { describe, it, expect } from 'vitest';
import { encodeFloat16, decodeFloat16, toFloat16Bits, fromFloat16Bits } from './float16.ts';

describe('float16', () => {
  it('encodes known values', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800],
      [65504, 0x7bff], // largest half
      [65520, 0x7c00], // halfway to the next binade rounds (to even) to Inf
      [65519, 0x7bff],
      [1e6, 0x7c00], [-1e6, 0xfc00],
      [Infinity, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // exact tie to even → 0
      [2 ** -25 * 1.0001, 0x0001], // just above the tie → smallest subnormal
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 subnormal units → even (2)
      [2 ** -26, 0x0000],
      [0.333251953125, 0x3555],
      [1 + 2 ** -11, 0x3c00], // tie → even (mantissa 0)
      [1 + 3 * 2 ** -11, 0x3c02], // tie → even (mantissa 2)
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // above tie → up
      [2047.5, 0x67ff + 1], // 2047.5 is a tie between 2047 (odd mantissa) and 2048 → 2048
    ];
    for (const [x, h] of cases) expect(toFloat16Bits(x), `${x}`).toBe(h);
  });

  it('keeps NaN a NaN', () => {
    const h = toFloat16Bits(NaN);
    expect((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0).toBe(true);
    expect(Number.isNaN(fromFloat16Bits(h))).toBe(true);
    expect(Number.isNaN(fromFloat16Bits(0x7e00))).toBe(true);
  });

  it('decodes known values', () => {
    expect(fromFloat16Bits(0x3c00)).toBe(1);
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
    expect(fromFloat16Bits(0x03ff)).toBe(1023 * 2 ** -24);
    expect(fromFloat16Bits(0x7bff)).toBe(65504);
    expect(fromFloat16Bits(0x7c00)).toBe(Infinity);
    expect(fromFloat16Bits(0xfc00)).toBe(-Infinity);
    expect(Object.is(fromFloat16Bits(0x8000), -0)).toBe(true);
  });

  it('round-trips every half exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = encodeFloat16(decodeFloat16(all));
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN) expect((back[h] & 0x7c00) === 0x7c00 && (back[h] & 0x3ff) !== 0).toBe(true);
      else if (back[h] !== h) throw new Error(`half ${h.toString(16)} came back as ${back[h].toString(16)}`);
    }
  });

  it('matches a reference rounding on random floats within half an ulp', () => {
    const src = new Float32Array(20000);
    for (let i = 0; i < src.length; i++) src[i] = (Math.sin(i * 12.9898) * 43758.5453 % 1) * 2 ** ((i % 40) - 20);
    const dec = decodeFloat16(encodeFloat16(src));
    for (let i = 0; i < src.length; i++) {
      const x = src[i];
      const a = Math.abs(x);
      if (a > 65504) continue;
      const ulp = a < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(a)) - 10);
      expect(Math.abs(dec[i] - x)).toBeLessThanOrEqual(ulp / 2 + 1e-30);
    }
  });

  it('handles empty arrays and refuses short outputs', () => {
    expect(encodeFloat16(new Float32Array(0)).length).toBe(0);
    expect(decodeFloat16(new Uint16Array(0)).length).toBe(0);
    expect(() => encodeFloat16(new Float32Array(3), new Uint16Array(2))).toThrow(/out has 2 slots, needs 3/);
    expect(() => decodeFloat16(new Uint16Array(3), new Float32Array(1))).toThrow(/out has 1 slots, needs 3/);
  });
});
