/**
 * The query service's read path, shared by S1/S2/S3 (queries.ts) and Q1–Q7 (named-queries.ts):
 * its dependencies, per-store caches, resolution of names with errors that list the valid choices,
 * and lazily computed activations as matrix views.
 *
 * Read path. The item universe of a checkpoint is the items it has predictions for (ascending
 * item id). A subset is selected with `selectItems` over those predictions. An *exact* answer
 * scans every item of the subset; a *sample* answer scans the sample's members in the subset,
 * and carries its error against the exact answer when every item of the subset has stored
 * activations, else a percentile-bootstrap interval (seed 1, 200 resamples).
 * Missing activations that an answer needs are computed and stored through the injected
 * `deps.ensureActivations` (the extraction service): for a sample, only its members' (the
 * point of the paper).
 *
 * Caches (per open Store, dropped with it): predictions + class names per checkpoint, which
 * items a layer has stored, channel-reduced full layers, and exact aggregates per
 * (checkpoint, layer, subset, granularity). Each entry carries the row counts it was built
 * from (predictions of the checkpoint, activation rows of the layer); one small SQL query per
 * request reads the current counts, so any write by an extraction invalidates them. Full
 * unit-level layers live in the store's own LRU cache (readActivations).
 */
import type { LayerInfo } from '../../core/extraction-types.ts';
import type { Matrix } from '../../core/matrix.ts';
import { subsetAggregates, toChannels } from '../../queries/index.ts';
import type { ItemMeta, SubsetAggregates, SubsetParts } from '../../queries/index.ts';
import type { Q4Moments } from '../../queries/q4-blocked.ts';
import type { Q6Counts } from '../../queries/q6-counts.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { queryOne, queryRows } from '../../store/db.ts';
import { LruCache } from '../../store/lru-cache.ts';
import { getModel, getPredictions, getSample, listModels, readActivations, saveQueryResult, extractedItems } from '../../store/index.ts';
import type { CheckpointInfo, ModelDetail, Predictions, Store } from '../../store/index.ts';

// ---------------------------------------------------------------------------------------------
// Dependencies

export interface EnsureActivationsResult {
  computedItems: number;
  computedBytes: number;
  seconds: number;
}

/** Computes and stores a layer's activations for the given items (the extraction service). */
export type EnsureActivations = (
  store: Store, checkpointId: number, layer: string, itemIds: Int32Array, opts: { signal?: AbortSignal },
) => Promise<EnsureActivationsResult>;

export interface QueryDeps {
  ensureActivations: EnsureActivations;
  /** Clock in ms (default performance.now); only used for the `seconds` fields. */
  now?: () => number;
  signal?: AbortSignal;
  /** Save each answer with saveQueryResult, in the background (default true; skipped on a read-only store). */
  save?: boolean;
  /**
   * Computes an exact answer's aggregates elsewhere instead of scanning here (a Dask cluster:
   * src-main/cluster/exact.ts); must equal subsetAggregates over the same rows in the same order.
   */
  exactAggregates?: ExactAggregates;
  /** Q4's second pass, Q6's counts and Q7's Gram matrices computed elsewhere (the same cluster), equal to the local arithmetic. */
  exactNamed?: ExactNamed;
}

/** The shares of Q4, Q6 and Q7 computed elsewhere (src-main/cluster/exact-named.ts); see queries/q4-blocked.ts. */
export interface ExactNamed {
  /** Q4's pass 2 over `itemIds` (scan order) of a layer, given x̄ and the centred logits: q4Moments' totals. */
  q4(store: Store, req: { checkpointId: number; layer: LayerInfo; itemIds: Int32Array; mean: Float64Array; dy: Float64Array }): Promise<Q4Moments>;
  /** Q6's per-class item and hit counts of checked labels (q6Counts' totals). */
  q6(store: Store, req: { trueLabel: Int32Array; predictions: Int32Array[]; numClasses: number }): Promise<Q6Counts>;
  /** Q7: each layer's centred Gram matrix over `itemIds` in that order (centredGram of its rows). */
  q7(store: Store, req: { layers: Array<{ checkpointId: number; layer: LayerInfo }>; itemIds: Int32Array }): Promise<Float64Array[]>;
}

