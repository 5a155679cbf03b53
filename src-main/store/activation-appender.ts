/**
 * One extraction job's appends to a checkpoint's layer files (format and crash-safety protocol:
 * activation-files.ts). The job holds the checkpoint's writer lock, so it alone appends to these
 * files while it runs; that lets it start writing a batch's bytes at once, at offsets it tracks
 * itself, while earlier batches' index rows are still being committed:
 *
 *   append(part)        → starts writing the rows on libuv's thread pool; returns the piece
 *                         (file, offsets) and a promise that settles when its bytes are written
 *   sync(pieces)        → waits for the pieces' writes, then fsyncs each of their files once
 *   insertIndex(pieces) → their index rows (inside the caller's transaction): the pieces of a
 *                         layer that follow each other in its file become one chunk row
 *   the caller awaits sync() before COMMIT; close() waits for every write.
 *
 * Bytes beyond the last committed chunk (a batch that never committed) are cut off when the
 * file is first opened by the next job, as recoverActivationFiles does when a project opens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import { concatTyped } from '../core/typed-arrays.ts';
import { BIGINT, INTEGER, TIMESTAMP, VARCHAR, timestampValue } from '@duckdb/node-api';
import { appendRows, intListColumn, queryRows } from './db.ts';
import { bytesPerValue, encodeRows, layerFileName, type ActivationDtype, type ChunkRecord } from './activation-files.ts';
import type { Store } from './project.ts';

export interface ChunkPart {
  layer: string;
  units: number;
  itemIds: Int32Array;
  /** Rows of `units` values; must stay unchanged until the chunk's bytes are durable. */
  data: Float32Array;
}

/** Rows of one layer being written: where they go, and when their bytes are written (not yet fsynced). */
export interface AppendedPiece {
  layer: string;
  file: string;
  dtype: ActivationDtype;
  units: number;
  itemIds: Int32Array;
  byteOffset: number;
  byteLength: number;
  written: Promise<void>;
}

interface OpenFile { fd: number; end: number }

type IndexRow = ChunkRecord & { layer: string };

/** In-process writer locks per (store, checkpoint): one extraction job writes a checkpoint's files at a time. */
const writers = new WeakMap<Store, Map<number, Promise<unknown>>>();

/** Runs fn while holding the checkpoint's writer lock (other jobs for the checkpoint wait their turn). */
export function withCheckpointWriter<T>(store: Store, checkpointId: number, fn: () => Promise<T>): Promise<T> {
  let m = writers.get(store);
  if (!m) writers.set(store, (m = new Map()));
  const tail = m.get(checkpointId) ?? Promise.resolve();
  const result = tail.then(fn, fn);
  const settled = result.catch(() => undefined);
  m.set(checkpointId, settled);
  void settled.then(() => { if (m!.get(checkpointId) === settled) m!.delete(checkpointId); });
  return result;
}

