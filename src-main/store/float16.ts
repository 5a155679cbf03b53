/**
 * IEEE 754 binary16 ("half") encode/decode for activation files. Node 20 has no Float16Array,
 * so halves travel as Uint16Array bit patterns.
 *
 * Encode: tables indexed by the float32's sign+exponent (512 entries, after van der Zijp,
 * "Fast Half Float Conversions") give the half's base bits and the mantissa shift; a rounding
 * step on the shifted-out bits makes it round-to-nearest-even (the classic tables truncate).
 * Decode: one 65,536-entry table maps every half to its float32 bit pattern, so decoding is a
 * single lookup per value — this is the hot path when activations are read.
 */

const BASE = new Uint16Array(512);
/** Mantissa right-shift per sign+exponent; NO_SHIFT marks results that ignore the mantissa (±0 underflow, ±Inf overflow). */
const SHIFT = new Uint8Array(512);
/** 1 where the float32 mantissa needs its implicit leading 1 (the half result is subnormal). */
const IMPLICIT = new Uint8Array(512);
const NO_SHIFT = 0xff;

for (let i = 0; i < 256; i++) {
  const e = i - 127; // unbiased float32 exponent
  let base: number;
  let shift: number;
  let implicit = 0;
  if (e < -25) {
    base = 0; shift = NO_SHIFT; // far below half the smallest subnormal: rounds to ±0
  } else if (e < -14) {
    // Half subnormal (or the tie region just below it): value = (1.m) * 2^e = mant24 * 2^(e-23),
    // the half stores value / 2^-24, so shift mant24 right by -(e + 1) = 126 - i.
    base = 0; shift = -e - 1; implicit = 1;
  } else if (e <= 15) {
    base = (e + 15) << 10; shift = 13; // normal half: keep the top 10 mantissa bits
  } else {
    base = 0x7c00; shift = NO_SHIFT; // overflow (and float32 Inf/NaN, handled before the tables)
  }
  BASE[i] = base; BASE[i | 0x100] = base | 0x8000;
  SHIFT[i] = shift; SHIFT[i | 0x100] = shift;
  IMPLICIT[i] = implicit; IMPLICIT[i | 0x100] = implicit;
}

const HALF_TO_FLOAT_BITS = new Uint32Array(65536);
for (let h = 0; h < 65536; h++) {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  let bits: number;
  if (exp === 0) {
    if (mant === 0) bits = sign;
    else {
      // Subnormal half: normalise into a float32 normal.
      let m = mant;
      let e = -14;
      while ((m & 0x400) === 0) { m <<= 1; e--; }
      bits = sign | ((e + 127) << 23) | ((m & 0x3ff) << 13);
    }
  } else if (exp === 31) {
    bits = sign | 0x7f800000 | (mant << 13); // Inf, or NaN keeping its payload
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  HALF_TO_FLOAT_BITS[h] = bits >>> 0;
}

/** Encode one float32 bit pattern to half bits, round-to-nearest-even. */
function encodeBits(f: number): number {
  const idx = f >>> 23; // sign + exponent, 0..511
  const exp = idx & 0xff;
  const m = f & 0x7fffff;
  if (exp === 0xff) {
    // Inf stays Inf; NaN stays NaN (quiet bit set so a payload in the low bits cannot become Inf).
    return BASE[idx] | (m !== 0 ? 0x200 | (m >>> 13) : 0);
  }
  const shift = SHIFT[idx];
  if (shift === NO_SHIFT) return BASE[idx];
  const mm = IMPLICIT[idx] ? m | 0x800000 : m;
  let h = BASE[idx] + (mm >>> shift);
  const roundBit = (mm >>> (shift - 1)) & 1;
  const sticky = mm & ((1 << (shift - 1)) - 1);
  // A carry out of the mantissa correctly bumps the exponent (and the largest values to Inf).
  if (roundBit !== 0 && (sticky !== 0 || (h & 1) !== 0)) h++;
  return h;
}

/** float32 values → half bit patterns (round-to-nearest-even, Inf/NaN/subnormals kept). */
export function encodeFloat16(src: Float32Array, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  if (out.length < src.length) throw new RangeError(`encodeFloat16: out has ${out.length} slots, needs ${src.length}`);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) out[i] = encodeBits(bits[i]);
  return out;
}

/** Half bit patterns → float32 values (exact: every half is representable as a float32). */
export function decodeFloat16(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  if (out.length < src.length) throw new RangeError(`decodeFloat16: out has ${out.length} slots, needs ${src.length}`);
  const bits = new Uint32Array(out.buffer, out.byteOffset, src.length);
  const table = HALF_TO_FLOAT_BITS;
  for (let i = 0; i < src.length; i++) bits[i] = table[src[i]];
  return out;
}

/** Convenience for tests and single values. */
export function toFloat16Bits(x: number): number {
  return encodeBits(new Uint32Array(new Float32Array([x]).buffer)[0]);
}
export function fromFloat16Bits(h: number): number {
  return new Float32Array(new Uint32Array([HALF_TO_FLOAT_BITS[h & 0xffff]]).buffer)[0];
}
