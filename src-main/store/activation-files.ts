/**
 * Raw activation files: `activations/ckpt-<id>/<layer>.f32|.f16`, append-only, rows of `units`
 * values (little-endian float32 or IEEE half). DuckDB's `activation_chunks` table is the index;
 * bytes beyond the last committed chunk of a file are garbage from an interrupted write.
 *
 * Write protocol (crash safety): inside the caller's transaction, cut the file back to its last
 * committed byte, append the new bytes and insert the index row; the bytes are fsynced before the
 * caller commits (appendChunk waits for it, or hands the pending fsync to the caller, who waits
 * for all of a batch's files at once). A crash before COMMIT leaves only an uncovered tail, which
 * the next write or open truncates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import { encodeFloat16, decodeFloat16 } from './float16.ts';
import { queryRows } from './db.ts';
import type { Store } from './project.ts';

export type ActivationDtype = 'float32' | 'float16';

export function bytesPerValue(dtype: ActivationDtype): number {
  return dtype === 'float16' ? 2 : 4;
}

/** Layer names may hold '/', ':' … — percent-encode anything outside a safe set so names stay distinct. */
export function layerFileName(checkpointId: number, layer: string, dtype: ActivationDtype): string {
  const safe = layer.replace(/[^A-Za-z0-9_.-]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).padStart(2, '0'));
  return `activations/ckpt-${checkpointId}/${safe}.${dtype === 'float16' ? 'f16' : 'f32'}`;
}

export interface ChunkRecord {
  chunkNo: number;
  file: string; // relative to the project folder
  dtype: ActivationDtype;
  units: number;
  itemIds: Int32Array;
  byteOffset: number;
  byteLength: number;
}

/** Encode rows to the file's byte form. */
export function encodeRows(data: Float32Array, dtype: ActivationDtype): Uint8Array {
  if (dtype === 'float32') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const half = encodeFloat16(data);
  return new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
}

/** Decode `bytes` of the given dtype into out (float32). bytes must be aligned to its element size. */
export function decodeInto(bytes: Uint8Array, dtype: ActivationDtype, out: Float32Array): void {
  if (dtype === 'float32') {
    new Uint8Array(out.buffer, out.byteOffset, bytes.byteLength).set(bytes);
  } else {
    decodeFloat16(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2), out);
  }
}

/** End of the committed bytes of a file according to the index (0 if it has no chunks). */
async function committedEnd(store: Store, file: string): Promise<number> {
  const r = await queryRows(store.conn,
    'SELECT coalesce(max(byte_offset + byte_length), 0)::BIGINT AS e FROM activation_chunks WHERE file = $1', [file]);
  return Number(r[0].e);
}

function writeAt(fd: number, bytes: Uint8Array, position: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    fs.write(fd, bytes, 0, bytes.byteLength, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

/** fsync a file descriptor on libuv's thread pool (the JS thread stays free), then close it. */
function syncAndClose(fd: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    fs.fsync(fd, (err) => {
      fs.close(fd, (err2) => (err ?? err2 ? reject(err ?? err2) : resolve()));
    });
  });
}

/**
 * Append one chunk of rows for (checkpoint, layer) and insert its index row. Must run inside a
 * transaction held under store.lock. The file bytes must be durable before that transaction
 * commits: without `pendingSyncs` appendChunk waits for the write and fsync itself; with it, they
 * run in the background, their promise is pushed there, and the caller awaits them all before
 * COMMIT (so a batch's layer files are written while its index rows and predictions are inserted
 * and the next batch computes). `data` must stay unchanged until then.
 */
