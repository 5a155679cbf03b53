/**
 * Data sets in the store: metadata, class names, one row per item (ids unique across the whole
 * project), pixels as chunked raw blobs per split, and an optional PNG thumbnail per item.
 */
import { BLOB, INTEGER, VARCHAR, blobValue } from '@duckdb/node-api';
import { MarginError, badInput } from '../shared/errors.ts';
import type { ImportedDataset } from '../datasets/types.ts';
import { appendRows, inTransaction, queryOne, queryRows, toBytes, toIso } from './db.ts';
import { readPixelCache, writePixelCache } from './pixel-cache.ts';
import { assertWritable } from './project.ts';
import type { Store } from './project.ts';

/** Encodes one item's pixels (H×W×C, values 0…scale) as PNG bytes; injected so the store has no image code. */
export type ThumbEncoder = (pixels: Uint8Array | Float32Array, h: number, w: number, c: number, scale: number) => Uint8Array;

/** Items per pixel blob: 4,096 Fashion-MNIST images make a 3 MB blob. */
export const PIXEL_CHUNK_ITEMS = 4096;

export interface DatasetSummary {
  id: number;
  name: string;
  format: string;
  height: number;
  width: number;
  channels: number;
  pixelScale: number;
  created: string;
  /** Items per split, e.g. { train: 60000, test: 10000 }. */
  splits: Record<string, number>;
}

export interface DatasetDetail extends DatasetSummary {
  classNames: string[];
}

export interface SplitData {
  split: string;
  /** Global item ids, in split order. */
  itemIds: Int32Array;
  labels: Int32Array;
  /** N*H*W*C values, NHWC; Uint8Array if imported as bytes, else Float32Array. */
  pixels: Uint8Array | Float32Array;
}

function validateDataset(name: string, ds: ImportedDataset): void {
  if (typeof name !== 'string' || name.trim() === '') throw badInput('insertDataset: name must be a non-empty string');
  if (!ds || !Array.isArray(ds.splits)) throw badInput('insertDataset: ds must be an ImportedDataset with splits');
  for (const k of ['height', 'width', 'channels'] as const) {
    if (!Number.isInteger(ds[k]) || ds[k] <= 0) throw badInput(`insertDataset: ${k} must be a positive integer, got ${ds[k]}`);
  }
  if (!(ds.pixelScale > 0) || !Number.isFinite(ds.pixelScale)) throw badInput(`insertDataset: pixelScale must be a positive number, got ${ds.pixelScale}`);
  if (ds.splits.length === 0) throw badInput('insertDataset: the data set has no splits');
  const seen = new Set<string>();
  const per = ds.height * ds.width * ds.channels;
  for (const s of ds.splits) {
    if (!s.split || seen.has(s.split)) throw badInput(`insertDataset: split names must be non-empty and distinct, got "${s.split}"`);
    seen.add(s.split);
    const n = s.labels.length;
    if (s.pixels.length !== n * per) {
      throw badInput(`insertDataset: split ${s.split} has ${s.pixels.length} pixel values for ${n} items of ${ds.height}×${ds.width}×${ds.channels}`);
    }
    if (s.sources.length !== n) throw badInput(`insertDataset: split ${s.split} has ${s.sources.length} sources for ${n} items`);
    for (let i = 0; i < n; i++) {
      const l = s.labels[i];
      if (l < 0 || l >= ds.classNames.length) {
        throw badInput(`insertDataset: split ${s.split} item ${i} has label ${l}, outside the ${ds.classNames.length} class names`);
      }
    }
  }
}

/**
 * Insert a whole data set in one transaction: nothing is left behind if anything fails.
 * encodeThumb may be null to skip thumbnails. A duplicate name is a CONFLICT.
 */
