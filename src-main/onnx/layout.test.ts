import { describe, it, expect } from 'vitest';
import { nchwToNhwc, nchwToNhwcInto, nhwcToNchwInto } from './layout.ts';

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