/**
 * Aggregates of subsets of a layer's items (each in scan order), one per subset (null when
 * empty), computed elsewhere: used for S1/S2/S3 exact answers and Q1, Q2, Q3, Q5 without a sample.
 */
export type ExactAggregates = (store: Store, req: {
  checkpointId: number; layer: LayerInfo; channel: 'mean' | 'max' | null; subsets: Array<{ itemIds: Int32Array; parts: SubsetParts }>;
}) => Promise<Array<SubsetAggregates | null>>;

/** Bootstrap settings for sample answers without a known exact answer. */
export const BOOTSTRAP_SEED = 1;
export const BOOTSTRAP_RESAMPLES = 200;
export const BOOTSTRAP_LEVEL = 0.95;
/** Q7 without a sample: CKA over a seeded random subset of this many items (Gram matrices are n²). */
export const Q7_RANDOM_ITEMS = 500;
export const Q7_SEED = 1;

// ---------------------------------------------------------------------------------------------
// Per-store caches

export interface CheckpointMeta {
  version: number;
  preds: Predictions;
  meta: ItemMeta;
  /** item id → row of `preds`. */
  rowOf: Map<number, number>;
  classNames: string[];
}

export interface LayerState {
  version: number;
  /** Per prediction row: 1 if the layer's activations of that item are stored. */
  stored: Uint8Array;
  storedCount: number;
  /** Every item of the universe has stored activations. */
  full: boolean;
  /** Prediction row → row of the full layer matrix (null until first needed; identity → 'identity'). */
  fullRow: Int32Array | 'identity' | null;
  channels: Map<string, Matrix>;
}

export interface ServiceCache {
  /** The store's write version the memoised lookups below belong to (see storeVersion). */
  version: number;
  models: Map<string, ModelDetail>;
  /** Row counts per `checkpoint/layer`, memoised until the store's version changes. */
  counts: Map<string, { preds: number; acts: number }>;
  checkpoints: Map<number, CheckpointMeta>;
  layers: Map<string, LayerState>;
  exact: LruCache<{ version: string; agg: SubsetAggregates }>;
  /** Samples by `modelId/name` (samples are never rewritten, so entries stay valid). */
  samples: Map<string, { id: number; name: string; memberIds: Int32Array; checkpointId: number | null }>;
  /** Saves of answers still being written (results are saved in the background). */
  saving: Promise<unknown>;
}

const caches = new WeakMap<Store, ServiceCache>();

export function cacheOf(store: Store): ServiceCache {
  let c = caches.get(store);
  if (!c) {
    c = {
      version: -1, models: new Map(), counts: new Map(), checkpoints: new Map(), layers: new Map(),
      exact: new LruCache(256 * 1024 ** 2), samples: new Map(), saving: Promise.resolve(),
    };
    caches.set(store, c);
  }
  return c;
}

/**
 * Forget cached state of a store: 'all' (default) or only the 'answers' (exact aggregates and
 * channel-reduced layers; benchmarks use it to time real scans). The store's own cache of
 * decoded layers is kept either way.
 */
export function clearQueryCache(store: Store, what: 'all' | 'answers' = 'all'): void {
  const c = caches.get(store);
  if (!c) return;
  if (what === 'all') {
    caches.delete(store);
    return;
  }
  c.exact.clear();
  for (const st of c.layers.values()) st.channels.clear();
}

/** Wait until every answer returned so far is saved in the store (query_results). */
export async function flushQueryResults(store: Store): Promise<void> {
  await cacheOf(store).saving;
}