export class ActivationAppender {
  private readonly files = new Map<string, OpenFile>();
  private readonly writes = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly store: Store,
    private readonly checkpointId: number,
    private readonly dtype: ActivationDtype,
    /** Per layer: the last chunk number and the units stored so far. */
    private readonly layers: Map<string, { last: number; units: number }>,
    /** Per file: the end of its committed bytes. */
    private readonly committedEnd: Map<string, number>,
  ) {}

  /** Reads where the checkpoint's layers and files stand. Call it holding the checkpoint's writer lock. */
  static async open(store: Store, checkpointId: number, dtype: ActivationDtype): Promise<ActivationAppender> {
    const layerRows = await queryRows(store.conn,
      `SELECT layer, max(chunk_no)::INTEGER AS last, min(units)::INTEGER AS u FROM activation_chunks
       WHERE checkpoint_id = $1 GROUP BY layer`, [checkpointId]);
    const fileRows = await queryRows(store.conn,
      'SELECT file, max(byte_offset + byte_length)::BIGINT AS e FROM activation_chunks WHERE checkpoint_id = $1 GROUP BY file', [checkpointId]);
    return new ActivationAppender(store, checkpointId, dtype,
      new Map(layerRows.map((r) => [String(r.layer), { last: Number(r.last), units: Number(r.u) }])),
      new Map(fileRows.map((r) => [String(r.file), Number(r.e)])));
  }

  /** Starts writing rows of a layer at the end of its file; returns where they go and when they are written. */
  append(part: ChunkPart): AppendedPiece {
    const { layer, units, itemIds, data } = part;
    if (data.length !== itemIds.length * units) {
      throw new MarginError('INTERNAL', `layer ${layer}: ${data.length} values for ${itemIds.length} items × ${units} units`);
    }
    return this.appendEncoded({ layer, units, itemIds, bytes: encodeRows(data, this.dtype) });
  }

  /**
   * The same with rows already in the file's byte form (this appender's dtype): a cluster
   * shard's layer file (src-main/cluster/) is appended as it was written by the worker.
   */
  appendEncoded(part: { layer: string; units: number; itemIds: Int32Array; bytes: Uint8Array }): AppendedPiece {
    if (this.closed) throw new MarginError('INTERNAL', 'ActivationAppender.append: the appender is closed');
    const { layer, units, itemIds, bytes } = part;
    if (bytes.byteLength !== itemIds.length * units * bytesPerValue(this.dtype)) {
      throw new MarginError('INTERNAL', `layer ${layer}: ${bytes.byteLength} bytes for ${itemIds.length} items × ${units} units of ${this.dtype}`);
    }
    const prev = this.layers.get(layer);
    if (prev && prev.units !== units) {
      throw new MarginError('CONFLICT', `layer ${layer} of checkpoint ${this.checkpointId} has ${prev.units} units stored, the runner returned ${units}`);
    }
    if (!prev) this.layers.set(layer, { last: -1, units });
    const file = layerFileName(this.checkpointId, layer, this.dtype);
    const f = this.openFile(file);
    const offset = f.end;
    f.end += bytes.byteLength;
    const written = writeAll(f.fd, bytes, offset);
    this.writes.add(written);
    const forget = () => { this.writes.delete(written); };
    written.then(forget, forget);
    return { layer, file, dtype: this.dtype, units, itemIds, byteOffset: offset, byteLength: bytes.byteLength, written };
  }

  /** Waits until the pieces' bytes are written, then makes them durable: one fsync per file they touch. */
  async sync(pieces: AppendedPiece[]): Promise<void> {
    await Promise.all(pieces.map((p) => p.written));
    const fds = [...new Set(pieces.map((p) => this.files.get(p.file)!.fd))];
    await Promise.all(fds.map((fd) => new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())))));
  }

  /**
   * The index rows of these pieces, through one appender (inside the caller's transaction). A
   * layer's pieces that follow each other in its file become one chunk (their item ids joined):
   * a transaction of several compute batches adds one chunk per layer, not one per batch.
   */
  async insertIndex(pieces: AppendedPiece[]): Promise<void> {
    if (pieces.length === 0) return;
    const rows: IndexRow[] = [];
    const open = new Map<string, { row: IndexRow; ids: Int32Array[] }>();
    for (const p of pieces) {
      const cur = open.get(p.layer);
      if (cur && cur.row.file === p.file && cur.row.byteOffset + cur.row.byteLength === p.byteOffset) {
        cur.row.byteLength += p.byteLength;
        cur.ids.push(p.itemIds);
        continue;
      }
      if (cur) cur.row.itemIds = concatTyped(cur.ids);
      const layer = this.layers.get(p.layer)!;
      layer.last += 1;
      const row: IndexRow = { layer: p.layer, chunkNo: layer.last, file: p.file, dtype: p.dtype, units: p.units, itemIds: p.itemIds, byteOffset: p.byteOffset, byteLength: p.byteLength };
      rows.push(row);
      open.set(p.layer, { row, ids: [p.itemIds] });
    }
    for (const { row, ids } of open.values()) row.itemIds = concatTyped(ids);
    const created = timestampValue(BigInt(Math.round(this.store.now())) * 1000n);
    await appendRows(this.store.conn, 'activation_chunks', rows.length, [
      { type: INTEGER, get: () => this.checkpointId },
      { type: VARCHAR, get: (i) => rows[i].layer },
      { type: INTEGER, get: (i) => rows[i].chunkNo },
      { type: VARCHAR, get: (i) => rows[i].file },
      { type: VARCHAR, get: (i) => rows[i].dtype },
      { type: INTEGER, get: (i) => rows[i].units },
      intListColumn(rows.map((r) => r.itemIds)),
      { type: INTEGER, get: (i) => rows[i].itemIds.length },
      { type: BIGINT, get: (i) => BigInt(rows[i].byteOffset) },
      { type: BIGINT, get: (i) => BigInt(rows[i].byteLength) },
      { type: TIMESTAMP, get: () => created },
    ]);
  }

  /** Waits for every write started (whatever their outcome) and closes the files. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.writes]);
    for (const f of this.files.values()) fs.closeSync(f.fd);
    this.files.clear();
  }

  /** Opens a layer file once per job, cutting off any bytes no committed chunk covers. */
  private openFile(file: string): OpenFile {
    let f = this.files.get(file);
    if (f) return f;
    const abs = path.join(this.store.dir, file);
    const isNew = !fs.existsSync(abs);
    if (isNew) fs.mkdirSync(path.dirname(abs), { recursive: true });
    const fd = fs.openSync(abs, isNew ? 'w+' : 'r+');
    const end = this.committedEnd.get(file) ?? 0;
    try {
      fs.ftruncateSync(fd, end);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    if (isNew) fsyncDir(path.dirname(abs));
    f = { fd, end };
    this.files.set(file, f);
    return f;
  }
}

/**
 * Bytes per write() call. Measured here (Linux 6.18, ext4): 232 MB into new files take 40–80 ms
 * in writes of 128 KiB–512 KiB but 300–500 ms in writes of 8 MiB (large writes make the kernel
 * allocate large page-cache folios, which is slow on this VM's memory).
 */
export const WRITE_PIECE = 256 * 1024;

/**
 * Write `bytes` at `offset` in WRITE_PIECE pieces on libuv's thread pool; the JS thread stays
 * free. Every piece is issued at once (positioned writes): issuing the next piece from the
 * previous one's callback needs the JS thread, which ONNX Runtime holds for whole runs, and made
 * a 46 MB batch take ~250 ms to write instead of ~60 ms.
 */
async function writeAll(fd: number, bytes: Uint8Array, offset: number): Promise<void> {
  const pieces: Promise<void>[] = [];
  for (let at = 0; at < bytes.byteLength; at += WRITE_PIECE) {
    const n = Math.min(WRITE_PIECE, bytes.byteLength - at);
    pieces.push(new Promise<void>((resolve, reject) => {
      fs.write(fd, bytes, at, n, offset + at, (err, k) => (err ? reject(err) : k !== n ? reject(new Error(`only ${k} of ${n} bytes were written (is the disk full?)`)) : resolve()));
    }));
  }
  await Promise.all(pieces);
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch {
    // Some file systems refuse fsync on directories; the file's own fsync still holds.
  }
}
