/** Predictions and latent vectors per (checkpoint, item): bulk writes for extraction, matrix reads. */
import { BOOLEAN, FLOAT, INTEGER } from '@duckdb/node-api';
import { MarginError, badInput } from '../shared/errors.ts';
import type { Matrix } from '../core/matrix.ts';
import { appendRows, floatListColumn, queryOne, queryRows, readFloatListColumn } from './db.ts';
import type { Store } from './project.ts';
import { extractedItems, readActivations } from './activations.ts';

export interface PredictionRows {
  itemIds: Int32Array;
  trueLabels: Int32Array;
  predicted: Int32Array;
  probs: Float32Array; // [n, numClasses]
  logits: Float32Array; // [n, numClasses]
  numClasses: number;
}

/**
 * Append predictions (and correct flag, confidence = max prob) inside the caller's transaction,
 * straight into the table: float vectors go into the list columns as flat copies (floatListColumn).
 */
export async function writePredictions(store: Store, checkpointId: number, p: PredictionRows): Promise<void> {
  const n = p.itemIds.length;
  if (n === 0) return;
  const k = p.numClasses;
  await appendRows(store.conn, 'predictions', n, [
    { type: INTEGER, get: () => checkpointId },
    { type: INTEGER, get: (i) => p.itemIds[i] },
    { type: INTEGER, get: (i) => p.predicted[i] },
    { type: BOOLEAN, get: (i) => p.predicted[i] === p.trueLabels[i] },
    { type: FLOAT, get: (i) => { let m = -Infinity; for (let c = 0; c < k; c++) m = Math.max(m, p.probs[i * k + c]); return m; } },
    floatListColumn(p.probs, k),
    floatListColumn(p.logits, k),
  ]);
}

export interface ItemFilter {
  datasetId?: number;
  split?: string;
}

function filterSql(f: ItemFilter | undefined, first: number): { sql: string; params: (number | string)[] } {
  const parts: string[] = [];
  const params: (number | string)[] = [];
  if (f?.datasetId !== undefined) { params.push(f.datasetId); parts.push(`i.dataset_id = $${first + params.length - 1}`); }
  if (f?.split !== undefined) { params.push(f.split); parts.push(`i.split = $${first + params.length - 1}`); }
  return { sql: parts.map((p) => ' AND ' + p).join(''), params };
}

export interface Predictions {
  itemIds: Int32Array;
  predicted: Int32Array;
  trueLabels: Int32Array;
  correct: Uint8Array; // 1 = correctly classified
  confidence: Float32Array;
  probs: Matrix<Float32Array>;
  logits: Matrix<Float32Array>;
}

async function assertCheckpoint(store: Store, checkpointId: number, fn: string): Promise<number> {
  if (!Number.isInteger(checkpointId)) throw badInput(`${fn}: checkpointId must be an integer, got ${checkpointId}`);
  const r = await queryOne(store.conn,
    'SELECT m.num_classes FROM checkpoints c JOIN models m ON m.id = c.model_id WHERE c.id = $1', [checkpointId]);
  if (!r) throw new MarginError('NOT_FOUND', `checkpoint ${checkpointId} does not exist`);
  return Number(r.num_classes);
}

/** All stored predictions of a checkpoint (optionally of one data set / split), ascending by item id. */
export async function getPredictions(store: Store, checkpointId: number, filter?: ItemFilter): Promise<Predictions> {
  await assertCheckpoint(store, checkpointId, 'getPredictions');
  const f = filterSql(filter, 2);
  const head = await store.conn.runAndReadAll(
    `SELECT p.item_id, p.predicted, i.label, p.correct, p.confidence, len(p.probs)::INTEGER AS k FROM predictions p
     JOIN items i USING (item_id) WHERE p.checkpoint_id = $1${f.sql} ORDER BY p.item_id`, [checkpointId, ...f.params]);
  const cols = head.getColumnsJS();
  if (cols.length === 0) cols.push([], [], [], [], [], []);
  const n = head.currentRowCount;
  const k = n > 0 ? Number(cols[5][0]) : 0;
  const sel = (col: string) => `SELECT p.${col} FROM predictions p JOIN items i USING (item_id)
     WHERE p.checkpoint_id = $1${f.sql} ORDER BY p.item_id`;
  const probs = await readList(store, sel('probs'), [checkpointId, ...f.params], n, k);
  const logits = await readList(store, sel('logits'), [checkpointId, ...f.params], n, k);
  return {
    itemIds: Int32Array.from(cols[0] as number[]),
    predicted: Int32Array.from(cols[1] as number[]),
    trueLabels: Int32Array.from(cols[2] as number[]),
    correct: Uint8Array.from(cols[3] as boolean[], (b) => (b ? 1 : 0)),
    confidence: Float32Array.from(cols[4] as number[]),
    probs: { rows: n, cols: k, data: probs },
    logits: { rows: n, cols: k, data: logits },
  };
}