/**
 * Every write of predictions or activations goes through an extraction, which appends a row to
 * `extraction_batches`; its largest id is therefore a version of everything the caches derive
 * from the store, and costs one tiny query per request. When it moves, the memoised model
 * details and row counts are dropped; the entries keyed by row counts then revalidate themselves.
 */
export async function syncVersion(store: Store): Promise<ServiceCache> {
  const cache = cacheOf(store);
  const r = await queryOne(store.conn, 'SELECT coalesce(max(id), 0)::BIGINT AS v FROM extraction_batches');
  const v = Number(r!.v);
  if (v !== cache.version) {
    cache.version = v;
    cache.models.clear();
    cache.counts.clear();
  }
  return cache;
}

/** Current row counts: predictions of the checkpoint and stored rows of the layer (the cache versions). */
export async function versions(store: Store, checkpointId: number, layer: string | null): Promise<{ preds: number; acts: number }> {
  const cache = cacheOf(store);
  const key = `${checkpointId}/${layer ?? ''}`;
  const hit = cache.counts.get(key);
  if (hit) return hit;
  const r = await queryOne(store.conn,
    `SELECT (SELECT count(*) FROM predictions WHERE checkpoint_id = $1)::INTEGER AS preds,
            (SELECT coalesce(sum(row_count), 0) FROM activation_chunks WHERE checkpoint_id = $1 AND layer = $2)::BIGINT AS acts`,
    [checkpointId, layer ?? '']);
  const out = { preds: Number(r!.preds), acts: Number(r!.acts) };
  cache.counts.set(key, out);
  return out;
}

/**
 * Save an answer without making the caller wait. saveQueryResult queues on the store's writer
 * lock at once, so closing the store still waits for it; failures are logged, not thrown.
 */
export function saveInBackground(store: Store, kind: string, params: unknown, result: unknown): void {
  const cache = cacheOf(store);
  const p = saveQueryResult(store, kind, params, result).catch((err: unknown) => {
    console.error(`[margin] could not save a ${kind} result:`, err instanceof Error ? err.message : err);
  });
  cache.saving = Promise.all([cache.saving, p]);
}

export async function checkpointMeta(store: Store, model: ModelDetail, ck: CheckpointInfo, version: number): Promise<CheckpointMeta> {
  const cache = cacheOf(store);
  const hit = cache.checkpoints.get(ck.id);
  if (hit && hit.version === version) return hit;
  const preds = await getPredictions(store, ck.id);
  const rowOf = new Map<number, number>();
  for (let i = 0; i < preds.itemIds.length; i++) rowOf.set(preds.itemIds[i], i);
  const names = await queryRows(store.conn,
    `SELECT label, name FROM classes WHERE dataset_id = (
       SELECT i.dataset_id FROM predictions p JOIN items i USING (item_id) WHERE p.checkpoint_id = $1 LIMIT 1) ORDER BY label`, [ck.id]);
  const classNames = Array.from({ length: model.numClasses }, (_, c) => {
    const r = names.find((x) => Number(x.label) === c);
    return r ? String(r.name) : `class ${c}`;
  });
  const out: CheckpointMeta = {
    version, preds, rowOf, classNames,
    meta: { trueLabel: preds.trueLabels, predLabel: preds.predicted, correct: preds.correct, confidence: preds.confidence },
  };
  cache.checkpoints.set(ck.id, out);
  return out;
}

export async function layerState(store: Store, ckId: number, layer: string, cm: CheckpointMeta, acts: number): Promise<LayerState> {
  const cache = cacheOf(store);
  const key = `${ckId}/${layer}`;
  const hit = cache.layers.get(key);
  if (hit && hit.version === acts && hit.stored.length === cm.preds.itemIds.length) return hit;
  const stored = new Uint8Array(cm.preds.itemIds.length);
  let storedCount = 0;
  if (acts > 0) {
    for (const id of await extractedItems(store, ckId, layer)) {
      const r = cm.rowOf.get(id);
      if (r !== undefined && !stored[r]) { stored[r] = 1; storedCount++; }
    }
  }
  const st: LayerState = {
    version: acts, stored, storedCount, full: storedCount === stored.length && stored.length > 0, fullRow: null, channels: new Map(),
  };
  cache.layers.set(key, st);
  return st;
}

