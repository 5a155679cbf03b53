/**
 * The activation read path. A layer's activations for one checkpoint live in raw files indexed
 * by `activation_chunks`; readActivations returns them as a float32 matrix with rows in the
 * order asked. Whole layers are decoded once and kept in the store's byte-bounded LRU cache;
 * a small subset (a sample) of an uncached layer is read row by row with positional reads.
 */
import { MarginError, badInput } from '../shared/errors.ts';
import type { Matrix } from '../core/matrix.ts';
import { queryRows } from './db.ts';
import { bytesPerValue, decodeInto, listChunks, openForRead, readBytes } from './activation-files.ts';
import { assertIntact } from './activation-damage.ts';
import type { ChunkRecord } from './activation-files.ts';
import type { CachedLayer, Store } from './project.ts';
import fs from 'node:fs';

export interface ActivationMatrix extends Matrix<Float32Array> {
  /** Item id of each row. */
  itemIds: Int32Array;
}

/** Below this share of a layer's rows, an uncached read fetches just the rows instead of the whole layer. */
const ROW_READ_SHARE = 0.25;

export function cacheKey(checkpointId: number, layer: string): string {
  return `ckpt/${checkpointId}/${layer}`;
}

/** Forget cached matrices of a checkpoint (one layer, or all of them). Called by every writer. */
export function invalidateActivations(store: Store, checkpointId: number, layer?: string): void {
  if (layer === undefined) store.cache.deletePrefix(`ckpt/${checkpointId}/`);
  else store.cache.delete(cacheKey(checkpointId, layer));
}

/**
 * Activations of `layer` for `checkpointId`. With itemIds: rows in that order, or a NOT_FOUND
 * error whose details.missing lists the items not extracted yet (compute them, then retry).
 * Without: every extracted item, ascending by item id. The returned data may be shared with the
 * cache — treat it as read-only.
 */
export async function readActivations(
  store: Store, checkpointId: number, layer: string, itemIds?: Int32Array,
): Promise<ActivationMatrix> {
  if (!Number.isInteger(checkpointId)) throw badInput(`readActivations: checkpointId must be an integer, got ${checkpointId}`);
  if (typeof layer !== 'string' || layer === '') throw badInput('readActivations: layer must be a non-empty layer name');
  if (itemIds !== undefined && !(itemIds instanceof Int32Array)) throw badInput('readActivations: itemIds must be an Int32Array of item ids');

  const cached = store.cache.get(cacheKey(checkpointId, layer));
  if (cached) return itemIds ? gather(cached, itemIds, checkpointId, layer) : { ...cached.matrix, itemIds: cached.itemIds };

  // Under the writers' lock: never see (or cache) the index rows of a batch still being committed.
  const loaded = await store.lock.run(async () => {
    const chunks = await listChunks(store, checkpointId, layer);
    if (chunks.length === 0) await explainNothingExtracted(store, checkpointId, layer, itemIds);
    const totalRows = chunks.reduce((s, c) => s + c.itemIds.length, 0);
    if (itemIds && itemIds.length < totalRows * ROW_READ_SHARE) {
      // only the chunks holding asked items need to be whole
      const asked = new Set(itemIds);
      await assertIntact(store, checkpointId, layer, chunks.filter((c) => c.itemIds.some((id) => asked.has(id))));
      return readRows(store, chunks, itemIds, checkpointId, layer);
    }
    await assertIntact(store, checkpointId, layer, chunks);
    return loadAndCache(store, checkpointId, layer, chunks);
  });
  if ('matrix' in loaded) return itemIds ? gather(loaded, itemIds, checkpointId, layer) : { ...loaded.matrix, itemIds: loaded.itemIds };
  return loaded;
}

function loadAndCache(store: Store, checkpointId: number, layer: string, chunks: ChunkRecord[]): CachedLayer {
  const full = loadLayer(store, chunks);
  store.cache.set(cacheKey(checkpointId, layer), full, full.matrix.data.byteLength + full.itemIds.byteLength * 4);
  return full;
}

export interface ActivationView {
  /** The whole extracted layer (all items, ascending by id) as cached: read-only, shared. */
  matrix: Matrix<Float32Array>;
  itemIds: Int32Array;
  /** For each asked item, its row in `matrix`. */
  rows: Int32Array;
}

