import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import { createProject, openProject } from './project.ts';
import { insertDataset, getDataset, getSplit } from './datasets.ts';
import { fakeDataset } from './test-support/fake-runner.ts';
import { tmpDir, fakeClock } from './test-support/tmp.ts';
import { pixelCacheFile, readPixelCache, writePixelCache } from './pixel-cache.ts';
import type { Store } from './project.ts';

const open: Store[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.close(); });

describe('pixel cache', () => {
  it('round-trips bytes and refuses a file that is short, damaged, of another size or another data set', async () => {
    const s = await createProject(tmpDir(), { now: fakeClock() });
    open.push(s);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    expect(readPixelCache(s, 3, 'test', 1000, 'ds')).toBeNull(); // nothing yet
    expect(writePixelCache(s, 3, 'test', bytes, 'ds')).toBe(true);
    expect(readPixelCache(s, 3, 'test', 1000, 'ds')).toEqual(bytes);
    expect(readPixelCache(s, 3, 'test', 999, 'ds')).toBeNull();
    expect(readPixelCache(s, 3, 'test', 1000, 'another data set')).toBeNull();
    const file = pixelCacheFile(s, 3, 'test');
    const raw = fs.readFileSync(file);
    raw[500] ^= 0xff;
    fs.writeFileSync(file, raw);
    expect(readPixelCache(s, 3, 'test', 1000, 'ds')).toBeNull();
    fs.writeFileSync(file, raw.subarray(0, 300));
    expect(readPixelCache(s, 3, 'test', 1000, 'ds')).toBeNull();
    expect(pixelCacheFile(s, 1, 'a/b')).toMatch(/cache\/pixels\/1-a%2fb\.bin$/);
  });

  it('is written at import and again by getSplit when missing, used in a new process, and falls back to the BLOBs when damaged', async () => {
    const dir = tmpDir();
    const s = await createProject(dir, { now: fakeClock() });
    const ds = fakeDataset({ test: 50 });
    const id = await insertDataset(s, 'toy', ds, null);
    const file = pixelCacheFile(s, id, 'test');
    const d0 = await getDataset(s, id);
    expect(readPixelCache(s, id, 'test', ds.splits[0].pixels.length, `${d0.name}\u0000${d0.created}`)).toEqual(ds.splits[0].pixels); // by the import
    fs.rmSync(file);
    const first = await getSplit(s, id, 'test');
    expect(first.pixels).toEqual(ds.splits[0].pixels);
    expect(fs.existsSync(file)).toBe(true); // written again from the BLOBs
    await s.close();
    const again = await openProject(dir);
    expect((await getSplit(again, id, 'test')).pixels).toEqual(ds.splits[0].pixels);
    // Proof that a new process reads the file: a valid file with other bytes is what it returns.
    const d = await getDataset(again, id);
    const marked = Uint8Array.from(ds.splits[0].pixels as Uint8Array, (v) => v ^ 1);
    writePixelCache(again, id, 'test', marked, `${d.name}\u0000${d.created}`);
    await again.close();
    const fourth = await openProject(dir);
    expect((await getSplit(fourth, id, 'test')).pixels).toEqual(marked);
    await fourth.close();
    writePixelCache(s, id, 'test', ds.splits[0].pixels as Uint8Array, `${d.name}\u0000${d.created}`);
    const raw = fs.readFileSync(file);
    raw[raw.length - 1] ^= 0x55;
    fs.writeFileSync(file, raw);
    const third = await openProject(dir, { readOnly: true });
    try {
      expect((await getSplit(third, id, 'test')).pixels).toEqual(ds.splits[0].pixels); // from the BLOBs
      expect(fs.readFileSync(file)).toEqual(raw); // read-only: not rewritten
    } finally {
      await third.close();
    }
  });
});