// ---------------------------------------------------------------------------------------------
// Resolution of names, with errors that list the valid choices

export async function resolveModel(store: Store, name: string, arg = 'model'): Promise<ModelDetail> {
  const cache = cacheOf(store);
  const hit = cache.models.get(name);
  if (hit) return hit;
  try {
    const m = await getModel(store, name);
    cache.models.set(name, m);
    return m;
  } catch (err) {
    if (!(err instanceof MarginError) || err.code !== 'NOT_FOUND') throw err;
    const names = (await listModels(store)).map((m) => m.name);
    throw new MarginError('NOT_FOUND',
      `${arg}: no model named "${name}" in this project; ${names.length ? `known models: ${names.join(', ')}` : 'it has no models yet: import one first'}`,
      { argument: arg, valid: names });
  }
}

export function resolveCheckpoint(model: ModelDetail, label: string | undefined, arg = 'checkpoint'): CheckpointInfo {
  if (model.checkpoints.length === 0) {
    throw new MarginError('NOT_FOUND', `${arg}: model "${model.name}" has no checkpoints yet: import or train one first`);
  }
  if (label === undefined) return model.checkpoints[model.checkpoints.length - 1];
  const ck = model.checkpoints.find((c) => c.label === label);
  if (!ck) {
    const labels = model.checkpoints.map((c) => c.label);
    throw new MarginError('NOT_FOUND', `${arg}: model "${model.name}" has no checkpoint labelled "${label}"; its checkpoints: ${labels.join(', ')}`,
      { argument: arg, valid: labels });
  }
  return ck;
}

export function resolveLayer(model: ModelDetail, name: string | undefined, query?: string): LayerInfo {
  const names = model.layers.map((l) => l.name);
  if (name === undefined) {
    throw badInput(`layer: ${query} needs a layer of model "${model.name}" (one of ${names.join(', ')})`, { argument: 'layer', valid: names });
  }
  const l = model.layers.find((x) => x.name === name);
  if (!l) {
    throw new MarginError('NOT_FOUND', `layer: model "${model.name}" has no layer "${name}"; its layers: ${names.join(', ') || '(none registered)'}`,
      { argument: 'layer', valid: names });
  }
  return l;
}

export function checkClass(model: ModelDetail, value: number | undefined, arg: string, query?: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value >= model.numClasses) {
    throw badInput(`${arg}: ${value} is not a class of model "${model.name}", which has ${model.numClasses} classes (0–${model.numClasses - 1})${query ? ` (${query})` : ''}`,
      { argument: arg });
  }
  return value;
}

export function requireClass(model: ModelDetail, value: number | undefined, arg: string, query: string): number {
  if (value === undefined) throw badInput(`${arg}: ${query} needs ${arg}, a class of model "${model.name}" (0–${model.numClasses - 1})`, { argument: arg });
  return checkClass(model, value, arg, query)!;
}

