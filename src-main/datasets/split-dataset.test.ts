import { describe, it, expect } from 'vitest';
import { splitImported } from './split-dataset.ts';
import type { ImportedDataset } from './types.ts';

function oneSplit(n: number, classes: number): ImportedDataset {
  const per = 4;
  const pixels = new Uint8Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    pixels.fill(i % 256, i * per, (i + 1) * per); // each item's pixels say which item it was
  }
  return { format: 'folder', height: 2, width: 2, channels: 1, pixelScale: 255, classNames: Array.from({ length: classes }, (_, c) => `c${c}`),
    splits: [{ split: 'all', pixels, labels, sources: Array.from({ length: n }, (_, i) => `f${i}.png`) }] };
}

describe('splitImported', () => {
  it('cuts one split into train and test, stratified by class and seeded, items kept whole', () => {
    const ds = oneSplit(200, 4);
    const a = splitImported(ds, 0.25, 7);
    expect(a.splits.map((s) => [s.split, s.labels.length])).toEqual([['train', 150], ['test', 50]]);
    const test = a.splits[1];
    // 12.5 per class: largest remainder gives the extra items to the lower labels
    expect([0, 1, 2, 3].map((c) => test.labels.filter((y) => y === c).length)).toEqual([13, 13, 12, 12]);
    // pixels, labels and sources travel together
    test.sources.forEach((src, k) => {
      const i = Number(src.slice(1, -4));
      expect(test.labels[k]).toBe(i % 4);
      expect(test.pixels[k * 4]).toBe(i % 256);
    });
    const b = splitImported(ds, 0.25, 7);
    expect(b.splits[1].sources).toEqual(test.sources);
    expect(splitImported(ds, 0.25, 8).splits[1].sources).not.toEqual(test.sources);
  });

  it('refuses data with several splits and fractions leaving an empty split', () => {
    const ds = oneSplit(10, 2);
    const two = { ...ds, splits: [{ ...ds.splits[0], split: 'train' }, { ...ds.splits[0], split: 'test' }] };
    expect(() => splitImported(two, 0.2)).toThrow(/comes with its own splits \(train, test\)/);
    expect(() => splitImported(ds, 0.01)).toThrow(/leaves an empty test split/);
    expect(() => splitImported(ds, 1)).toThrow(/testFraction must be a number in \(0, 1\)/);
  });
});
