/** Predictions and latent vectors per (checkpoint, item): bulk writes for extraction, matrix reads. */
import { BOOLEAN, FLOAT, INTEGER } from '@duckdb/node-api';
import { MarginError, badInput } from '../shared/errors.ts';
import type { Matrix } from '../core/matrix.ts';
import { appendRows, floatListColumn, queryOne, queryRows, readFloatListColumn } from './db.ts';
import type { Store } from './project.ts';

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

export async function writeLatents(store: Store, checkpointId: number, itemIds: Int32Array, latent: Float32Array, dim: number): Promise<void> {
  const n = itemIds.length;
  if (n === 0) return;
  await appendRows(store.conn, 'latents', n, [
    { type: INTEGER, get: () => checkpointId },
    { type: INTEGER, get: (i) => itemIds[i] },
    floatListColumn(latent, dim),
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

/** The latent vectors of a checkpoint as an n × dim matrix, ascending by item id. */
export async function getLatent(store: Store, checkpointId: number, filter?: ItemFilter): Promise<Matrix<Float32Array> & { itemIds: Int32Array }> {
  await assertCheckpoint(store, checkpointId, 'getLatent');
  const f = filterSql(filter, 2);
  const head = await store.conn.runAndReadAll(
    `SELECT l.item_id, len(l.vector)::INTEGER AS d FROM latents l JOIN items i USING (item_id)
     WHERE l.checkpoint_id = $1${f.sql} ORDER BY l.item_id`, [checkpointId, ...f.params]);
  const cols = head.getColumnsJS();
  if (cols.length === 0) cols.push([], [], [], [], [], []);
  const n = head.currentRowCount;
  const dim = n > 0 ? Number(cols[1][0]) : 0;
  const data = await readList(store, `SELECT l.vector FROM latents l JOIN items i USING (item_id)
     WHERE l.checkpoint_id = $1${f.sql} ORDER BY l.item_id`, [checkpointId, ...f.params], n, dim);
  return { rows: n, cols: dim, data, itemIds: Int32Array.from(cols[0] as number[]) };
}

/** Item ids of a checkpoint that already have a prediction (and therefore a latent). */
export async function predictedItems(store: Store, checkpointId: number): Promise<Set<number>> {
  const rows = await queryRows(store.conn, 'SELECT item_id FROM predictions WHERE checkpoint_id = $1', [checkpointId]);
  return new Set(rows.map((r) => Number(r.item_id)));
}
