import { describe, it, expect } from 'vitest';
import { activationLayout, gridOf, neuronLabel } from './activationLayout.ts';

describe('activationLayout', () => {
  it('splits an [H, W, C] vector into C maps of H×W in NHWC order', () => {
    const shape = [2, 3, 4];
    const v = Array.from({ length: 24 }, (_, i) => i);
    const { maps, min, max } = activationLayout(v, shape);
    expect(maps).toHaveLength(4);
    expect(maps[1]).toMatchObject({ label: 'ch 1', rows: 2, cols: 3 });
    // cell (h=1, w=2) of channel 1 is flat index (1*3+2)*4+1 = 21
    expect(maps[1].values[1 * 3 + 2]).toBe(21);
    expect(maps[1].neurons[5]).toBe(21);
    expect([min, max]).toEqual([0, 23]);
  });
  it('lays a dense layer out as a near-square grid padded with NaN', () => {
    const { maps } = activationLayout(Array.from({ length: 84 }, () => 1), [84]);
    expect(maps).toHaveLength(1);
    expect(maps[0]).toMatchObject({ rows: 9, cols: 10 });
    expect(Number.isNaN(maps[0].values[84])).toBe(true);
    expect(maps[0].neurons[89]).toBe(-1);
  });
  it('draws ≤ 32 values as a strip', () => {
    expect(gridOf([1, 2, 3], 'x')).toMatchObject({ rows: 1, cols: 3 });
  });
  it('uses one cell per channel at channel granularity', () => {
    const { maps } = activationLayout([1, 2, 3, 4, 5, 6], [4, 4, 6], 'channel');
    expect(maps[0]).toMatchObject({ label: 'channels', rows: 1, cols: 6 });
  });
  it('ignores NaN in the range and returns [0, 0] when nothing is finite', () => {
    expect(activationLayout([NaN, 2, -1], [3])).toMatchObject({ min: -1, max: 2 });
    expect(activationLayout([NaN], [1])).toMatchObject({ min: 0, max: 0 });
  });
  it('rejects a vector that does not fit the shape, and bad shapes', () => {
    expect(() => activationLayout([1, 2, 3], [2, 2, 2])).toThrow(/3 values for a layer of shape \[2, 2, 2\] at unit granularity; expected 8/);
    expect(() => activationLayout([1], [])).toThrow(/must be positive integers/);
    expect(() => activationLayout([1], [0])).toThrow(/must be positive integers/);
  });
});

describe('neuronLabel', () => {
  it('names conv units by position and channel', () => {
    expect(neuronLabel(21, [2, 3, 4], 'unit')).toBe('[c=1, y=1, x=2] #21');
    expect(neuronLabel(5, [2, 3, 4], 'channel')).toBe('[c=5]');
    expect(neuronLabel(7, [120], 'unit')).toBe('[u=7]');
  });
});