/**
 * Zero-copy access for queries that scan rows (means, top-k, argmax): instead of copying the
 * asked rows into a new matrix, return the cached layer and the row index of each asked item.
 * Fresh memory is the expensive part here (first touch runs at ~300 MB/s on this VM), so a
 * 5 % sample scanned this way costs only the arithmetic.
 */
export async function activationView(store: Store, checkpointId: number, layer: string, itemIds?: Int32Array): Promise<ActivationView> {
  if (!Number.isInteger(checkpointId)) throw badInput(`activationView: checkpointId must be an integer, got ${checkpointId}`);
  if (typeof layer !== 'string' || layer === '') throw badInput('activationView: layer must be a non-empty layer name');
  let full = store.cache.get(cacheKey(checkpointId, layer));
  if (!full) {
    full = await store.lock.run(async () => {
      const chunks = await listChunks(store, checkpointId, layer);
      if (chunks.length === 0) await explainNothingExtracted(store, checkpointId, layer, itemIds);
      await assertIntact(store, checkpointId, layer, chunks);
      return loadAndCache(store, checkpointId, layer, chunks);
    });
  }
  if (!itemIds) return { matrix: full.matrix, itemIds: full.itemIds, rows: Int32Array.from(full.itemIds.keys()) };
  const rows = new Int32Array(itemIds.length);
  const missing: number[] = [];
  for (let i = 0; i < itemIds.length; i++) {
    const r = full.rowOf.get(itemIds[i]);
    if (r === undefined) missing.push(itemIds[i]);
    else rows[i] = r;
  }
  if (missing.length > 0) throw missingError(checkpointId, layer, itemIds.length, missing);
  return { matrix: full.matrix, itemIds: full.itemIds, rows };
}

/** Which item ids of a layer are extracted (ascending). */
export async function extractedItems(store: Store, checkpointId: number, layer: string): Promise<Int32Array> {
  const rows = await queryRows(store.conn,
    `SELECT unnest(item_ids) AS i FROM activation_chunks WHERE checkpoint_id = $1 AND layer = $2 ORDER BY i`,
    [checkpointId, layer]);
  return Int32Array.from(rows, (r) => Number(r.i));
}

async function explainNothingExtracted(store: Store, checkpointId: number, layer: string, itemIds?: Int32Array): Promise<never> {
  const ck = await queryRows(store.conn, 'SELECT model_id FROM checkpoints WHERE id = $1', [checkpointId]);
  if (ck.length === 0) throw new MarginError('NOT_FOUND', `checkpoint ${checkpointId} does not exist`);
  const layers = await queryRows(store.conn, 'SELECT name FROM layers WHERE model_id = $1 ORDER BY ordinal', [Number(ck[0].model_id)]);
  if (!layers.some((l) => l.name === layer)) {
    throw badInput(`readActivations: layer "${layer}" is not a layer of checkpoint ${checkpointId}'s model; known layers: ${layers.map((l) => l.name).join(', ')}`);
  }
  const missing = itemIds ? Array.from(itemIds) : [];
  throw new MarginError('NOT_FOUND',
    `no activations of layer ${layer} are extracted for checkpoint ${checkpointId}: run an extraction with this layer first`,
    { checkpointId, layer, missing });
}

function rowBytes(c: ChunkRecord): number {
  return c.units * bytesPerValue(c.dtype);
}

