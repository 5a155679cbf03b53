/**
 * The project's sampler fit cache (samplers/fit-cache.ts): one file per fit,
 * `cache/fits/ckpt-<checkpoint id>-<key>.bin`, derived data like cache/pixels. The key is a hash of
 * the latent, labels and fit settings, so a file can only be found by the fit it holds; a missing,
 * short or damaged file is a miss and is written again. Layout: "MRGNFCH1", payload length as
 * uint32, CRC-32 of the payload seeded with the key as uint32, then the payload. Written to a
 * temporary name and renamed (readers never see half a file), best effort (a read-only project or
 * a full disk just means no cache).
 *
 * Bounds, least recently used first out (a hit refreshes the file's time): at most
 * FITS_PER_CHECKPOINT files per checkpoint and, over the whole folder, at most FITS_MAX_FILES files
 * and FITS_MAX_BYTES bytes; temporary files a crash left behind go after an hour. Nothing is removed
 * when a checkpoint is re-extracted, and there is no need to: a key is a hash of the latent and the
 * labels, so a re-extracted checkpoint's fits have other keys and the old files are never read
 * again — they only take room until these bounds evict them. (The store has no model or
 * checkpoint deletion; a checkpoint id that comes again after a rolled-back import can likewise
 * never read a fit of other data.)
 * Synchronous on purpose: it runs inside the sampler and experiment worker threads, between pure steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { threadId } from 'node:worker_threads';
import type { FitCache } from '../samplers/fit-cache.ts';

const MAGIC = Buffer.from('MRGNFCH1', 'latin1');
const HEADER = 16;
/** One checkpoint: MaxMargin / weighted (per SVM setting), gmm-full (EM, variational), gmm-spherical, … */
export const FITS_PER_CHECKPOINT = 16;
/** The whole folder: a 10,000-item fit is 120 KB, a 1,000,000-item one 12 MB. */
export const FITS_MAX_FILES = 256;
export const FITS_MAX_BYTES = 512 * 2 ** 20;
/** A temporary file older than this was left by a crash (a write takes well under a second). */
const STALE_TMP_MS = 3600_000;

/** The cache folder of a project directory. */
export function fitCacheDir(projectDir: string): string {
  return path.join(projectDir, 'cache', 'fits');
}

export interface FitCacheBounds { perCheckpoint: number; maxFiles: number; maxBytes: number }

export function fileFitCache(dir: string, checkpointId: number, opts: { readOnly?: boolean; bounds?: Partial<FitCacheBounds> } = {}): FitCache {
  const bounds: FitCacheBounds = { perCheckpoint: FITS_PER_CHECKPOINT, maxFiles: FITS_MAX_FILES, maxBytes: FITS_MAX_BYTES, ...opts.bounds };
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
      if (!opts.readOnly) {
        try {
          const now = new Date();
          fs.utimesSync(f, now, now); // recently used: evicted last
        } catch { /* best effort */ }
      }
      return payload;
    },
    set(key, bytes) {
      if (opts.readOnly) return;
      const target = file(key);
      // Unique per thread: a sampler worker and an experiment worker of one process may write the same key at once.
      const tmp = `${target}.${process.pid}.${threadId}.${Date.now()}.tmp`;
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
        prune(dir, prefix, target, bounds);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    },
  };
}

/**
 * Keeps the newest `perCheckpoint` files of this checkpoint, then the newest files of the folder
 * within maxFiles and maxBytes (the one just written always stays), and drops stale temporary files.
 */
function prune(dir: string, prefix: string, keep: string, b: FitCacheBounds): void {
  const now = Date.now();
  const files: Array<{ p: string; name: string; t: number; size: number }> = [];
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      continue; // removed meanwhile
    }
    if (name.endsWith('.tmp')) {
      if (now - st.mtimeMs > STALE_TMP_MS) fs.rmSync(p, { force: true });
    } else if (name.endsWith('.bin')) {
      files.push({ p, name, t: p === keep ? Infinity : st.mtimeMs, size: st.size });
    }
  }
  files.sort((x, y) => y.t - x.t || (x.p < y.p ? -1 : 1));
  let own = 0, count = 0, bytes = 0;
  for (const f of files) {
    const mine = f.name.startsWith(prefix);
    const drop = f.t !== Infinity && ((mine && own >= b.perCheckpoint) || count >= b.maxFiles || bytes + f.size > b.maxBytes);
    if (drop) {
      fs.rmSync(f.p, { force: true });
      continue;
    }
    if (mine) own++;
    count++;
    bytes += f.size;
  }
}
