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

/** The parts of an ONNX model's input mapping that the text below shows (see InputMapping in onnx-model.ts). */
export interface MappingForText {
  layout: 'NCHW' | 'NHWC';
  scale: number;
  itemShape: [number, number, number];
  fixedBatch: number | null;
}

/**
 * How the data set's images go into the model, in words, e.g.
 * `input "input" NCHW [N, 1, 28, 28] ← 28×28×1 images: pixels × 1/255, NHWC → NCHW (one channel: same bytes)`.
 */
export function mappingText(m: MappingForText, inputName: string): string {
  const [h, w, c] = m.itemShape;
  const n = m.fixedBatch === null ? 'N' : String(m.fixedBatch);
  const dims = m.layout === 'NCHW' ? [n, c, h, w] : [n, h, w, c];
  const inv = 1 / m.scale;
  const scale = Math.abs(inv - Math.round(inv)) < 1e-6 ? `1/${Math.round(inv)}` : String(+m.scale.toPrecision(4));
  const order = m.layout === 'NHWC' ? 'NHWC, as stored' : c === 1 ? 'NHWC → NCHW (one channel: same order)' : 'NHWC → NCHW (channels first)';
  const batch = m.fixedBatch === null ? '' : `; batch fixed at ${m.fixedBatch} (the last run zero-padded)`;
  return `input ${JSON.stringify(inputName)} ${m.layout} [${dims.join(', ')}] ← ${h}×${w}×${c} images: pixels × ${scale}, ${order}${batch}`;
}
