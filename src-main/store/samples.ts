/** Samples (a sampler's output) and saved query results / evaluation runs / saliency maps. */
import { DOUBLE, INTEGER, blobValue } from '@duckdb/node-api';
import { MarginError, badInput } from '../shared/errors.ts';
import { appendRows, inTransaction, queryOne, queryRows, toBytes, toIso } from './db.ts';
import { assertWritable } from './project.ts';
import type { Store } from './project.ts';

export interface NewSample {
  modelId: number;
  name: string; // unique per model
  method: string; // 'uniform' | 'stratified' | 'gmm-full' | …
  params: Record<string, unknown>;
  seed?: number | null;
  fraction?: number | null;
  j?: number | null;
  checkpointId?: number | null;
  /** Seconds the sampler took. */
  seconds: number;
  memberIds: Int32Array;
  /** Optional weight per member (weighted variants). */
  weights?: Float64Array | Float32Array | null;
}

export interface SampleSummary {
  id: number;
  modelId: number;
  name: string;
  method: string;
  params: Record<string, unknown>;
  seed: number | null;
  fraction: number | null;
  j: number | null;
  checkpointId: number | null;
  size: number;
  seconds: number;
  created: string;
}

export interface SampleDetail extends SampleSummary {
  memberIds: Int32Array;
  weights: Float64Array | null;
}

export async function insertSample(store: Store, s: NewSample): Promise<number> {
  assertWritable(store, 'insertSample');
  if (!s || typeof s.name !== 'string' || s.name === '') throw badInput('insertSample: name must be a non-empty string');
  if (typeof s.method !== 'string' || s.method === '') throw badInput('insertSample: method must be a non-empty string');
  if (!(s.memberIds instanceof Int32Array)) throw badInput('insertSample: memberIds must be an Int32Array of item ids');
  if (s.weights && s.weights.length !== s.memberIds.length) {
    throw badInput(`insertSample: weights has ${s.weights.length} values for ${s.memberIds.length} members`);
  }
  if (s.fraction != null && !(s.fraction > 0 && s.fraction <= 1)) throw badInput(`insertSample: fraction must be in (0, 1], got ${s.fraction}`);
  if (!(s.seconds >= 0)) throw badInput(`insertSample: seconds must be >= 0, got ${s.seconds}`);
  const { conn } = store;
  return store.lock.run(() => inTransaction(conn, async () => {
    if (!(await queryOne(conn, 'SELECT id FROM models WHERE id = $1', [s.modelId]))) {
      throw new MarginError('NOT_FOUND', `model ${s.modelId} does not exist`);
    }
    const dup = await queryOne(conn, 'SELECT id FROM samples WHERE model_id = $1 AND name = $2', [s.modelId, s.name]);
    if (dup) throw new MarginError('CONFLICT', `model ${s.modelId} already has a sample named "${s.name}" (id ${dup.id}): choose another name`);
    const id = Number((await queryOne(conn, `SELECT nextval('seq_samples')::INTEGER AS id`))!.id);
    await conn.run('INSERT INTO samples VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, epoch_ms($12))', [
      id, s.modelId, s.name, s.method, JSON.stringify(s.params ?? {}), s.seed ?? null, s.fraction ?? null, s.j ?? null,
      s.checkpointId ?? null, s.memberIds.length, s.seconds, Math.round(store.now()),
    ]);
    const w = s.weights;
    await appendRows(conn, 'sample_members', s.memberIds.length, [
      { type: INTEGER, get: () => id },
      { type: INTEGER, get: (i) => i },
      { type: INTEGER, get: (i) => s.memberIds[i] },
      { type: DOUBLE, get: (i) => (w ? w[i] : null) },
    ]);
    return id;
  }));
}

function toSample(r: Record<string, unknown>): SampleSummary {
  const num = (v: unknown) => (v == null ? null : Number(v));
  return {
    id: Number(r.id), modelId: Number(r.model_id), name: String(r.name), method: String(r.method),
    params: JSON.parse(String(r.params)) as Record<string, unknown>, seed: num(r.seed), fraction: num(r.fraction), j: num(r.j),
    checkpointId: num(r.checkpoint_id), size: Number(r.size), seconds: Number(r.seconds), created: toIso(r.created),
  };
}

export async function listSamples(store: Store, modelId?: number): Promise<SampleSummary[]> {
  const rows = modelId === undefined
    ? await queryRows(store.conn, 'SELECT * FROM samples ORDER BY id')
    : await queryRows(store.conn, 'SELECT * FROM samples WHERE model_id = $1 ORDER BY id', [modelId]);
  return rows.map(toSample);
}