export async function appendChunk(
  store: Store, checkpointId: number, layer: string, dtype: ActivationDtype, units: number,
  itemIds: Int32Array, data: Float32Array, pendingSyncs?: Array<Promise<void>>,
): Promise<ChunkRecord> {
  if (data.length !== itemIds.length * units) {
    throw new MarginError('INTERNAL', `layer ${layer}: ${data.length} values for ${itemIds.length} items × ${units} units`);
  }
  const prev = await queryRows(store.conn,
    `SELECT coalesce(max(chunk_no), -1)::INTEGER AS last, min(units)::INTEGER AS u FROM activation_chunks
     WHERE checkpoint_id = $1 AND layer = $2`, [checkpointId, layer]);
  if (prev[0].u !== null && Number(prev[0].u) !== units) {
    throw new MarginError('CONFLICT', `layer ${layer} of checkpoint ${checkpointId} has ${prev[0].u} units stored, the runner returned ${units}`);
  }
  const chunkNo = Number(prev[0].last) + 1;
  const file = layerFileName(checkpointId, layer, dtype);
  const abs = path.join(store.dir, file);
  const offset = await committedEnd(store, file);
  const isNew = !fs.existsSync(abs);
  if (isNew) fs.mkdirSync(path.dirname(abs), { recursive: true });
  const bytes = encodeRows(data, dtype);
  const fd = fs.openSync(abs, isNew ? 'w+' : 'r+');
  try {
    fs.ftruncateSync(fd, offset); // drop any tail an interrupted write left behind
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  if (isNew) fsyncDir(path.dirname(abs));
  // Write and fsync on libuv's thread pool, so the JS thread meanwhile inserts the index rows and
  // runs the next batch's forward pass (new file pages cost ~0.25–0.3 GB/s on this VM: writing
  // is the slowest part of extraction, see README).
  const durable = (async () => {
    try {
      let written = 0;
      while (written < bytes.byteLength) written += await writeAt(fd, bytes.subarray(written), offset + written);
    } catch (err) {
      await new Promise<void>((r) => fs.close(fd, () => r()));
      throw err;
    }
    await syncAndClose(fd);
  })();
  if (pendingSyncs) {
    durable.catch(() => undefined); // awaited by the caller before COMMIT
    pendingSyncs.push(durable);
  } else {
    await durable;
  }
  await store.conn.run(
    `INSERT INTO activation_chunks VALUES ($1, $2, $3, $4, $5, $6, $7::INTEGER[], $8, $9, $10, epoch_ms($11))`,
    [checkpointId, layer, chunkNo, file, dtype, units, '[' + Array.from(itemIds).join(',') + ']', itemIds.length,
      offset, bytes.byteLength, Math.round(store.now())]);
  return { chunkNo, file, dtype, units, itemIds, byteOffset: offset, byteLength: bytes.byteLength };
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch {
    // Some file systems refuse fsync on directories; the file's own fsync still holds.
  }
}

/** Index rows of one layer, in chunk order. */
export async function listChunks(store: Store, checkpointId: number, layer: string): Promise<ChunkRecord[]> {
  const rows = await queryRows(store.conn,
    `SELECT chunk_no, file, dtype, units, item_ids, byte_offset, byte_length FROM activation_chunks
     WHERE checkpoint_id = $1 AND layer = $2 ORDER BY chunk_no`, [checkpointId, layer]);
  return rows.map((r) => ({
    chunkNo: Number(r.chunk_no),
    file: String(r.file),
    dtype: r.dtype as ActivationDtype,
    units: Number(r.units),
    itemIds: Int32Array.from(r.item_ids as number[]),
    byteOffset: Number(r.byte_offset),
    byteLength: Number(r.byte_length),
  }));
}

/** Read `length` bytes at `position` of a project file into a fresh buffer. */
export function readBytes(store: Store, file: string, position: number, length: number, into?: Uint8Array): Uint8Array {
  const buf = into ?? new Uint8Array(length);
  const fd = openForRead(store, file);
  try {
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, buf, got, length - got, position + got);
      if (n === 0) {
        throw new MarginError('INTERNAL',
          `${file} is shorter than its index says (needs ${position + length} bytes): the activation file was truncated or edited; re-run the extraction for this checkpoint`);
      }
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

export function openForRead(store: Store, file: string): number {
  try {
    return fs.openSync(path.join(store.dir, file), 'r');
  } catch (err) {
    throw new MarginError('INTERNAL', `activation file ${file} is missing from ${store.dir} (${(err as Error).message}): re-run the extraction for this checkpoint`);
  }
}

/**
 * After a crash: cut every activation file back to the bytes its committed chunks cover, and
 * delete files no committed chunk refers to. Returns the number of bytes dropped.
 */
export async function recoverActivationFiles(store: Store): Promise<number> {
  const root = path.join(store.dir, 'activations');
  if (!fs.existsSync(root)) return 0;
  const ends = new Map<string, number>();
  for (const r of await queryRows(store.conn,
    'SELECT file, max(byte_offset + byte_length)::BIGINT AS e FROM activation_chunks GROUP BY file')) {
    ends.set(String(r.file), Number(r.e));
  }
  let dropped = 0;
  for (const sub of fs.readdirSync(root)) {
    const subAbs = path.join(root, sub);
    if (!fs.statSync(subAbs).isDirectory()) continue;
    for (const name of fs.readdirSync(subAbs)) {
      const rel = `activations/${sub}/${name}`;
      const abs = path.join(subAbs, name);
      const size = fs.statSync(abs).size;
      const end = ends.get(rel);
      if (end === undefined) {
        dropped += size;
        fs.rmSync(abs);
      } else if (size > end) {
        dropped += size - end;
        fs.truncateSync(abs, end);
      }
    }
  }
  return dropped;
}
