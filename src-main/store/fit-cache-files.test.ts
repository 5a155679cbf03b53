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
});