export async function getSample(store: Store, id: number): Promise<SampleDetail> {
  const r = await queryOne(store.conn, 'SELECT * FROM samples WHERE id = $1', [id]);
  if (!r) throw new MarginError('NOT_FOUND', `sample ${id} does not exist`);
  const m = await store.conn.runAndReadAll('SELECT item_id, weight FROM sample_members WHERE sample_id = $1 ORDER BY position', [id]);
  const cols = m.getColumnsJS();
  if (cols.length === 0) cols.push([], []);
  const weights = cols[1] as (number | null)[];
  return {
    ...toSample(r),
    memberIds: Int32Array.from(cols[0] as number[]),
    weights: weights.length > 0 && weights.every((x) => x !== null) ? Float64Array.from(weights as number[]) : null,
  };
}

export interface SavedRun {
  id: number;
  kind: string;
  params: unknown;
  result: unknown;
  created: string;
}

async function saveRun(store: Store, table: 'query_results' | 'eval_runs', kind: string, params: unknown, result: unknown): Promise<number> {
  assertWritable(store, `save ${table}`);
  if (typeof kind !== 'string' || kind === '') throw badInput(`${table}: kind must be a non-empty string`);
  const seq = table === 'query_results' ? 'seq_query_results' : 'seq_eval_runs';
  return store.lock.run(async () => {
    const id = Number((await queryOne(store.conn, `SELECT nextval('${seq}')::INTEGER AS id`))!.id);
    await store.conn.run(`INSERT INTO ${table} VALUES ($1, $2, $3, $4, epoch_ms($5))`,
      [id, kind, JSON.stringify(params ?? {}), JSON.stringify(result ?? null), Math.round(store.now())]);
    return id;
  });
}

/** Save a query's parameters and answer (JSON) so a report can be rebuilt. */
export function saveQueryResult(store: Store, kind: string, params: unknown, result: unknown): Promise<number> {
  return saveRun(store, 'query_results', kind, params, result);
}

/** Save an evaluation run (E1–E4, Table IV …): parameters and results as JSON. */
export function saveEvalRun(store: Store, kind: string, params: unknown, result: unknown): Promise<number> {
  return saveRun(store, 'eval_runs', kind, params, result);
}

async function listRuns(store: Store, table: 'query_results' | 'eval_runs', kind?: string): Promise<SavedRun[]> {
  const rows = kind === undefined
    ? await queryRows(store.conn, `SELECT * FROM ${table} ORDER BY id`)
    : await queryRows(store.conn, `SELECT * FROM ${table} WHERE kind = $1 ORDER BY id`, [kind]);
  return rows.map((r) => ({
    id: Number(r.id), kind: String(r.kind), params: JSON.parse(String(r.params)), result: JSON.parse(String(r.result)), created: toIso(r.created),
  }));
}
export const listQueryResults = (store: Store, kind?: string) => listRuns(store, 'query_results', kind);
export const listEvalRuns = (store: Store, kind?: string) => listRuns(store, 'eval_runs', kind);

export interface Saliency {
  format: 'png' | 'f32';
  h: number;
  w: number;
  data: Uint8Array;
}

/** Store (or replace) a saliency map of one item for a checkpoint: a PNG, or raw float32 h×w values. */
export async function saveSaliency(store: Store, checkpointId: number, itemId: number, method: string, s: Saliency): Promise<void> {
  assertWritable(store, 'saveSaliency');
  if (s.format !== 'png' && s.format !== 'f32') throw badInput(`saveSaliency: format must be 'png' or 'f32', got ${String(s.format)}`);
  if (!Number.isInteger(s.h) || !Number.isInteger(s.w) || s.h <= 0 || s.w <= 0) throw badInput('saveSaliency: h and w must be positive integers');
  if (s.format === 'f32' && s.data.byteLength !== s.h * s.w * 4) {
    throw badInput(`saveSaliency: an f32 map of ${s.h}×${s.w} needs ${s.h * s.w * 4} bytes, got ${s.data.byteLength}`);
  }
  const { conn } = store;
  await store.lock.run(() => inTransaction(conn, async () => {
    await conn.run('DELETE FROM saliency WHERE checkpoint_id = $1 AND item_id = $2 AND method = $3', [checkpointId, itemId, method]);
    await conn.run('INSERT INTO saliency VALUES ($1, $2, $3, $4, $5, $6, $7, epoch_ms($8))',
      [checkpointId, itemId, method, s.format, s.h, s.w, blobValue(s.data), Math.round(store.now())]);
  }));
}

export async function getSaliency(store: Store, checkpointId: number, itemId: number, method: string): Promise<Saliency | null> {
  const r = await queryOne(store.conn, 'SELECT * FROM saliency WHERE checkpoint_id = $1 AND item_id = $2 AND method = $3',
    [checkpointId, itemId, method]);
  if (!r) return null;
  return { format: r.format as 'png' | 'f32', h: Number(r.h), w: Number(r.w), data: toBytes(r.data) };
}
