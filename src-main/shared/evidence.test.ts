import { describe, expect, it } from 'vitest';
import { FEW_ITEMS, fewItemsWarning, fractionTooSmall } from './evidence.ts';

describe('evidence', () => {
  it('warns below 30 items with the standard error as a share of the spread', () => {
    expect(FEW_ITEMS).toBe(30);
    expect(fewItemsWarning(30)).toBeNull();
    expect(fewItemsWarning(2)).toMatch(/Only 2 items .* σ\/√2 = 71 %/);
    expect(fewItemsWarning(1)).toMatch(/Only 1 item behind/);
    expect(fewItemsWarning(0)).toMatch(/No item/);
  });
  it('refuses fractions that yield fewer items than classes, naming the smallest that works', () => {
    expect(fractionTooSmall(0.0005, 10_000, 10)).toMatch(/0\.05 % of 10,000 items is 5 items, fewer than the model's 10 classes: choose at least 0\.1 %/);
    expect(fractionTooSmall(0.001, 10_000, 10)).toBeNull();
    expect(fractionTooSmall(0.05, 100, 10)).toMatch(/is 5 items/);
  });
});
