/** NCHW ⇄ NHWC conversions of row-major float32 batches (pure loops, no allocation in the *Into forms). */

/** src [n, c, h, w] → dst [n, h, w, c]. */
export function nchwToNhwcInto(src: Float32Array, dst: Float32Array, n: number, c: number, h: number, w: number): void {
  const hw = h * w;
  const per = c * hw;
  for (let b = 0; b < n; b++) {
    const base = b * per;
    for (let ch = 0; ch < c; ch++) {
      const s0 = base + ch * hw;
      for (let p = 0; p < hw; p++) dst[base + p * c + ch] = src[s0 + p];
    }
  }
}

export function nchwToNhwc(src: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  if (c === 1 || h * w === 1) return src; // identical memory order
  const dst = new Float32Array(src.length);
  nchwToNhwcInto(src, dst, n, c, h, w);
  return dst;
}

/** src [n, h, w, c] → dst [n, c, h, w]. */
export function nhwcToNchwInto(src: ArrayLike<number>, dst: Float32Array, n: number, h: number, w: number, c: number, scale = 1): void {
  const hw = h * w;
  const per = c * hw;
  for (let b = 0; b < n; b++) {
    const base = b * per;
    for (let p = 0; p < hw; p++) {
      const s0 = base + p * c;
      for (let ch = 0; ch < c; ch++) dst[base + ch * hw + p] = src[s0 + ch] * scale;
    }
  }
}
