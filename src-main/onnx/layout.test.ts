import { describe, it, expect } from 'vitest';
import { mappingText, nchwToNhwc, nchwToNhwcInto, nhwcToNchwInto } from './layout.ts';

describe('layout', () => {
  it('NHWC → NCHW → NHWC is the identity, with scaling on the way in', () => {
    const [n, h, w, c] = [2, 3, 4, 5];
    const src = Float32Array.from({ length: n * h * w * c }, (_, i) => i);
    const nchw = new Float32Array(src.length);
    nhwcToNchwInto(src, nchw, n, h, w, c, 0.5);
    // item 1, channel 2, row 1, col 3 in NHWC is at ((1·3+1)·4+3)·5+2
    expect(nchw[((1 * c + 2) * h + 1) * w + 3]).toBe((((1 * h + 1) * w + 3) * c + 2) * 0.5);
    const back = new Float32Array(src.length);
    nchwToNhwcInto(nchw, back, n, c, h, w);
    expect(Array.from(back)).toEqual(Array.from(src, (v) => v * 0.5));
  });
  it('one channel needs no copy; empty batches are fine', () => {
    const a = new Float32Array([1, 2, 3, 4]);
    expect(nchwToNhwc(a, 1, 1, 2, 2)).toBe(a);
    expect(nchwToNhwc(new Float32Array(0), 0, 3, 2, 2).length).toBe(0);
  });
});

describe('mappingText', () => {
  it('says the layout, dims, scaling and channel order', () => {
    expect(mappingText({ layout: 'NCHW', scale: 1 / 255, itemShape: [28, 28, 1], fixedBatch: null }, 'input'))
      .toBe('input "input" NCHW [N, 1, 28, 28] ← 28×28×1 images: pixels × 1/255, NHWC → NCHW (one channel: same order)');
    expect(mappingText({ layout: 'NCHW', scale: 1 / 255, itemShape: [32, 32, 3], fixedBatch: 8 }, 'x'))
      .toBe('input "x" NCHW [8, 3, 32, 32] ← 32×32×3 images: pixels × 1/255, NHWC → NCHW (channels first); batch fixed at 8 (the last run zero-padded)');
    expect(mappingText({ layout: 'NHWC', scale: 0.5, itemShape: [8, 8, 1], fixedBatch: null }, 'img')).toBe('input "img" NHWC [N, 8, 8, 1] ← 8×8×1 images: pixels × 1/2, NHWC, as stored');
    expect(mappingText({ layout: 'NHWC', scale: 0.3, itemShape: [8, 8, 1], fixedBatch: null }, 'img')).toMatch(/pixels × 0\.3,/);
  });
});
