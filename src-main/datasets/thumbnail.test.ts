import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { colorAt } from './colormap.ts';
import { encodeHeatmapPng, encodeItemThumbnailPng, encodeThumbnailPng, thumbnailSize } from './thumbnail.ts';
import type { ImportedDataset } from './types.ts';
import { expectBadInput } from './test-helpers.ts';

const rgbaAt = (png: PNG, x: number, y: number) => Array.from(png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 4));

describe('thumbnailSize', () => {
  it('enlarges by an integer factor up to size, shrinks larger images to fit', () => {
    expect(thumbnailSize(8, 8, 32)).toEqual({ height: 32, width: 32 });
    expect(thumbnailSize(28, 28, 32)).toEqual({ height: 28, width: 28 });
    expect(thumbnailSize(28, 28, 64)).toEqual({ height: 56, width: 56 });
    expect(thumbnailSize(100, 50, 32)).toEqual({ height: 32, width: 16 });
  });
});

describe('encodeThumbnailPng', () => {
  it('upscales an 8×8 digit nearest-neighbour with pixelScale 16', () => {
    const px = new Uint8Array(64);
    px[0] = 16; px[9] = 8; px[63] = 20; // 20 > scale: clamped to white
    const png = PNG.sync.read(encodeThumbnailPng(px, 8, 8, 1, 16));
    expect([png.width, png.height]).toEqual([32, 32]);
    expect(rgbaAt(png, 3, 3)).toEqual([255, 255, 255, 255]);
    expect(rgbaAt(png, 4, 0)).toEqual([0, 0, 0, 255]);
    expect(rgbaAt(png, 5, 6)).toEqual([128, 128, 128, 255]);
    expect(rgbaAt(png, 31, 31)).toEqual([255, 255, 255, 255]);
  });

  it('encodes RGB floats, NaN as black', () => {
    const png = PNG.sync.read(encodeThumbnailPng(Float32Array.from([1, 0.5, 0, Number.NaN, -1, 0.25]), 1, 2, 3, 1, 2));
    expect([png.width, png.height]).toEqual([2, 1]);
    expect(rgbaAt(png, 0, 0)).toEqual([255, 128, 0, 255]);
    expect(rgbaAt(png, 1, 0)).toEqual([0, 0, 64, 255]);
  });

  it('takes an item of a data set', () => {
    const ds: ImportedDataset = {
      format: 'idx', height: 1, width: 1, channels: 1, pixelScale: 255, classNames: ['a'],
      splits: [{ split: 'test', pixels: Uint8Array.from([10, 200]), labels: Int32Array.from([0, 0]), sources: ['#0', '#1'] }],
    };
    expect(rgbaAt(PNG.sync.read(encodeItemThumbnailPng(ds, 'test', 1, 1)), 0, 0)).toEqual([200, 200, 200, 255]);
    expect(() => encodeItemThumbnailPng(ds, 'train', 0)).toThrow(/no split "train" \(have test\)/);
    expect(() => encodeItemThumbnailPng(ds, 'test', 2)).toThrow(/item 2 is outside 0…1/);
  });

  it('rejects bad arguments', async () => {
    await expectBadInput(() => encodeThumbnailPng(new Uint8Array(3), 2, 2, 1, 255), /got 3 pixel values, expected 2×2×1 = 4/);
    await expectBadInput(() => encodeThumbnailPng(new Uint8Array(8), 2, 2, 2, 255), /channels must be 1 or 3, got 2/);
    await expectBadInput(() => encodeThumbnailPng(new Uint8Array(4), 2, 2, 1, Number.NaN), /pixelScale must be a positive number, got NaN/);
    await expectBadInput(() => encodeThumbnailPng(new Uint8Array(0), 0, 2, 1, 255), /height must be a positive integer, got 0/);
  });
});

describe('encodeHeatmapPng', () => {
  it('maps min to the first and max to the last viridis colour; NaN is transparent', () => {
    const png = PNG.sync.read(encodeHeatmapPng([0, 0.5, 1, Number.NaN], 2, 2, { size: 2 }));
    expect(rgbaAt(png, 0, 0)).toEqual([68, 1, 84, 255]);
    expect(rgbaAt(png, 0, 1)).toEqual([253, 231, 37, 255]);
    expect(rgbaAt(png, 1, 0)).toEqual([38, 130, 142, 255]);
    expect(rgbaAt(png, 1, 1)[3]).toBe(0);
  });

  it('centres 0 on white in the diverging map; honours min/max; constant maps do not divide by 0', () => {
    const png = PNG.sync.read(encodeHeatmapPng(Float32Array.from([-2, 0, 1]), 1, 3, { colorMap: 'diverging', size: 3 }));
    expect(rgbaAt(png, 0, 0)).toEqual([33, 102, 172, 255]);
    expect(rgbaAt(png, 1, 0)).toEqual([247, 247, 247, 255]);
    const mid = rgbaAt(png, 2, 0); // 1 of ±2 → t = 0.75
    expect(mid).toEqual([244, 165, 130, 255]);
    const clamped = PNG.sync.read(encodeHeatmapPng([5], 1, 1, { colorMap: 'grey', min: 0, max: 2, size: 1 }));
    expect(rgbaAt(clamped, 0, 0)).toEqual([255, 255, 255, 255]);
    const flat = PNG.sync.read(encodeHeatmapPng([3, 3], 1, 2, { colorMap: 'grey', size: 2 }));
    expect(rgbaAt(flat, 1, 0)).toEqual([0, 0, 0, 255]);
    const allNaN = PNG.sync.read(encodeHeatmapPng([Number.NaN], 1, 1, { size: 1 }));
    expect(rgbaAt(allNaN, 0, 0)[3]).toBe(0);
  });

  it('interpolates between anchors', () => {
    const out = new Uint8Array(3);
    colorAt('grey', 0.5, out, 0);
    expect(Array.from(out)).toEqual([128, 128, 128]);
    colorAt('grey', -3, out, 0);
    expect(Array.from(out)).toEqual([0, 0, 0]);
  });

  it('rejects bad arguments', async () => {
    await expectBadInput(() => encodeHeatmapPng([1, 2], 2, 2), /got 2 values, expected 2×2 = 4/);
    await expectBadInput(() => encodeHeatmapPng([1], 1, 1, { colorMap: 'jet' as 'grey' }), /unknown colorMap "jet"/);
    await expectBadInput(() => encodeHeatmapPng([1], 1, 1, { min: 2, max: 1 }), /max \(1\) is below min \(2\)/);
    await expectBadInput(() => encodeHeatmapPng([1], 1, 1, { size: 0 }), /size must be a positive integer, got 0/);
  });
});
