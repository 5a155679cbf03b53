/**
 * Raw activation files: `activations/ckpt-<id>/<layer>.f32|.f16`, append-only, rows of `units`
 * values (little-endian float32 or IEEE half). DuckDB's `activation_chunks` table is the index;
 * bytes beyond the last committed chunk of a file are garbage from an interrupted write.
 *
 * Write protocol (crash safety; activation-appender.ts carries it out): an extraction job, alone
 * on its checkpoint's files, cuts each file back to its last committed byte when it first opens
 * it, appends a batch's rows (write + fsync on the thread pool), inserts the batch's index rows in
 * a transaction and commits only once those bytes are durable. A crash before COMMIT leaves only
 * an uncovered tail, which the next job or the next open of the project truncates.
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
