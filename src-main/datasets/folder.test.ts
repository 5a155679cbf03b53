import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { importFolder } from './folder.ts';
import { expectBadInput, tempDir, writeFile } from './test-helpers.ts';

/** A w×h PNG whose pixel (x, y) is rgb(x*10+v, y*10+v, v) or grey v + x when `grey`. */
function png(w: number, h: number, v: number, grey = false): Buffer {
  const img = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 4 * (y * w + x);
      const g = v + x;
      img.data[i] = grey ? g : x * 10 + v;
      img.data[i + 1] = grey ? g : y * 10 + v;
      img.data[i + 2] = grey ? g : v;
      img.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(img);
}

function greyJpeg(w: number, h: number, v: number): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) data.fill(v, 4 * i, 4 * i + 3), (data[4 * i + 3] = 255);
  return jpeg.encode({ width: w, height: h, data }, 95).data;
}

describe('importFolder', () => {
  it('reads grey PNG and JPEG images, classes sorted, hidden and other files ignored', async () => {
    const dir = tempDir();
    writeFile(dir, 'zebra/b.png', png(3, 2, 50, true));
    writeFile(dir, 'zebra/a.jpg', greyJpeg(3, 2, 128));
    writeFile(dir, 'zebra/notes.txt', 'ignored');
    writeFile(dir, 'ant/x.PNG', png(3, 2, 0, true));
    writeFile(dir, '.hidden/y.png', png(9, 9, 0));
    writeFile(dir, 'loose.png', png(9, 9, 0));
    const ds = await importFolder({ format: 'folder', dir });
    expect(ds).toMatchObject({ format: 'folder', height: 2, width: 3, channels: 1, pixelScale: 255, classNames: ['ant', 'zebra'] });
    const s = ds.splits[0];
    expect(s.split).toBe('all');
    expect(Array.from(s.labels)).toEqual([0, 1, 1]);
    expect(s.sources).toEqual([path.join(dir, 'ant/x.PNG'), path.join(dir, 'zebra/a.jpg'), path.join(dir, 'zebra/b.png')]);
    expect(Array.from(s.pixels.subarray(0, 6))).toEqual([0, 1, 2, 0, 1, 2]);
    for (const v of s.pixels.subarray(6, 12)) expect(Math.abs(v - 128)).toBeLessThanOrEqual(2); // JPEG is lossy
    expect(Array.from(s.pixels.subarray(12, 18))).toEqual([50, 51, 52, 50, 51, 52]);
  });

  it('keeps RGB when any image has colour, and reads one folder per split', async () => {
    const dir = tempDir();
    writeFile(dir, 'train/a/1.png', png(2, 2, 5, true));
    writeFile(dir, 'train/b/1.png', png(2, 2, 7));
    writeFile(dir, 'test/b/2.png', png(2, 2, 9, true));
    const ds = await importFolder({ format: 'folder', splits: { train: path.join(dir, 'train'), test: path.join(dir, 'test') } });
    expect(ds.channels).toBe(3);
    expect(ds.classNames).toEqual(['a', 'b']);
    expect(ds.splits.map((s) => [s.split, Array.from(s.labels)])).toEqual([['train', [0, 1]], ['test', [1]]]);
    // Second train image, pixel (x=1, y=0): rgb(17, 7, 7).
    expect(Array.from(ds.splits[0].pixels.subarray(12 + 3, 12 + 6))).toEqual([17, 7, 7]);
    expect(ds.splits[1].pixels.length).toBe(12);
  });

  it('rejects size mismatch naming the file and both sizes', async () => {
    const dir = tempDir();
    writeFile(dir, 'a/1.png', png(4, 3, 0));
    writeFile(dir, 'b/2.png', png(5, 3, 0));
    await expectBadInput(() => importFolder({ format: 'folder', dir }), /b\/2\.png: image is 5×3 \(width×height\) but .*a\/1\.png is 4×3/);
  });

  it('rejects undecodable images, empty classes, empty folders and bad options', async () => {
    const dir = tempDir();
    writeFile(dir, 'a/ok.png', png(2, 2, 0));
    writeFile(dir, 'a/bad.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not a png')]));
    await expectBadInput(() => importFolder({ format: 'folder', dir }), /a\/bad\.png: the image cannot be decoded: the PNG is cut short/);
    const dir2 = tempDir();
    writeFile(dir2, 'a/fake.jpg', 'plain text');
    await expectBadInput(() => importFolder({ format: 'folder', dir: dir2 }), /fake\.jpg: the image cannot be decoded: it is neither PNG nor JPEG/);
    const dir3 = tempDir();
    writeFile(dir3, 'a/1.png', png(2, 2, 0));
    writeFile(dir3, 'empty/readme.txt', 'x');
    await expectBadInput(() => importFolder({ format: 'folder', dir: dir3 }), /empty: class folder "empty" holds no PNG or JPEG images/);
    await expectBadInput(() => importFolder({ format: 'folder', dir: tempDir() }), /no class sub-folders \(empty data set\)/);
    await expectBadInput(() => importFolder({ format: 'folder', dir: path.join(dir3, 'nope') }), /nope: image folder not found/);
    await expectBadInput(() => importFolder({ format: 'folder' }), /give `dir` .* or `splits`/);
  });
});
