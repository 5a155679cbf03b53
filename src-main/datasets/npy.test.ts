import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importNpy, readLabels, readNpyImages } from './npy.ts';
import { encodeNpy } from './npy-writer.ts';
import { expectBadInput, tempDir, writeFile } from './test-helpers.ts';

/** A v1 .npy with an arbitrary header dict (for dtypes and flags encodeNpy does not write). */
function customNpy(descr: string, shape: string, data: Buffer, fortran = 'False'): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(dict.length, 8);
  return Buffer.concat([pre, Buffer.from(dict, 'latin1'), data]);
}

describe('readNpyImages / readLabels', () => {
  it('reads uint8 [N,H,W], float32 [N,H,W,3] and float64 (as float32)', async () => {
    const dir = tempDir();
    const u8 = await readNpyImages(writeFile(dir, 'u8.npy', encodeNpy([2, 2, 3], Uint8Array.from({ length: 12 }, (_, i) => i * 20))));
    expect(u8).toMatchObject({ n: 2, height: 2, width: 3, channels: 1 });
    expect(u8.pixels).toBeInstanceOf(Uint8Array);
    expect(u8.pixels[11]).toBe(220);
    const f32 = await readNpyImages(writeFile(dir, 'f.npy', encodeNpy([1, 2, 2, 3], Float32Array.from({ length: 12 }, (_, i) => i / 11))));
    expect(f32).toMatchObject({ n: 1, height: 2, width: 2, channels: 3 });
    expect(f32.pixels[11]).toBeCloseTo(1, 6);
    const f64 = await readNpyImages(writeFile(dir, 'd.npy.gz', zlib.gzipSync(encodeNpy([1, 1, 2], Float64Array.from([0.25, 0.5])))));
    expect(f64.pixels).toBeInstanceOf(Float32Array);
    expect(Array.from(f64.pixels)).toEqual([0.25, 0.5]);
  });

  it('reads labels of every integer dtype and text', async () => {
    const dir = tempDir();
    const cases: Array<[string, Buffer]> = [
      ['u1', encodeNpy([3], Uint8Array.from([0, 1, 2]))],
      ['i2', encodeNpy([3], Int16Array.from([0, 1, 2]))],
      ['i4', encodeNpy([3, 1], Int32Array.from([0, 1, 2]))],
      ['i8', encodeNpy([3], BigInt64Array.from([0n, 1n, 2n]))],
      ['txt', Buffer.from('0\n 1 \r\n2\n\n')],
    ];
    for (const [name, bytes] of cases) expect(Array.from(await readLabels(writeFile(dir, name, bytes)))).toEqual([0, 1, 2]);
  });

  it('rejects unsupported dtypes, Fortran order, big-endian, bad shapes, truncation, NaN', async () => {
    const dir = tempDir();
    const w = (name: string, b: Buffer) => writeFile(dir, name, b);
    await expectBadInput(() => readNpyImages(w('i4.npy', encodeNpy([1, 1, 1], new Int32Array(1)))), /i4\.npy: unsupported images dtype '<i4'/);
    await expectBadInput(() => readNpyImages(w('c.npy', customNpy('<c8', '(1, 1, 1)', Buffer.alloc(8)))), /c\.npy: the \.npy dtype is '<c8', which is not supported/);
    await expectBadInput(() => readNpyImages(w('F.npy', customNpy('<f4', '(1, 2, 2)', Buffer.alloc(16), 'True'))), /F\.npy: the array is stored in Fortran order.*ascontiguousarray/);
    await expectBadInput(() => readNpyImages(w('be.npy', customNpy('>f4', '(1, 1, 1)', Buffer.alloc(4)))), /be\.npy: big-endian \.npy dtype '>f4' is not supported/);
    await expectBadInput(() => readNpyImages(w('2d.npy', encodeNpy([2, 2], new Uint8Array(4)))), /2d\.npy: images of shape \(2, 2\); expected \[N, H, W\] or \[N, H, W, C\]/);
    await expectBadInput(() => readNpyImages(w('nchw.npy', encodeNpy([1, 3, 4, 4], new Uint8Array(48)))), /nchw\.npy: .* have 4 channels; expected 1 or 3 .*transpose\(0, 2, 3, 1\)/);
    await expectBadInput(() => readNpyImages(w('short.npy', encodeNpy([2, 2, 2], new Float32Array(8)).subarray(0, 128 + 20))), /short\.npy: truncated: 148 bytes present, expected 160/);
    await expectBadInput(() => readNpyImages(w('long.npy', Buffer.concat([encodeNpy([1, 1, 1], new Uint8Array(1)), Buffer.alloc(3)]))), /long\.npy: the file is longer than its header says: 132 bytes, more than the 129 bytes for shape \(1, 1, 1\) of '\|u1'/);
    await expectBadInput(() => readNpyImages(w('nan.npy', encodeNpy([2, 1, 2], Float32Array.from([0, 0, 0, Number.NaN])))), /nan\.npy: item 1 has a non-finite pixel value \(NaN\)/);
    await expectBadInput(() => readLabels(w('fl.npy', encodeNpy([2], new Float32Array(2)))), /fl\.npy: unsupported labels dtype '<f4'; labels must be integers/);
    await expectBadInput(() => readLabels(w('oh.npy', encodeNpy([2, 3], new Int32Array(6)))), /oh\.npy: labels of shape \(2, 3\); expected \[N\] or \[N, 1\]/);
    await expectBadInput(() => readLabels(w('t.txt', Buffer.from('1\ncat\n'))), /t\.txt: line 2 is not an integer label/);
    await expectBadInput(() => readLabels(w('big.npy', encodeNpy([1], BigInt64Array.from([2n ** 40n])))), /big\.npy: label of item 0 does not fit in 32 bits/);
    await expectBadInput(() => readLabels(path.join(dir, 'gone.npy')), /gone\.npy: labels file not found/);
  });
});