/** Decode every chunk of a layer into one matrix (sorted by item id), one read per chunk run. */
function loadLayer(store: Store, chunks: ChunkRecord[]): CachedLayer {
  const units = chunks[0].units;
  const total = chunks.reduce((s, c) => s + c.itemIds.length, 0);
  const data = new Float32Array(total * units);
  const ids = new Int32Array(total);
  let row = 0;
  // Chunks of one file are contiguous, so read each file's committed range in one go.
  const byFile = new Map<string, ChunkRecord[]>();
  for (const c of chunks) (byFile.get(c.file) ?? byFile.set(c.file, []).get(c.file)!).push(c);
  for (const [file, list] of byFile) {
    const start = Math.min(...list.map((c) => c.byteOffset));
    const end = Math.max(...list.map((c) => c.byteOffset + c.byteLength));
    const dtype = list[0].dtype;
    if (dtype === 'float32' && list.every((c, i) => i === 0 || c.byteOffset === list[i - 1].byteOffset + list[i - 1].byteLength)) {
      // Read straight into the matrix: no intermediate buffer for float32.
      const dst = new Uint8Array(data.buffer, row * units * 4, end - start);
      readBytes(store, file, start, end - start, dst);
      for (const c of list) { ids.set(c.itemIds, row); row += c.itemIds.length; }
      continue;
    }
    const bytes = readBytes(store, file, start, end - start);
    for (const c of list) {
      decodeInto(bytes.subarray(c.byteOffset - start, c.byteOffset - start + c.byteLength), c.dtype,
        data.subarray(row * units, (row + c.itemIds.length) * units));
      ids.set(c.itemIds, row);
      row += c.itemIds.length;
    }
  }
  let sorted = true;
  for (let i = 1; i < ids.length; i++) if (ids[i] <= ids[i - 1]) { sorted = false; break; }
  let outIds = ids;
  let outData = data;
  if (!sorted) {
    // Extraction appends in item order, but a later run over other items may interleave ids.
    const order = Array.from(ids.keys()).sort((a, b) => ids[a] - ids[b]);
    outIds = Int32Array.from(order, (i) => ids[i]);
    outData = new Float32Array(data.length);
    order.forEach((src, dst) => outData.set(data.subarray(src * units, (src + 1) * units), dst * units));
  }
  const rowOf = new Map<number, number>();
  for (let i = 0; i < outIds.length; i++) rowOf.set(outIds[i], i);
  return { matrix: { rows: outIds.length, cols: units, data: outData }, itemIds: outIds, rowOf };
}

function missingError(checkpointId: number, layer: string, asked: number, missing: number[]): MarginError {
  const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? ', …' : '');
  return new MarginError('NOT_FOUND',
    `activations of layer ${layer} for checkpoint ${checkpointId} are not extracted for ${missing.length} of the ${asked} items asked (item ids ${shown}): extract them, then read again`,
    { checkpointId, layer, missing });
}

function gather(layer: CachedLayer, itemIds: Int32Array, checkpointId: number, name: string): ActivationMatrix {
  const { cols } = layer.matrix;
  const src = layer.matrix.data;
  const out = new Float32Array(itemIds.length * cols);
  const missing: number[] = [];
  for (let i = 0; i < itemIds.length; i++) {
    const r = layer.rowOf.get(itemIds[i]);
    if (r === undefined) { missing.push(itemIds[i]); continue; }
    out.set(src.subarray(r * cols, (r + 1) * cols), i * cols);
  }
  if (missing.length > 0) throw missingError(checkpointId, name, itemIds.length, missing);
  return { rows: itemIds.length, cols, data: out, itemIds: Int32Array.from(itemIds) };
}

/** Positional reads of just the asked rows (no caching): a 5 % sample costs a few hundred small reads. */
function readRows(store: Store, chunks: ChunkRecord[], itemIds: Int32Array, checkpointId: number, layer: string): ActivationMatrix {
  const where = new Map<number, { chunk: ChunkRecord; row: number }>();
  for (const c of chunks) for (let r = 0; r < c.itemIds.length; r++) where.set(c.itemIds[r], { chunk: c, row: r });
  const missing = Array.from(itemIds).filter((id) => !where.has(id));
  if (missing.length > 0) throw missingError(checkpointId, layer, itemIds.length, missing);
  const units = chunks[0].units;
  const out = new Float32Array(itemIds.length * units);
  const fds = new Map<string, number>();
  const scratch = new Uint8Array(units * 4);
  try {
    for (let i = 0; i < itemIds.length; i++) {
      const { chunk, row } = where.get(itemIds[i])!;
      let fd = fds.get(chunk.file);
      if (fd === undefined) { fd = openForRead(store, chunk.file); fds.set(chunk.file, fd); }
      const len = rowBytes(chunk);
      const buf = scratch.subarray(0, len);
      const n = fs.readSync(fd, buf, 0, len, chunk.byteOffset + row * len);
      if (n !== len) throw new MarginError('INTERNAL', `${chunk.file} is shorter than its index says: re-run the extraction for checkpoint ${checkpointId}`);
      decodeInto(buf, chunk.dtype, out.subarray(i * units, (i + 1) * units));
    }
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
  }
  return { rows: itemIds.length, cols: units, data: out, itemIds: Int32Array.from(itemIds) };
}
