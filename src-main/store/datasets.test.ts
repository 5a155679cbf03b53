import { describe, it, expect } from 'vitest';
import { insertDataset, listDatasets, getDataset, getSplit, getThumbnail } from './datasets.ts';
import { queryRows } from './db.ts';
import { fakeDataset } from './test-support/fake-runner.ts';
import { freshStore as fresh } from './test-support/fresh-store.ts';
import type { ThumbEncoder } from './datasets.ts';

/** Stand-in encoder: tags the bytes so the test can tell which item a thumbnail belongs to. */
const thumb: ThumbEncoder = (px, h, w, c, scale) => Uint8Array.from([h, w, c, scale, px[0], px.length & 0xff]);

describe('datasets', () => {
  it('stores and returns a data set split by split', async () => {
    const s = await fresh();
    const ds = fakeDataset({ train: 10, test: 5 });
    const id = await insertDataset(s, 'toy', ds, thumb);
    const list = await listDatasets(s);
    expect(list).toEqual([{ id, name: 'toy', format: 'npy', height: 4, width: 4, channels: 1, pixelScale: 255,
      created: expect.stringMatching(/^2026-01-01T00:00:00\.00\dZ$/), splits: { train: 10, test: 5 } }]);
    const d = await getDataset(s, 'toy');
    expect(d.classNames).toEqual(['class-0', 'class-1', 'class-2']);
    const test = await getSplit(s, id, 'test');
    expect(Array.from(test.itemIds)).toEqual([10, 11, 12, 13, 14]);
    expect(test.labels).toEqual(ds.splits[1].labels);
    expect(test.pixels).toEqual(ds.splits[1].pixels);
    await expect(getSplit(s, id, 'val')).rejects.toThrow(/^getSplit: data set toy has no split "val"; splits: train, test$/);
    await expect(getSplit(s, 99, 'test')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^data set 99 does not exist; known: toy/) });
    const src = await s.conn.runAndReadAll('SELECT source FROM items WHERE item_id = $1', [test.itemIds[2]]);
    expect(src.getRowObjectsJS()[0].source).toBe('test.bin#2');
    expect(Array.from((await getThumbnail(s, 11))!)).toEqual([4, 4, 1, 255, ds.splits[1].pixels[16], 16]);
    // A second data set continues the project-wide item ids.
    const id2 = await insertDataset(s, 'floats', { ...fakeDataset({ all: 3 }), pixelScale: 1,
      splits: [{ split: 'all', pixels: new Float32Array(48).fill(0.5), labels: Int32Array.from([0, 1, 2]), sources: ['a', 'b', 'c'] }] }, null);
    const f = await getSplit(s, id2, 'all');
    expect(Array.from(f.itemIds)).toEqual([15, 16, 17]);
    expect(f.pixels).toBeInstanceOf(Float32Array);
    expect(f.pixels[47]).toBe(0.5);
    expect(await getThumbnail(s, 15)).toBeNull();
  });

  it('rejects a duplicate name with CONFLICT and leaves the first intact', async () => {
    const s = await fresh();
    await insertDataset(s, 'toy', fakeDataset({ test: 4 }), null);
    await expect(insertDataset(s, 'toy', fakeDataset({ test: 6 }), null))
      .rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/a data set named "toy" already exists \(id 1\)/) });
    expect((await listDatasets(s))[0].splits).toEqual({ test: 4 });
  });

  it('is atomic: a failure mid-insert leaves nothing behind', async () => {
    const s = await fresh();
    let calls = 0;
    const failing: ThumbEncoder = () => { if (++calls === 7) throw new Error('encoder broke'); return new Uint8Array([1]); };
    await expect(insertDataset(s, 'toy', fakeDataset({ train: 5, test: 5 }), failing)).rejects.toThrow(/encoder broke/);
    for (const t of ['datasets', 'classes', 'items', 'item_pixels', 'thumbnails']) {
      expect((await queryRows(s.conn, `SELECT count(*)::INTEGER AS n FROM ${t}`))[0].n, t).toBe(0);
    }
    // And the name is free again.
    await insertDataset(s, 'toy', fakeDataset({ test: 2 }), null);
    expect((await listDatasets(s)).map((d) => d.name)).toEqual(['toy']);
  });

  it('validates its input with messages that say what is wrong', async () => {
    const s = await fresh();
    const ds = fakeDataset({ test: 3 });
    await expect(insertDataset(s, '', ds, null)).rejects.toThrow(/name must be a non-empty string/);
    await expect(insertDataset(s, 'x', { ...ds, height: 0 }, null)).rejects.toThrow(/height must be a positive integer, got 0/);
    await expect(insertDataset(s, 'x', { ...ds, pixelScale: NaN }, null)).rejects.toThrow(/pixelScale must be a positive number, got NaN/);
    await expect(insertDataset(s, 'x', { ...ds, splits: [] }, null)).rejects.toThrow(/has no splits/);
    const bad = fakeDataset({ test: 3 });
    bad.splits[0].labels[1] = 7;
    await expect(insertDataset(s, 'x', bad, null)).rejects.toThrow(/split test item 1 has label 7, outside the 3 class names/);
    const short = fakeDataset({ test: 3 });
    short.splits[0].pixels = short.splits[0].pixels.subarray(1);
    await expect(insertDataset(s, 'x', short, null)).rejects.toThrow(/split test has 47 pixel values for 3 items of 4×4×1/);
    await expect(getDataset(s, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await insertDataset(s, 'ok', ds, null);
    await expect(getSplit(s, 1, 'train')).rejects.toThrow(/has no split "train"; splits: test/);
  });

  it('bulk-inserts 20,000 Fashion-MNIST-sized items in one transaction (60,000: see bench-store.ts)', async () => {
    const s = await fresh();
    const n = 20000;
    const ds = fakeDataset({ train: 1 }, 28, 28);
    const pixels = new Uint8Array(n * 784);
    for (let i = 0; i < pixels.length; i += 97) pixels[i] = i & 0xff;
    ds.splits = [{ split: 'train', pixels, labels: Int32Array.from({ length: n }, (_, i) => i % 3), sources: Array.from({ length: n }, (_, i) => `train#${i}`) }];
    const t = performance.now();
    await insertDataset(s, 'big', ds, (px) => px.subarray(0, 64) as Uint8Array);
    const ms = performance.now() - t;
    console.log(`insertDataset: 20,000 items of 28×28 (+ 64-byte thumbnails) in ${ms.toFixed(0)} ms`);
    const back = await getSplit(s, 1, 'train');
    expect(back.pixels.length).toBe(n * 784);
    expect(back.pixels[n * 784 - 1]).toBe(ds.splits[0].pixels[n * 784 - 1]);
  });
});
