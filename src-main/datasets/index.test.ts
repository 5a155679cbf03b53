import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdxUint8 } from './idx-writer.ts';
import { encodeThumbnailPng, importDataset, validateDataset, type ImportOptions } from './index.ts';
import { encodeNpy } from './npy-writer.ts';
import { expectBadInput, tempDir, writeFile } from './test-helpers.ts';
import type { ImportedDataset } from './types.ts';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_TEST = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => path.join(FASHION_DIR, f));
const hasFashion = FASHION_TEST.every((f) => fs.existsSync(f));
const DIGITS_CSV = path.resolve(import.meta.dirname, '../../../shared/data/uci-digits/digits.csv.gz');
const hasDigits = fs.existsSync(DIGITS_CSV);
if (!hasFashion) console.log(`skipping the real Fashion-MNIST test: ${FASHION_TEST.join(', ')} not found (Debian package dataset-fashion-mnist)`);
if (!hasDigits) console.log(`skipping the real UCI digits test: ${DIGITS_CSV} not found`);

function classCounts(labels: Int32Array, k: number): number[] {
  const c = new Array(k).fill(0);
  for (const y of labels) c[y]++;
  return c;
}

describe('importDataset', () => {
  it('dispatches on format', async () => {
    const dir = tempDir();
    writeFile(dir, 't10k-images-idx3-ubyte', encodeIdxUint8([1, 2, 2], new Uint8Array(4)));
    writeFile(dir, 't10k-labels-idx1-ubyte', encodeIdxUint8([1], Uint8Array.from([3])));
    expect((await importDataset({ format: 'idx', dir })).format).toBe('idx');
    const csv = writeFile(dir, 'd.csv', [...new Array(64).fill(0), 1].join(','));
    expect((await importDataset({ format: 'digits-csv', file: csv })).format).toBe('digits-csv');
    const x = writeFile(dir, 'x.npy', encodeNpy([1, 2, 2], new Uint8Array(4)));
    const y = writeFile(dir, 'y.txt', '0\n');
    expect((await importDataset({ format: 'npy', splits: { test: { images: x, labels: y } } })).format).toBe('npy');
    const gz = writeFile(dir, 'x.gz', zlib.gzipSync('not a dataset'));
    await expectBadInput(() => importDataset({ format: 'digits-csv', file: gz }), /x\.gz: line 1 has 1 fields, expected 65/);
    await expectBadInput(() => importDataset({ format: 'parquet' } as unknown as ImportOptions), /unknown format "parquet"; use 'idx', 'digits-csv', 'npy' or 'folder'/);
    await expectBadInput(() => importDataset(null as unknown as ImportOptions), /options must be an object/);
  });

  it.skipIf(!hasFashion)('imports the real Fashion-MNIST test set (10,000 items)', async () => {
    const ds = await importDataset({
      format: 'idx', splits: { test: { images: FASHION_TEST[0], labels: FASHION_TEST[1] } }, classNames: 'fashion-mnist',
    });
    expect(ds).toMatchObject({ height: 28, width: 28, channels: 1, pixelScale: 255 });
    const test = ds.splits[0];
    expect(test.labels.length).toBe(10_000);
    expect(test.pixels.length).toBe(10_000 * 784);
    expect(classCounts(test.labels, 10)).toEqual(new Array(10).fill(1000));
    expect(ds.classNames[test.labels[0]]).toBe('Ankle boot');
    expect(test.sources[17]).toBe('t10k-images-idx3-ubyte.gz#17');
    let sum = 0;
    for (const v of test.pixels) sum += v;
    expect(sum / test.pixels.length).toBeGreaterThan(60); // mean intensity ≈ 73 of 255
    expect(sum / test.pixels.length).toBeLessThan(85);
  });

  it.skipIf(!hasDigits)('imports the real UCI digits (1,797 items) and splits them', async () => {
    const ds = await importDataset({ format: 'digits-csv', file: DIGITS_CSV });
    const all = ds.splits[0];
    expect(all.labels.length).toBe(1797);
    expect(classCounts(all.labels, 10)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    expect(Math.max(...all.pixels)).toBe(16);
    const split = await importDataset({ format: 'digits-csv', file: DIGITS_CSV, testFraction: 0.3, seed: 1 });
    expect(split.splits.map((s) => s.labels.length)).toEqual([1797 - 539, 539]);
    const png = encodeThumbnailPng(all.pixels.subarray(0, 64), 8, 8, 1, ds.pixelScale);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('validateDataset', () => {
  const good = (): ImportedDataset => ({
    format: 'npy', height: 1, width: 2, channels: 1, pixelScale: 1, classNames: ['a', 'b'],
    splits: [{ split: 'test', pixels: Float32Array.from([0, 1, 0.5, 0.5]), labels: Int32Array.from([0, 1]), sources: ['x#0', 'x#1'] }],
  });
  it('passes a consistent data set through', () => {
    const ds = good();
    expect(validateDataset(ds, 'x')).toBe(ds);
  });
  it('rejects every broken invariant', async () => {
    const cases: Array<[(d: ImportedDataset) => void, RegExp]> = [
      [(d) => { d.splits[0].pixels = new Float32Array(3); }, /x: split "test" has 3 pixel values, expected 2 items × 1×2×1 = 4/],
      [(d) => { d.splits[0].sources.pop(); }, /x: split "test" has 1 sources for 2 items/],
      [(d) => { d.splits[0].labels[1] = 2; }, /x: split "test" item 1 has label 2, outside 0…1/],
      [(d) => { d.splits[0].pixels[3] = Number.NaN; }, /x: split "test" item 1 has a non-finite pixel value \(NaN\)/],
      [(d) => { d.splits.push({ ...d.splits[0] }); }, /x: split "test" appears twice/],
      [(d) => { d.splits = []; }, /x: the data set has no splits/],
      [(d) => { d.classNames = []; }, /x: the data set has no classes/],
      [(d) => { d.height = 0; }, /x: image height must be a positive integer, got 0/],
      [(d) => { d.pixelScale = Number.NaN; }, /x: pixelScale must be a positive finite number, got NaN/],
    ];
    for (const [breakIt, re] of cases) {
      const d = good();
      breakIt(d);
      await expectBadInput(() => validateDataset(d, 'x'), re);
    }
  });
});