/** A sample of the model by name: its member ids (cached by sample id; samples never change). */
export async function resolveSample(store: Store, model: ModelDetail, name: string): Promise<{ id: number; name: string; memberIds: Int32Array; checkpointId: number | null }> {
  const cache = cacheOf(store);
  const key = `${model.id}/${name}`;
  const hit = cache.samples.get(key);
  if (hit) return hit;
  const r = await queryOne(store.conn, 'SELECT id, checkpoint_id FROM samples WHERE model_id = $1 AND name = $2', [model.id, name]);
  if (!r) {
    const names = (await queryRows(store.conn, 'SELECT name FROM samples WHERE model_id = $1 ORDER BY id', [model.id])).map((x) => String(x.name));
    throw new MarginError('NOT_FOUND',
      `sample: model "${model.name}" has no sample named "${name}"; ${names.length ? `its samples: ${names.join(', ')}` : 'it has no samples yet: create one first'}`,
      { argument: 'sample', valid: names });
  }
  const id = Number(r.id);
  const out = { id, name, memberIds: (await getSample(store, id)).memberIds, checkpointId: r.checkpoint_id == null ? null : Number(r.checkpoint_id) };
  cache.samples.set(key, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Activations: lazy computation and matrix views

export interface Computed { items: number; bytes: number; seconds: number }

/** Make sure the layer has stored activations of the given prediction rows; compute the missing ones. */
export async function ensureRows(
  store: Store, ckId: number, layer: string, cm: CheckpointMeta, st: LayerState, rows: Int32Array, deps: QueryDeps, computed: Computed,
): Promise<LayerState> {
  const missing: number[] = [];
  for (const r of rows) if (!st.stored[r]) missing.push(cm.preds.itemIds[r]);
  if (missing.length === 0) return st;
  const res = await deps.ensureActivations(store, ckId, layer, Int32Array.from(missing), { signal: deps.signal });
  computed.items += res.computedItems;
  computed.bytes += res.computedBytes;
  computed.seconds += res.seconds;
  await syncVersion(store);
  const v = await versions(store, ckId, layer);
  const next = await layerState(store, ckId, layer, cm, v.acts);
  for (const r of rows) {
    if (!next.stored[r]) {
      throw new MarginError('INTERNAL', `the extraction did not store layer ${layer} for item ${cm.preds.itemIds[r]}: run the extraction job again`);
    }
  }
  return next;
}

/** A matrix plus the rows of it to scan (undefined = all rows). */
export interface RowSource { matrix: Matrix; rows: Int32Array | undefined }

/**
 * The activations of prediction rows `rows` (all stored) at the requested granularity.
 * A fully stored layer is read whole (and stays in the store's LRU cache) and scanned in place;
 * otherwise just the rows are read.
 */
export async function rowSource(
  store: Store, ckId: number, layer: LayerInfo, cm: CheckpointMeta, st: LayerState, rows: Int32Array,
  channel: 'mean' | 'max' | null,
): Promise<RowSource> {
  if (!st.full) {
    const ids = Int32Array.from(rows, (r) => cm.preds.itemIds[r]);
    const m = await readActivations(store, ckId, layer.name, ids);
    return { matrix: channel ? toChannels(m, layer.shape, channel) : m, rows: undefined };
  }
  let full: Matrix | undefined;
  if (channel) full = st.channels.get(channel);
  if (!full || st.fullRow === null) {
    const m = await readActivations(store, ckId, layer.name);
    if (st.fullRow === null) st.fullRow = fullRowIndex(m.itemIds, cm.preds.itemIds);
    if (channel && !full) {
      full = toChannels(m, layer.shape, channel);
      st.channels.set(channel, full);
    } else if (!channel) {
      full = m;
    }
  }
  const map = st.fullRow;
  const mapped = map === 'identity' ? rows : Int32Array.from(rows, (r) => map[r]);
  const all = mapped.length === full!.rows && isIdentity(mapped);
  return { matrix: full!, rows: all ? undefined : mapped };
}

function isIdentity(a: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== i) return false;
  return true;
}

/** Row of each prediction's item in the full layer matrix (both ascending by item id). */
function fullRowIndex(layerIds: Int32Array, predIds: Int32Array): Int32Array | 'identity' {
  if (layerIds.length === predIds.length && layerIds.every((v, i) => v === predIds[i])) return 'identity';
  const at = new Map<number, number>();
  for (let i = 0; i < layerIds.length; i++) at.set(layerIds[i], i);
  return Int32Array.from(predIds, (id) => at.get(id) ?? -1);
}
