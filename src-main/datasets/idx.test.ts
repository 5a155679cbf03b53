import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importIdx, readIdxUint8 } from './idx.ts';
import { encodeIdxUint8 } from './idx-writer.ts';
import { expectBadInput, tempDir, writeFile } from './test-helpers.ts';

function images(n: number, rows: number, cols: number): Uint8Array {
  return Uint8Array.from({ length: n * rows * cols }, (_, i) => (i * 7) % 256);
}
const labels = (...ys: number[]) => Uint8Array.from(ys);

function writeSplit(dir: string, prefix: string, n: number, ys: number[], gz: boolean, rows = 4, cols = 3): void {
  const ext = gz ? '.gz' : '';
  const enc = (b: Buffer) => (gz ? zlib.gzipSync(b) : b);
  writeFile(dir, `${prefix}-images-idx3-ubyte${ext}`, enc(encodeIdxUint8([n, rows, cols], images(n, rows, cols))));
  writeFile(dir, `${prefix}-labels-idx1-ubyte${ext}`, enc(encodeIdxUint8([n], labels(...ys))));
}

describe('readIdxUint8', () => {
  it('reads raw and gzipped files alike, across chunk boundaries', async () => {
    const dir = tempDir();
    const big = images(300, 28, 28); // 235 KB raw, several gunzip chunks
    const raw = writeFile(dir, 'raw', encodeIdxUint8([300, 28, 28], big));
    const gz = writeFile(dir, 'raw.gz', zlib.gzipSync(fs.readFileSync(raw)));
    for (const f of [raw, gz]) {
      const a = await readIdxUint8(f, 0x803, 'images');
      expect(a.dims).toEqual([300, 28, 28]);
      expect(Buffer.from(a.data).equals(Buffer.from(big))).toBe(true);
    }
  });

  it('rejects a wrong magic number, naming both values', async () => {
    const dir = tempDir();
    const f = writeFile(dir, 'labels-as-images', encodeIdxUint8([2], labels(1, 2)));
    await expectBadInput(() => readIdxUint8(f, 0x803, 'images file'), /labels-as-images: wrong magic number 0x00000801, expected 0x00000803 .*swapped/);
  });

  it('rejects a truncated file with bytes present vs expected', async () => {
    const dir = tempDir();
    const full = encodeIdxUint8([3, 4, 3], images(3, 4, 3)); // 16 + 36 bytes
    const f = writeFile(dir, 'cut.gz', zlib.gzipSync(full.subarray(0, 40)));
    await expectBadInput(() => readIdxUint8(f, 0x803, 'images'), /cut\.gz: truncated: 40 bytes present \(after gunzip\), expected 52/);
    const h = writeFile(dir, 'header-only', full.subarray(0, 10));
    await expectBadInput(() => readIdxUint8(h, 0x803, 'images'), /header-only: truncated: 10 bytes present, but an IDX header alone needs 16/);
    const e = writeFile(dir, 'empty', Buffer.alloc(0));
    await expectBadInput(() => readIdxUint8(e, 0x803, 'images'), /empty: truncated: 0 bytes present/);
  });

  it('rejects trailing bytes beyond the announced size', async () => {
    const dir = tempDir();
    const f = writeFile(dir, 'long', Buffer.concat([encodeIdxUint8([1], labels(3)), Buffer.from([9])]));
    await expectBadInput(() => readIdxUint8(f, 0x801, 'labels'), /long: the file is longer than its header says: 10 bytes, more than the 9 bytes for dimensions \[1\]/);
  });

  it('rejects a missing file and corrupt gzip', async () => {
    const dir = tempDir();
    await expectBadInput(() => readIdxUint8(path.join(dir, 'nope.gz'), 0x801, 'IDX labels file'), /nope\.gz: IDX labels file not found/);
    const bad = writeFile(dir, 'bad.gz', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip at all')]));
    await expectBadInput(() => readIdxUint8(bad, 0x801, 'labels'), /bad\.gz: the gzip data is corrupt or cut short/);
  });
});

describe('importIdx', () => {
  it('imports the standard names from a directory, gzipped or not, with Fashion-MNIST names', async () => {
    const dir = tempDir();
    writeSplit(dir, 'train', 3, [0, 9, 4], true);
    writeSplit(dir, 't10k', 2, [5, 5], false);
    const ds = await importIdx({ format: 'idx', dir, classNames: 'fashion-mnist' });
    expect(ds).toMatchObject({ format: 'idx', height: 4, width: 3, channels: 1, pixelScale: 255 });
    expect(ds.classNames[0]).toBe('T-shirt/top');
    expect(ds.classNames[9]).toBe('Ankle boot');
    expect(ds.splits.map((s) => s.split)).toEqual(['train', 'test']);
    const [train, test] = ds.splits;
    expect(Array.from(train.labels)).toEqual([0, 9, 4]);
    expect(train.pixels).toBeInstanceOf(Uint8Array);
    expect(Array.from(train.pixels.subarray(0, 4))).toEqual([0, 7, 14, 21]);
    expect(train.sources).toEqual(['train-images-idx3-ubyte.gz#0', 'train-images-idx3-ubyte.gz#1', 'train-images-idx3-ubyte.gz#2']);
    expect(test.sources[1]).toBe('t10k-images-idx3-ubyte#1');
    expect(test.pixels.length).toBe(2 * 12);
  });

  it('loads only the splits asked for, and explicit file pairs', async () => {
    const dir = tempDir();
    writeSplit(dir, 'train', 3, [0, 1, 2], false);
    writeSplit(dir, 't10k', 2, [3, 4], false);
    const only = await importIdx({ format: 'idx', dir, only: ['test'] });
    expect(only.splits.map((s) => s.split)).toEqual(['test']);
    expect(only.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const explicit = await importIdx({
      format: 'idx',
      splits: { val: { images: path.join(dir, 'train-images-idx3-ubyte'), labels: path.join(dir, 'train-labels-idx1-ubyte') } },
      classNames: ['a', 'b', 'c'],
    });
    expect(explicit.splits[0].split).toBe('val');
    expect(explicit.classNames).toEqual(['a', 'b', 'c']);
  });

  it('rejects count mismatch, out-of-range labels, size mismatch across splits and an empty set', async () => {
    const dir = tempDir();
    const img = writeFile(dir, 'i', encodeIdxUint8([2, 2, 2], images(2, 2, 2)));
    const lab3 = writeFile(dir, 'l3', encodeIdxUint8([3], labels(0, 1, 2)));
    await expectBadInput(() => importIdx({ format: 'idx', splits: { test: { images: img, labels: lab3 } } }), /l3: 3 labels for 2 images in .*\/i\. Both files/);
    const labBig = writeFile(dir, 'lbig', encodeIdxUint8([2], labels(0, 12)));
    await expectBadInput(() => importIdx({ format: 'idx', splits: { test: { images: img, labels: labBig } } }), /lbig: label 12 of item 1 is outside 0…9 \(10 class names\)/);
    const img3 = writeFile(dir, 'i3', encodeIdxUint8([1, 3, 3], images(1, 3, 3)));
    const lab1 = writeFile(dir, 'l1', encodeIdxUint8([1], labels(0)));
    const lab2 = writeFile(dir, 'l2', encodeIdxUint8([2], labels(0, 1)));
    await expectBadInput(
      () => importIdx({ format: 'idx', splits: { train: { images: img, labels: lab2 }, test: { images: img3, labels: lab1 } } }),
      /i3: images are 3×3 but .*\/i has 2×2/,
    );
    const img0 = writeFile(dir, 'i0', encodeIdxUint8([0, 2, 2], new Uint8Array(0)));
    const lab0 = writeFile(dir, 'l0', encodeIdxUint8([0], new Uint8Array(0)));
    await expectBadInput(() => importIdx({ format: 'idx', splits: { test: { images: img0, labels: lab0 } } }), /the data set is empty \(0 items\)/);
  });

  it('rejects bad options and directories without the standard files', async () => {
    const dir = tempDir();
    await expectBadInput(() => importIdx({ format: 'idx' }), /give `dir` .* or `splits`/);
    await expectBadInput(() => importIdx({ format: 'idx', dir }), /no IDX files with the standard names/);
    await expectBadInput(() => importIdx({ format: 'idx', dir: path.join(dir, 'missing') }), /missing: IDX folder not found/);
    writeFile(dir, 'train-images-idx3-ubyte.gz', zlib.gzipSync(encodeIdxUint8([1, 2, 2], images(1, 2, 2))));
    await expectBadInput(() => importIdx({ format: 'idx', dir }), /has train-images-idx3-ubyte\.gz but no train-labels-idx1-ubyte/);
    await expectBadInput(() => importIdx({ format: 'idx', dir, classNames: [] }), /classNames is empty/);
    await expectBadInput(() => importIdx({ format: 'idx', dir, classNames: ['a', 'a'] }), /classNames\[1\] repeats the name "a"/);
  });
});