describe('importNpy', () => {
  it('imports splits with default numbered class names and float pixel scale', async () => {
    const dir = tempDir();
    const splits = {
      train: { images: writeFile(dir, 'xtr.npy', encodeNpy([3, 2, 2], new Float32Array(12).fill(0.5))), labels: writeFile(dir, 'ytr.txt', '0\n4\n1\n') },
      test: { images: writeFile(dir, 'xte.npy', encodeNpy([1, 2, 2], new Float32Array(4))), labels: writeFile(dir, 'yte.npy', encodeNpy([1], Int32Array.from([2]))) },
    };
    const ds = await importNpy({ format: 'npy', splits });
    expect(ds).toMatchObject({ format: 'npy', height: 2, width: 2, channels: 1, pixelScale: 1 });
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4']);
    expect(ds.splits.map((s) => s.split)).toEqual(['train', 'test']);
    expect(ds.splits[0].sources).toEqual(['xtr.npy#0', 'xtr.npy#1', 'xtr.npy#2']);
    const scaled = await importNpy({ format: 'npy', splits, pixelScale: 255, classNames: ['a', 'b', 'c', 'd', 'e'] });
    expect(scaled.pixelScale).toBe(255);
    const u8 = await importNpy({ format: 'npy', splits: { all: { images: writeFile(dir, 'u.npy', encodeNpy([1, 1, 1, 3], new Uint8Array(3))), labels: writeFile(dir, 'u.txt', '0') } } });
    expect(u8).toMatchObject({ channels: 3, pixelScale: 255 });
  });

  it('rejects count mismatch, label range, inconsistent splits, empty data and bad options', async () => {
    const dir = tempDir();
    const x2 = writeFile(dir, 'x2.npy', encodeNpy([2, 2, 2], new Uint8Array(8)));
    const y3 = writeFile(dir, 'y3.txt', '0\n1\n2\n');
    await expectBadInput(() => importNpy({ format: 'npy', splits: { t: { images: x2, labels: y3 } } }), /y3\.txt: 3 labels for 2 images in .*x2\.npy/);
    const yneg = writeFile(dir, 'yneg.txt', '0\n-1\n');
    await expectBadInput(() => importNpy({ format: 'npy', splits: { t: { images: x2, labels: yneg } } }), /yneg\.txt: label -1 of item 1 is outside 0…0/);
    const y2 = writeFile(dir, 'y2.txt', '0\n5\n');
    await expectBadInput(() => importNpy({ format: 'npy', splits: { t: { images: x2, labels: y2 } }, classNames: ['a', 'b'] }), /y2\.txt: label 5 of item 1 is outside 0…1 \(2 class names\)/);
    const x3 = writeFile(dir, 'x3.npy', encodeNpy([2, 3, 3], new Uint8Array(18)));
    await expectBadInput(() => importNpy({ format: 'npy', splits: { a: { images: x2, labels: y2 }, b: { images: x3, labels: y2 } } }), /x3\.npy: images are 3×3×1 but .*x2\.npy has 2×2×1/);
    const xf = writeFile(dir, 'xf.npy', encodeNpy([2, 2, 2], new Float32Array(8)));
    await expectBadInput(() => importNpy({ format: 'npy', splits: { a: { images: x2, labels: y2 }, b: { images: xf, labels: y2 } } }), /xf\.npy: pixel dtype differs/);
    const x0 = writeFile(dir, 'x0.npy', encodeNpy([0, 2, 2], new Uint8Array(0)));
    const y0 = writeFile(dir, 'y0.txt', '');
    await expectBadInput(() => importNpy({ format: 'npy', splits: { a: { images: x0, labels: y0 } } }), /x0\.npy: the data set is empty \(0 items\)/);
    await expectBadInput(() => importNpy({ format: 'npy', splits: {} }), /`splits` is required/);
    await expectBadInput(() => importNpy({ format: 'npy', splits: { a: { images: x2, labels: y2 } }, pixelScale: 0 }), /pixelScale must be a positive number, got 0/);
  });
});
