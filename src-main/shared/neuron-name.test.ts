import { describe, expect, it } from 'vitest';
import { neuronCoords, neuronName } from './neuron-name.ts';

describe('neuronName', () => {
  it('names conv units by channel and position with the flat NHWC index beside', () => {
    // [8, 8, 16]: flat (y·8 + x)·16 + c; y = 0, x = 7, c = 6 → 118.
    expect(neuronName('relu2', 118, [8, 8, 16])).toBe('relu2[c=6, y=0, x=7] #118');
    expect(neuronName('relu2', 0, [8, 8, 16])).toBe('relu2[c=0, y=0, x=0] #0');
    expect(neuronName('relu2', 8 * 8 * 16 - 1, [8, 8, 16])).toBe('relu2[c=15, y=7, x=7] #1023');
  });
  it('names channels and dense units by their index', () => {
    expect(neuronName('relu2', 6, [8, 8, 16], 'channel')).toBe('relu2[c=6]');
    expect(neuronName('dense1', 12, [120])).toBe('dense1[u=12]');
    expect(neuronCoords(3, [10])).toBe('[u=3]');
  });
});