export async function insertDataset(store: Store, name: string, ds: ImportedDataset, encodeThumb: ThumbEncoder | null): Promise<number> {
  assertWritable(store, 'insertDataset');
  validateDataset(name, ds);
  const { conn } = store;
  const id = await store.lock.run(() => inTransaction(conn, async () => {
    const dup = await queryOne(conn, 'SELECT id FROM datasets WHERE name = $1', [name]);
    if (dup) throw new MarginError('CONFLICT', `a data set named "${name}" already exists (id ${dup.id}): choose another name or delete it first`);
    const idRow = await queryOne(conn, `SELECT nextval('seq_datasets')::INTEGER AS id`);
    const id = Number(idRow!.id);
    await conn.run('INSERT INTO datasets VALUES ($1, $2, $3, $4, $5, $6, $7, epoch_ms($8))',
      [id, name, ds.format, ds.height, ds.width, ds.channels, ds.pixelScale, Math.round(store.now())]);
    await appendRows(conn, 'classes', ds.classNames.length, [
      { type: INTEGER, get: () => id },
      { type: INTEGER, get: (i) => i },
      { type: VARCHAR, get: (i) => String(ds.classNames[i]) },
    ]);
    const base = Number((await queryOne(conn, 'SELECT coalesce(max(item_id) + 1, 0)::INTEGER AS b FROM items'))!.b);
    let next = base;
    const per = ds.height * ds.width * ds.channels;
    for (const s of ds.splits) {
      const first = next;
      await appendRows(conn, 'items', s.labels.length, [
        { type: INTEGER, get: (i) => first + i },
        { type: INTEGER, get: () => id },
        { type: VARCHAR, get: () => s.split },
        { type: INTEGER, get: (i) => i },
        { type: INTEGER, get: (i) => s.labels[i] },
        { type: VARCHAR, get: (i) => s.sources[i] },
      ]);
      const dtype = s.pixels instanceof Uint8Array ? 'uint8' : 'float32';
      const nChunks = Math.ceil(s.labels.length / PIXEL_CHUNK_ITEMS);
      await appendRows(conn, 'item_pixels', nChunks, [
        { type: INTEGER, get: () => id },
        { type: VARCHAR, get: () => s.split },
        { type: INTEGER, get: (k) => k },
        { type: INTEGER, get: (k) => k * PIXEL_CHUNK_ITEMS },
        { type: INTEGER, get: (k) => Math.min(PIXEL_CHUNK_ITEMS, s.labels.length - k * PIXEL_CHUNK_ITEMS) },
        { type: VARCHAR, get: () => dtype },
        {
          type: BLOB, get: (k) => {
            const a = k * PIXEL_CHUNK_ITEMS * per;
            const b = Math.min(s.labels.length, (k + 1) * PIXEL_CHUNK_ITEMS) * per;
            const part = s.pixels.subarray(a, b);
            return blobValue(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
          },
        },
      ]);
      if (encodeThumb) {
        await appendRows(conn, 'thumbnails', s.labels.length, [
          { type: INTEGER, get: (i) => first + i },
          { type: BLOB, get: (i) => blobValue(encodeThumb(s.pixels.subarray(i * per, (i + 1) * per), ds.height, ds.width, ds.channels, ds.pixelScale)) },
        ]);
      }
      next += s.labels.length;
    }
    return id;
  }));
  // A bulk write: fold DuckDB's write-ahead log into the database file now, so that opening the
  // project does not replay it and the next job's commits do not pay for it (its first
  // extraction's last commit did: ~0.13 s after importing 10,000 28×28 images).
  await store.lock.run(() => store.conn.run('CHECKPOINT')).catch(() => undefined);
  // The pixels are at hand: write their plain-file copies now, so the first extraction need not
  // read them back out of the BLOBs (best effort, like every cache write).
  const { created } = await getDataset(store, id);
  for (const s of ds.splits) {
    const px = s.pixels;
    writePixelCache(store, id, s.split, px instanceof Uint8Array ? px : new Uint8Array(px.buffer, px.byteOffset, px.byteLength), splitIdentity(name, created));
  }
  return id;
}

/** What a split's pixel cache is checked against: the data set's name and creation time. */
function splitIdentity(name: string, created: string): string {
  return `${name}\u0000${created}`;
}

export async function listDatasets(store: Store): Promise<DatasetSummary[]> {
  const rows = await queryRows(store.conn, 'SELECT * FROM datasets ORDER BY id');
  const counts = await queryRows(store.conn,
    'SELECT dataset_id, split, count(*)::INTEGER AS n, min(item_id) AS first FROM items GROUP BY ALL ORDER BY dataset_id, first');
  return rows.map((r) => {
    const splits: Record<string, number> = {};
    for (const c of counts) if (c.dataset_id === r.id) splits[String(c.split)] = Number(c.n);
    return {
      id: Number(r.id), name: String(r.name), format: String(r.format), height: Number(r.h), width: Number(r.w),
      channels: Number(r.c), pixelScale: Number(r.pixel_scale), created: toIso(r.created), splits,
    };
  });
}

/** Look a data set up by id or name. */
export async function getDataset(store: Store, idOrName: number | string): Promise<DatasetDetail> {
  const all = await listDatasets(store);
  const d = all.find((x) => (typeof idOrName === 'number' ? x.id === idOrName : x.name === idOrName));
  if (!d) {
    throw new MarginError('NOT_FOUND', `data set ${JSON.stringify(idOrName)} does not exist; known: ${all.map((x) => x.name).join(', ') || '(none)'}`);
  }
  const classes = await queryRows(store.conn, 'SELECT name FROM classes WHERE dataset_id = $1 ORDER BY label', [d.id]);
  return { ...d, classNames: classes.map((c) => String(c.name)) };
}

/** Pixels, labels and item ids of one split, as one typed array each. */
/**
 * The last splits read per store. Items and pixels never change once imported, and reading a
 * split's pixels back through DuckDB costs ~0.15 s per 10,000 28×28 images, which every lazy
 * extraction (one per query on a cold sample) would otherwise pay again.
 */
const recentSplits = new WeakMap<Store, Map<string, Promise<SplitData>>>();
const RECENT_SPLITS = 2;

/** One split's items and pixels. The arrays are shared with later callers: treat them as read-only. */
export async function getSplit(store: Store, datasetId: number, split: string): Promise<SplitData> {
  let recent = recentSplits.get(store);
  if (!recent) recentSplits.set(store, (recent = new Map()));
  const key = `${datasetId}/${split}`;
  let p = recent.get(key);
  if (p) {
    recent.delete(key); // most recent last
    recent.set(key, p);
    return p;
  }
  p = readSplit(store, datasetId, split);
  recent.set(key, p);
  p.catch(() => recent.delete(key));
  while (recent.size > RECENT_SPLITS) recent.delete(recent.keys().next().value!);
  return p;
}

async function readSplit(store: Store, datasetId: number, split: string): Promise<SplitData> {
  // The data set's own row only (getDataset counts every split's items: ~20 ms more).
  const row = Number.isInteger(datasetId) ? await queryOne(store.conn, 'SELECT name, h, w, c, created FROM datasets WHERE id = $1', [datasetId]) : null;
  if (!row) await getDataset(store, datasetId); // throws NOT_FOUND naming the known data sets
  const d = { name: String(row!.name), height: Number(row!.h), width: Number(row!.w), channels: Number(row!.c), created: toIso(row!.created) };
  const items = await store.conn.runAndReadAll(
    'SELECT item_id, label FROM items WHERE dataset_id = $1 AND split = $2 ORDER BY split_index', [datasetId, split]);
  const cols = items.getColumnsJS();
  const n = items.currentRowCount;
  if (n === 0) {
    const splits = Object.keys((await getDataset(store, datasetId)).splits);
    throw badInput(`getSplit: data set ${d.name} has no split "${split}"; splits: ${splits.join(', ')}`);
  }
  const itemIds = Int32Array.from((cols[0] ?? []) as number[]);
  const labels = Int32Array.from((cols[1] ?? []) as number[]);
  const per = d.height * d.width * d.channels;
  const kind = await store.conn.runAndReadAll('SELECT dtype FROM item_pixels WHERE dataset_id = $1 AND split = $2 LIMIT 1', [datasetId, split]);
  const isU8 = kind.currentRowCount === 0 || kind.getColumnsJS()[0][0] === 'uint8';
  const expected = n * per * (isU8 ? 1 : 4);
  // A plain-file copy (pixel-cache.ts) when there is a good one; else the BLOBs, then the copy.
  const identity = splitIdentity(d.name, d.created);
  let bytes = readPixelCache(store, datasetId, split, expected, identity);
  if (!bytes) {
    // Raw BLOB values (not the JS conversion of each row object): about half the time here.
    const chunks = await store.conn.runAndReadAll(
      'SELECT data FROM item_pixels WHERE dataset_id = $1 AND split = $2 ORDER BY chunk_no', [datasetId, split]);
    const [blobs = []] = chunks.getColumns() as [Array<{ bytes: Uint8Array }>];
    const stored = blobs.reduce((a, b) => a + b.bytes.byteLength, 0);
    if (stored !== expected) throw new MarginError('INTERNAL', `pixels of ${d.name}/${split} hold ${stored} bytes, expected ${expected}`);
    bytes = new Uint8Array(expected);
    let off = 0;
    for (const b of blobs) { bytes.set(b.bytes, off); off += b.bytes.byteLength; }
    writePixelCache(store, datasetId, split, bytes, identity);
  }
  if (!isU8 && bytes.byteOffset % 4 !== 0) bytes = bytes.slice(); // Float32Array views need 4-byte alignment
  const pixels = isU8 ? bytes : new Float32Array(bytes.buffer, bytes.byteOffset, expected / 4);
  return { split, itemIds, labels, pixels };
}

/** PNG bytes of one item's thumbnail, or null if none was stored. */
export async function getThumbnail(store: Store, itemId: number): Promise<Uint8Array | null> {
  const r = await queryOne(store.conn, 'SELECT png FROM thumbnails WHERE item_id = $1', [itemId]);
  return r ? toBytes(r.png) : null;
}
