import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { FITS_PER_CHECKPOINT, fileFitCache } from './fit-cache-files.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'margin-fitcache-'));
const key = (i: number) => i.toString(16).padStart(32, '0');

describe('file fit cache', () => {
  it('returns what was stored; a damaged, truncated or foreign file is a miss', () => {
    const dir = path.join(tmp(), 'cache', 'fits');
    const c = fileFitCache(dir, 3);
    expect(c.get(key(1))).toBeNull();
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    c.set(key(1), bytes);
    expect(Array.from(c.get(key(1))!)).toEqual(Array.from(bytes));
    const file = path.join(dir, `ckpt-3-${key(1)}.bin`);
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Another checkpoint does not see it.
    expect(fileFitCache(dir, 4).get(key(1))).toBeNull();
    const buf = fs.readFileSync(file);
    buf[100] ^= 1;
    fs.writeFileSync(file, buf);
    expect(c.get(key(1))).toBeNull();
    fs.writeFileSync(file, buf.subarray(0, 50));
    expect(c.get(key(1))).toBeNull();
    // A file renamed to another key fails the key-seeded CRC.
    c.set(key(2), bytes);
    fs.copyFileSync(path.join(dir, `ckpt-3-${key(2)}.bin`), path.join(dir, `ckpt-3-${key(5)}.bin`));
    expect(c.get(key(5))).toBeNull();
    expect(() => c.get('../x')).toThrow(/hex digits/);
  });

  it('writes nothing when read-only, and keeps the newest files per checkpoint', () => {
    const dir = path.join(tmp(), 'fits');
    fileFitCache(dir, 1, { readOnly: true }).set(key(1), new Uint8Array(10));
    expect(fs.existsSync(dir)).toBe(false);
    const c = fileFitCache(dir, 1);
    const other = fileFitCache(dir, 2);
    other.set(key(99), new Uint8Array(4));
    for (let i = 0; i < FITS_PER_CHECKPOINT + 3; i++) {
      c.set(key(i), new Uint8Array([i]));
      const f = path.join(dir, `ckpt-1-${key(i)}.bin`);
      fs.utimesSync(f, new Date(1e12 + i * 1000), new Date(1e12 + i * 1000)); // distinct, increasing times
    }
    const left = fs.readdirSync(dir).filter((f) => f.startsWith('ckpt-1-')).sort();
    expect(left.length).toBe(FITS_PER_CHECKPOINT);
    expect(left[0]).toBe(`ckpt-1-${key(3)}.bin`); // the three oldest went
    expect(other.get(key(99))).not.toBeNull();
  });

  it('bounds the whole folder by files and bytes, least recently used first; a hit counts as a use; stale temporary files go', () => {
    const dir = path.join(tmp(), 'fits');
    const at = (ck: number, i: number, t: number) => fs.utimesSync(path.join(dir, `ckpt-${ck}-${key(i)}.bin`), new Date(t), new Date(t));
    const payload = new Uint8Array(1000);
    // By count: 4 files over two checkpoints.
    const bounds = { maxFiles: 4 };
    for (let i = 0; i < 3; i++) { fileFitCache(dir, 1, { bounds }).set(key(i), payload); at(1, i, 1e12 + i * 1000); }
    // Checkpoint 1's oldest is read (used) now, so it outlives its neighbours.
    expect(fileFitCache(dir, 1, { readOnly: true }).get(key(0))).not.toBeNull();
    expect(fs.statSync(path.join(dir, `ckpt-1-${key(0)}.bin`)).mtimeMs).toBe(1e12); // a read-only hit changes nothing
    expect(fileFitCache(dir, 1).get(key(0))).not.toBeNull();
    for (let i = 10; i < 12; i++) { fileFitCache(dir, 2, { bounds }).set(key(i), payload); at(2, i, Date.now() + i); }
    expect(fs.readdirSync(dir).sort()).toEqual([`ckpt-1-${key(0)}.bin`, `ckpt-1-${key(2)}.bin`, `ckpt-2-${key(10)}.bin`, `ckpt-2-${key(11)}.bin`]);
    // By bytes: room for two files of 1,016 bytes.
    const small = { maxBytes: 2100 };
    const t0 = Date.now() + 60_000;
    fileFitCache(dir, 3, { bounds: small }).set(key(20), payload);
    expect(fs.readdirSync(dir)).toEqual([`ckpt-2-${key(11)}.bin`, `ckpt-3-${key(20)}.bin`].sort());
    at(3, 20, t0);
    // A temporary file an hour old is removed at the next write; a fresh one (a write under way) is not.
    const old = path.join(dir, `ckpt-3-${key(21)}.bin.1.1.tmp`), fresh = path.join(dir, `ckpt-3-${key(22)}.bin.1.2.tmp`);
    fs.writeFileSync(old, 'x'); fs.writeFileSync(fresh, 'x');
    fs.utimesSync(old, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    fileFitCache(dir, 3).set(key(23), new Uint8Array(8));
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
  });
});
