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

export interface ChunkPart {
  layer: string;
  units: number;
  itemIds: Int32Array;
  /** Rows of `units` values; must stay unchanged until the write is durable (see appendChunks). */
  data: Float32Array;
}

/**
 * Append one chunk of rows per part (one part per layer) for a checkpoint and insert their index
 * rows. Must run inside a transaction held under store.lock. The file bytes must be durable
 * before that transaction commits: without `pendingSyncs` appendChunks waits for the writes and
 * fsyncs itself; with it, they run on libuv's thread pool, their promises are pushed there, and
 * the caller awaits them all before COMMIT — so a batch's layer files are written while its
 * predictions are inserted and the next batch computes (new file pages cost ~0.25–0.3 GB/s on
 * this VM: writing is the slowest part of extraction, see README).
 */
export async function appendChunks(
  store: Store, checkpointId: number, dtype: ActivationDtype, parts: ChunkPart[], pendingSyncs?: Array<Promise<void>>,
): Promise<ChunkRecord[]> {
  if (parts.length === 0) return [];
  if (new Set(parts.map((p) => p.layer)).size !== parts.length) throw new MarginError('INTERNAL', 'appendChunks: one part per layer');
  for (const p of parts) {
    if (p.data.length !== p.itemIds.length * p.units) {
      throw new MarginError('INTERNAL', `layer ${p.layer}: ${p.data.length} values for ${p.itemIds.length} items × ${p.units} units`);
    }
  }
  // Where each layer's chunks and files stand: one query for all parts (this transaction's own
  // earlier rows included).
  const layerRows = await queryRows(store.conn,
    `SELECT layer, max(chunk_no)::INTEGER AS last, min(units)::INTEGER AS u FROM activation_chunks
     WHERE checkpoint_id = $1 GROUP BY layer`, [checkpointId]);
  const fileRows = await queryRows(store.conn,
    `SELECT file, max(byte_offset + byte_length)::BIGINT AS e FROM activation_chunks WHERE checkpoint_id = $1 GROUP BY file`, [checkpointId]);
  const lastChunk = new Map(layerRows.map((r) => [String(r.layer), { last: Number(r.last), units: Number(r.u) }]));
  const fileEnd = new Map(fileRows.map((r) => [String(r.file), Number(r.e)]));
  const records: ChunkRecord[] = [];
  const durable: Array<Promise<void>> = [];
  for (const p of parts) {
    const prev = lastChunk.get(p.layer);
    if (prev && prev.units !== p.units) {
      throw new MarginError('CONFLICT', `layer ${p.layer} of checkpoint ${checkpointId} has ${prev.units} units stored, the runner returned ${p.units}`);
    }
    const file = layerFileName(checkpointId, p.layer, dtype);
    const abs = path.join(store.dir, file);
    const offset = fileEnd.get(file) ?? 0;
    const isNew = !fs.existsSync(abs);
    if (isNew) fs.mkdirSync(path.dirname(abs), { recursive: true });
    const bytes = encodeRows(p.data, dtype);
    const fd = fs.openSync(abs, isNew ? 'w+' : 'r+');
    try {
      fs.ftruncateSync(fd, offset); // drop any tail an interrupted write left behind
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    if (isNew) fsyncDir(path.dirname(abs));
    durable.push(writeSyncClose(fd, bytes, offset));
    records.push({ chunkNo: (prev?.last ?? -1) + 1, file, dtype, units: p.units, itemIds: p.itemIds, byteOffset: offset, byteLength: bytes.byteLength });
  }
  try {
    const values: string[] = [];
    const params: Array<string | number> = [];
    for (const r of records) {
      const b = params.length;
      values.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}::INTEGER[], $${b + 8}, $${b + 9}, $${b + 10}, epoch_ms($${b + 11}))`);
      params.push(checkpointId, parts[records.indexOf(r)].layer, r.chunkNo, r.file, dtype, r.units, '[' + r.itemIds.join(',') + ']',
        r.itemIds.length, r.byteOffset, r.byteLength, Math.round(store.now()));
    }
    await store.conn.run(`INSERT INTO activation_chunks VALUES ${values.join(', ')}`, params);
  } catch (err) {
    await Promise.allSettled(durable);
    throw err;
  }
  if (pendingSyncs) {
    for (const d of durable) { d.catch(() => undefined); pendingSyncs.push(d); } // awaited by the caller before COMMIT
  } else {
    await Promise.all(durable);
  }
  return records;
}

/** appendChunks for one layer (waits until its bytes are durable). */
export async function appendChunk(
  store: Store, checkpointId: number, layer: string, dtype: ActivationDtype, units: number, itemIds: Int32Array, data: Float32Array,
): Promise<ChunkRecord> {
  return (await appendChunks(store, checkpointId, dtype, [{ layer, units, itemIds, data }]))[0];
}

/** Write `bytes` at `offset` and fsync on libuv's thread pool (the JS thread stays free), then close. */
async function writeSyncClose(fd: number, bytes: Uint8Array, offset: number): Promise<void> {
  try {
    let written = 0;
    while (written < bytes.byteLength) written += await writeAt(fd, bytes.subarray(written), offset + written);
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
  } finally {
    await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
  }
}

function writeAt(fd: number, bytes: Uint8Array, position: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    fs.write(fd, bytes, 0, bytes.byteLength, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
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
