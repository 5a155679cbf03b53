import { describe, it, expect } from 'vitest';
import { architectureMismatch, fits, lenetFeatureSide, MIN_SIDE } from './architecture-fit.ts';

describe('architecture fit', () => {
  it('LeNet-5-BN needs 16×16: its feature side is ≥ 1 from 16 on and 0 below', () => {
    expect(lenetFeatureSide(16)).toBe(1);
    expect(lenetFeatureSide(15)).toBe(0);
    expect(lenetFeatureSide(28)).toBe(4);
    expect(lenetFeatureSide(8)).toBe(0);
    expect(MIN_SIDE['lenet5-bn']).toBe(16);
  });

  it('the MLP fits any size; LeNet-5 fits 28×28 but not 8×8', () => {
    expect(fits('mlp', { height: 1, width: 1, channels: 1 })).toBe(true);
    expect(fits('lenet5-bn', { height: 28, width: 28, channels: 1 })).toBe(true);
    expect(fits('lenet5-bn', { height: 8, width: 8, channels: 1 })).toBe(false);
    expect(fits('lenet5-bn', { height: 28, width: 12, channels: 3 })).toBe(false);
    expect(architectureMismatch('lenet5-bn', { height: 32, width: 32, channels: 3 })).toBeNull();
  });

  it('says what the architecture needs, what the data has, and what would fit', () => {
    const m = architectureMismatch('lenet5-bn', { height: 8, width: 8, channels: 1 }, 'digits')!;
    expect(m).toContain('lenet5-bn needs images of at least 16×16 pixels');
    expect(m).toContain('data set "digits" has 8×8×1 images');
    expect(m).toContain('mlp fits 8×8×1 (it flattens the image into 64 inputs)');
    expect(m).toContain('resize the images to at least 16×16 (e.g. 28×28)');
  });
});