async function readList(store: Store, sql: string, params: (number | string)[], n: number, dim: number): Promise<Float32Array> {
  return readFloatListColumn(store.conn, sql, params, 0, n, dim);
}

/**
 * The latent vectors of a checkpoint as an n × dim matrix, ascending by item id. An item's latent
 * vector is its activation at the model's latent layer, stored once, in that layer's files (as
 * float32, whatever dtype the other layers were extracted in). Projects extracted before this
 * kept them in the `latents` table: those rows are still read, for the items not in the files.
 */
export async function getLatent(store: Store, checkpointId: number, filter?: ItemFilter): Promise<Matrix<Float32Array> & { itemIds: Int32Array }> {
  await assertCheckpoint(store, checkpointId, 'getLatent');
  const layer = await latentLayerOf(store, checkpointId);
  const f = filterSql(filter, 2);
  let inFiles = await extractedItems(store, checkpointId, layer);
  const g = filterSql(filter, 1);
  if (g.sql) {
    const keep = new Set((await queryRows(store.conn, `SELECT item_id FROM items i WHERE true${g.sql}`, g.params)).map((r) => Number(r.item_id)));
    inFiles = inFiles.filter((id) => keep.has(id));
  }
  const fromFiles = inFiles.length > 0
    ? await readActivations(store, checkpointId, layer, Int32Array.from(inFiles).sort())
    : { rows: 0, cols: 0, data: new Float32Array(0), itemIds: new Int32Array(0) };
  const legacy = await store.conn.runAndReadAll(
    `SELECT l.item_id, len(l.vector)::INTEGER AS d FROM latents l JOIN items i USING (item_id)
     WHERE l.checkpoint_id = $1${f.sql} ORDER BY l.item_id`, [checkpointId, ...f.params]);
  const n = legacy.currentRowCount;
  if (n === 0) return fromFiles;
  const cols = legacy.getColumnsJS();
  const dim = Number(cols[1][0]);
  const data = await readList(store, `SELECT l.vector FROM latents l JOIN items i USING (item_id)
     WHERE l.checkpoint_id = $1${f.sql} ORDER BY l.item_id`, [checkpointId, ...f.params], n, dim);
  const old = { rows: n, cols: dim, data, itemIds: Int32Array.from(cols[0] as number[]) };
  if (fromFiles.rows === 0) return old;
  if (fromFiles.cols !== dim) throw new MarginError('INTERNAL', `checkpoint ${checkpointId}: latent vectors of ${dim} values in the latents table, ${fromFiles.cols} in layer ${layer}`);
  return mergeByItem(fromFiles, old);
}

/** The model's latent layer (whose activations are the latent vectors) of a checkpoint. */
export async function latentLayerOf(store: Store, checkpointId: number): Promise<string> {
  const r = await queryOne(store.conn, 'SELECT m.latent_layer FROM checkpoints c JOIN models m ON m.id = c.model_id WHERE c.id = $1', [checkpointId]);
  if (!r) throw new MarginError('NOT_FOUND', `checkpoint ${checkpointId} does not exist`);
  return String(r.latent_layer);
}

/** Two row sets of one width, each ascending by item id and without common items, merged in that order. */
function mergeByItem(a: Matrix<Float32Array> & { itemIds: Int32Array }, b: Matrix<Float32Array> & { itemIds: Int32Array }): Matrix<Float32Array> & { itemIds: Int32Array } {
  const d = a.cols;
  const rows = a.rows + b.rows;
  const data = new Float32Array(rows * d);
  const itemIds = new Int32Array(rows);
  let i = 0, j = 0;
  for (let r = 0; r < rows; r++) {
    const fromA = j >= b.rows || (i < a.rows && a.itemIds[i] < b.itemIds[j]);
    const [m, k] = fromA ? [a, i++] : [b, j++];
    itemIds[r] = m.itemIds[k];
    data.set(m.data.subarray(k * d, (k + 1) * d), r * d);
  }
  return { rows, cols: d, data, itemIds };
}

/** Item ids of a checkpoint that already have a prediction. */
export async function predictedItems(store: Store, checkpointId: number): Promise<Set<number>> {
  const rows = await queryRows(store.conn, 'SELECT item_id FROM predictions WHERE checkpoint_id = $1', [checkpointId]);
  return new Set(rows.map((r) => Number(r.item_id)));
}
