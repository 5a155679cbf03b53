import { describe, expect, it } from 'vitest';
import { toChannels } from './granularity.ts';

// One item, H=2, W=2, C=3; value at (h, w, c) = 100*c + 10*h + w so each map is easy to read.
function tinyTensor(): Float32Array {
  const d = new Float32Array(12);
  for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) for (let c = 0; c < 3; c++) d[(h * 2 + w) * 3 + c] = 100 * c + 10 * h + w;
  return d;
}

describe('toChannels', () => {
  it('takes the spatial mean of each feature map (NHWC layout)', () => {
    const m = { rows: 1, cols: 12, data: tinyTensor() };
    const r = toChannels(m, [2, 2, 3], 'mean');
    expect(r.rows).toBe(1);
    expect(r.cols).toBe(3);
    // each map holds {0, 1, 10, 11} + 100c → mean 5.5 + 100c
    expect(Array.from(r.data)).toEqual([5.5, 105.5, 205.5]);
  });

  it('takes the spatial max of each feature map, row by row', () => {
    const two = new Float32Array(24);
    two.set(tinyTensor(), 0);
    two.set(tinyTensor().map((v) => -v), 12);
    const r = toChannels({ rows: 2, cols: 12, data: two }, [2, 2, 3], 'max');
    expect(Array.from(r.data)).toEqual([11, 111, 211, -0, -100, -200]);
  });

  it('is the identity for dense layers', () => {
    const m = { rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    expect(toChannels(m, [3], 'max')).toBe(m);
  });

  it('handles a [L, C] (Conv1D) shape', () => {
    const m = { rows: 1, cols: 4, data: new Float32Array([1, 2, 3, 6]) };
    expect(Array.from(toChannels(m, [2, 2], 'mean').data)).toEqual([2, 4]);
  });

  it('keeps a NaN in its channel so later aggregates can reject it', () => {
    const d = tinyTensor();
    d[4] = Number.NaN; // (h=0, w=1, c=1)
    const mean = toChannels({ rows: 1, cols: 12, data: d }, [2, 2, 3], 'mean').data;
    const max = toChannels({ rows: 1, cols: 12, data: d }, [2, 2, 3], 'max').data;
    expect(Number.isNaN(mean[1]) && Number.isNaN(max[1])).toBe(true);
    expect(mean[0]).toBe(5.5);
    expect(max[2]).toBe(211);
  });

  it('works on zero rows', () => {
    expect(toChannels({ rows: 0, cols: 12, data: new Float32Array(0) }, [2, 2, 3], 'mean')).toEqual({ rows: 0, cols: 3, data: new Float32Array(0) });
  });

  it('rejects a shape that does not match the columns, and bad arguments', () => {
    const m = { rows: 1, cols: 12, data: tinyTensor() };
    expect(() => toChannels(m, [2, 2, 2], 'mean')).toThrow(/shape \[2,2,2\] has 8 units but the matrix has 12 columns/);
    expect(() => toChannels(m, [], 'mean')).toThrow(/shape must be a non-empty list of positive integers/);
    expect(() => toChannels(m, [2, 0, 3], 'mean')).toThrow(/shape must be/);
    expect(() => toChannels(m, [2, 2, 3], 'median' as 'mean')).toThrow(/reduce must be 'mean' or 'max', got median/);
    expect(() => toChannels({ rows: 2, cols: 12, data: tinyTensor() }, [2, 2, 3], 'mean')).toThrow(/matrix has 12 values but its shape 2×12 needs 24/);
  });
});
