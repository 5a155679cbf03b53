/**
 * The project's sampler fit cache (samplers/fit-cache.ts): one file per fit,
 * `cache/fits/ckpt-<checkpoint id>-<key>.bin`, derived data like cache/pixels. The key is a hash of
 * the latent, labels and fit settings, so a file can only be found by the fit it holds; a missing,
 * short or damaged file is a miss and is written again. Layout: "MRGNFCH1", payload length as
 * uint32, CRC-32 of the payload seeded with the key as uint32, then the payload. Written to a
 * temporary name and renamed (readers never see half a file), best effort (a read-only project or
 * a full disk just means no cache). At most FITS_PER_CHECKPOINT files are kept per checkpoint: the
 * oldest go first.
 * Synchronous on purpose: it runs inside the sampler worker thread, between pure steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FitCache } from '../samplers/fit-cache.ts';

const MAGIC = Buffer.from('MRGNFCH1', 'latin1');
const HEADER = 16;
export const FITS_PER_CHECKPOINT = 8;

/** The cache folder of a project directory. */
export function fitCacheDir(projectDir: string): string {
  return path.join(projectDir, 'cache', 'fits');
}

export function fileFitCache(dir: string, checkpointId: number, opts: { readOnly?: boolean } = {}): FitCache {
  if (!Number.isInteger(checkpointId) || checkpointId < 0) throw new Error(`fit cache: checkpointId must be a non-negative integer, got ${checkpointId}`);
  const prefix = `ckpt-${checkpointId}-`;
  const file = (key: string) => {
    if (!/^[0-9a-f]{8,64}$/.test(key)) throw new Error('fit cache: a key must be 8–64 lowercase hex digits');
    return path.join(dir, `${prefix}${key}.bin`);
  };
  return {
    get(key) {
      const f = file(key);
      let buf: Buffer;
      try {
        buf = fs.readFileSync(f);
      } catch {
        return null;
      }
      if (buf.byteLength < HEADER || !buf.subarray(0, 8).equals(MAGIC)) return null;
      const len = buf.readUInt32LE(8);
      if (buf.byteLength !== HEADER + len) return null;
      const payload = new Uint8Array(buf.buffer, buf.byteOffset + HEADER, len);
      if (zlib.crc32(payload, zlib.crc32(key)) !== buf.readUInt32LE(12)) return null;
      return payload;
    },
    set(key, bytes) {
      if (opts.readOnly) return;
      const target = file(key);
      const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
      try {
        fs.mkdirSync(dir, { recursive: true });
        const header = Buffer.alloc(HEADER);
        MAGIC.copy(header, 0);
        header.writeUInt32LE(bytes.byteLength, 8);
        header.writeUInt32LE(zlib.crc32(bytes, zlib.crc32(key)), 12);
        const fd = fs.openSync(tmp, 'w');
        try {
          fs.writeSync(fd, header);
          for (let o = 0; o < bytes.byteLength; o += 1 << 20) fs.writeSync(fd, bytes, o, Math.min(1 << 20, bytes.byteLength - o));
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(tmp, target);
        prune(dir, prefix, target);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    },
  };
}

/** Keep the FITS_PER_CHECKPOINT newest files of a checkpoint (the one just written always stays). */
function prune(dir: string, prefix: string, keep: string): void {
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.bin')).map((f) => {
    const p = path.join(dir, f);
    return { p, t: p === keep ? Infinity : fs.statSync(p).mtimeMs };
  });
  files.sort((a, b) => b.t - a.t || (a.p < b.p ? -1 : 1));
  for (const f of files.slice(FITS_PER_CHECKPOINT)) fs.rmSync(f.p, { force: true });
}
