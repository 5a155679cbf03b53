/**
 * The query service: S1/S2/S3 (`query.run`) and the paper's Table II queries Q1–Q7
 * (`query.named`) over a project's activation store.
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
 *
 * `query.named` → NamedQueryResult.data, per query (the renderer's contract):
 *   Q1 { classNames: string[], matrix: (number|null)[][] /* class × unit mean; null rows for
 *        classes without items *\/, counts: number[] }
 *   Q2 { topK: Array<{neuron, score}>, histogram: number[] | null, items }   top-k over the
 *        incorrectly classified items (of class `classA` when given); histogram = argmax distribution
 *   Q3 { incorrect: number[]|null, correct: number[]|null, cosineDistance: number|null,
 *        counts: { incorrect, correct } }                   mean vectors of class a's items
 *   Q4 { correlation: number[] /* per unit Pearson r with logit a *\/, cka: number|null, items }
 *   Q5 { topK: Array<{neuron, score}>, histogram: number[] | null, items }   true a, predicted b
 *   Q6 { checkpoints: string[], classNames: string[], accuracy: (number|null)[][] /* [checkpoint][class] *\/,
 *        firstReaching: number[] /* per class, checkpoint index reaching 90 % of final accuracy, -1 never *\/ }
 *   Q7 (over each model's main layers, see services/layers.ts) { layersA: string[], layersB: string[], cka: (number|null)[][], items: number,
 *        subset: 'sample' | 'random' }   linear CKA, layer by layer, on the same items, between
 *        model@checkpoint and model2@checkpoint2 (model2 defaults to model, checkpoint2 to model2's last)
 * A `sample` parameter answers Q1–Q6 from the sample's members (Q7: CKA over them).
 * Numbers that are undefined (no items; CKA of a constant representation) are null.
 */
import { mainLayers } from './layers.ts';
import type { LayerInfo } from '../../core/extraction-types.ts';
import type { Matrix } from '../../core/matrix.ts';
import { createRng, sampleWithoutReplacement } from '../../core/rng.ts';
import {
  aggregatePlan, bootstrapS2, bootstrapS3, bootstrapScores, cosineDistance, jensenShannonDistance, precisionAtK, q1FromAggregates, q1Plan,
  q2Plan, q3FromAggregates, q3Plan, q4LogitLayerSimilarity, q5Plan, q6LearningSpeed, q7ModelSimilarity, selectItems, subsetAggregates, toChannels,
  topFromAggregates, topK,
} from '../../queries/index.ts';
import type { ItemMeta, QueryPlan, SubsetAggregates, SubsetParts } from '../../queries/index.ts';
import type { NamedQueryResult, ParamsOut, QueryAnswer, QueryResult } from '../../shared/api.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { queryOne, queryRows } from '../../store/db.ts';
import { LruCache } from '../../store/lru-cache.ts';
import {
  getModel, getPredictions, getSample, listModels, readActivations, saveQueryResult, extractedItems,
} from '../../store/index.ts';
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

interface CheckpointMeta {
  version: number;
  preds: Predictions;
  meta: ItemMeta;
  /** item id → row of `preds`. */
  rowOf: Map<number, number>;
  classNames: string[];
}

interface LayerState {
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

interface ServiceCache {
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

function cacheOf(store: Store): ServiceCache {
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
async function syncVersion(store: Store): Promise<ServiceCache> {
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
async function versions(store: Store, checkpointId: number, layer: string | null): Promise<{ preds: number; acts: number }> {
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
function saveInBackground(store: Store, kind: string, params: unknown, result: unknown): void {
  const cache = cacheOf(store);
  const p = saveQueryResult(store, kind, params, result).catch((err: unknown) => {
    console.error(`[margin] could not save a ${kind} result:`, err instanceof Error ? err.message : err);
  });
  cache.saving = Promise.all([cache.saving, p]);
}

async function checkpointMeta(store: Store, model: ModelDetail, ck: CheckpointInfo, version: number): Promise<CheckpointMeta> {
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

async function layerState(store: Store, ckId: number, layer: string, cm: CheckpointMeta, acts: number): Promise<LayerState> {
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

async function resolveModel(store: Store, name: string, arg = 'model'): Promise<ModelDetail> {
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

function resolveCheckpoint(model: ModelDetail, label: string | undefined, arg = 'checkpoint'): CheckpointInfo {
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

function resolveLayer(model: ModelDetail, name: string | undefined, query?: string): LayerInfo {
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

function checkClass(model: ModelDetail, value: number | undefined, arg: string, query?: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value >= model.numClasses) {
    throw badInput(`${arg}: ${value} is not a class of model "${model.name}", which has ${model.numClasses} classes (0–${model.numClasses - 1})${query ? ` (${query})` : ''}`,
      { argument: arg });
  }
  return value;
}

function requireClass(model: ModelDetail, value: number | undefined, arg: string, query: string): number {
  if (value === undefined) throw badInput(`${arg}: ${query} needs ${arg}, a class of model "${model.name}" (0–${model.numClasses - 1})`, { argument: arg });
  return checkClass(model, value, arg, query)!;
}

/** A sample of the model by name: its member ids (cached by sample id; samples never change). */
async function resolveSample(store: Store, model: ModelDetail, name: string): Promise<{ id: number; name: string; memberIds: Int32Array; checkpointId: number | null }> {
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

interface Computed { items: number; bytes: number; seconds: number }

/** Make sure the layer has stored activations of the given prediction rows; compute the missing ones. */
async function ensureRows(
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
interface RowSource { matrix: Matrix; rows: Int32Array | undefined }

/**
 * The activations of prediction rows `rows` (all stored) at the requested granularity.
 * A fully stored layer is read whole (and stays in the store's LRU cache) and scanned in place;
 * otherwise just the rows are read.
 */
async function rowSource(
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

// ---------------------------------------------------------------------------------------------
// query.run

type RunParams = ParamsOut<'query.run'>;
type Subset = RunParams['subset'];

const METRIC = { S1: 'precision@K', S2: 'cosine distance', S3: 'Jensen-Shannon distance' } as const;

/** Prediction rows of the subset, ascending. */
function subsetRows(model: ModelDetail, ck: CheckpointInfo, cm: CheckpointMeta, subset: Subset): Int32Array {
  checkClass(model, subset.trueClass, 'subset.trueClass');
  checkClass(model, subset.predClass, 'subset.predClass');
  if (subset.confidence && !(subset.confidence[0] <= subset.confidence[1])) {
    throw badInput(`subset.confidence: [${subset.confidence.join(', ')}] is not a range [lo, hi] with lo ≤ hi`, { argument: 'subset.confidence' });
  }
  let items: Int32Array | undefined;
  if (subset.items) {
    const unknown = subset.items.filter((id) => !cm.rowOf.has(id));
    if (unknown.length > 0) {
      throw badInput(`subset.items: ${unknown.length} item id(s) have no prediction for checkpoint "${ck.label}" of model "${model.name}" (e.g. ${unknown.slice(0, 5).join(', ')}): pick items of the model's data set`,
        { argument: 'subset.items', unknown: unknown.slice(0, 100) });
    }
    items = Int32Array.from(subset.items, (id) => cm.rowOf.get(id)!);
  }
  const rows = selectItems(cm.meta, {
    trueClass: subset.trueClass, predClass: subset.predClass, outcome: subset.outcome, confidence: subset.confidence, items,
  });
  return rows.sort();
}

function buildAnswer(p: RunParams, layer: LayerInfo, shape: number[], agg: SubsetAggregates | null): QueryAnswer {
  const a: QueryAnswer = { set: p.set, layer: layer.name, granularity: p.granularity, subset: p.subset, items: agg?.count ?? 0, shape };
  if (!agg || agg.count === 0) {
    if (p.set === 'S1') a.topK = [];
    return a;
  }
  if (p.set === 'S1') {
    const v = p.by === 'mean' ? agg.mean : agg.max!;
    a.topK = Array.from(topK(v, p.k), (j) => ({ neuron: j, score: v[j] }));
  } else {
    a.vector = Array.from(p.set === 'S2' ? agg.mean : agg.histogram!);
  }
  return a;
}

/** The metric of a sample answer against the exact one (SPEC §4: an empty sample subset scores 0 / 1). */
function errorOf(p: RunParams, sample: SubsetAggregates | null, exact: SubsetAggregates): number {
  if (!sample || sample.count === 0) return p.set === 'S1' ? 0 : 1;
  if (p.set === 'S1') {
    const k = Math.min(p.k, exact.mean.length);
    const s = p.by === 'mean' ? sample.mean : sample.max!;
    const e = p.by === 'mean' ? exact.mean : exact.max!;
    return precisionAtK(topK(s, k), topK(e, k), k);
  }
  if (p.set === 'S2') return cosineDistance(sample.mean, exact.mean);
  return jensenShannonDistance(sample.histogram!, exact.histogram!);
}

/** Percentile bootstrap interval of the sample answer: S1 → scores of its top-K neurons, S2 → means, S3 → histogram bins. */
function bootstrapInterval(p: RunParams, src: RowSource, answer: QueryAnswer): { level: number; lower: number[]; upper: number[] } {
  const rng = createRng(BOOTSTRAP_SEED);
  const opts = { rng, resamples: BOOTSTRAP_RESAMPLES, level: BOOTSTRAP_LEVEL };
  let b;
  if (p.set === 'S1') b = bootstrapScores(src.matrix, src.rows, Int32Array.from(answer.topK!, (t) => t.neuron), p.by, opts);
  else if (p.set === 'S2') b = bootstrapS2(src.matrix, src.rows, opts);
  else b = bootstrapS3(src.matrix, src.rows, opts);
  return { level: b.level, lower: Array.from(b.lo), upper: Array.from(b.hi) };
}

/** Answer S1/S2/S3 for a subset, exactly or from a sample. */
export async function runQuery(store: Store, params: RunParams, deps: QueryDeps): Promise<QueryResult> {
  const now = deps.now ?? (() => performance.now());
  const t0 = now();
  await syncVersion(store);
  const model = await resolveModel(store, params.model);
  const ck = resolveCheckpoint(model, params.checkpoint);
  const layer = resolveLayer(model, params.layer);
  const channel = params.granularity === 'channel' ? params.reduce : null;
  if (channel && layer.shape.length < 2) {
    throw badInput(`granularity: 'channel' needs a convolutional layer with shape [H, W, C]; layer "${layer.name}" has shape [${layer.shape.join(', ')}]: use granularity 'unit'`,
      { argument: 'granularity' });
  }
  const shape = channel ? [layer.shape[layer.shape.length - 1]] : layer.shape;
  const v = await versions(store, ck.id, layer.name);
  let cm = await checkpointMeta(store, model, ck, v.preds);
  const sample = params.sample !== undefined ? await resolveSample(store, model, params.sample) : undefined;
  const computed: Computed = { items: 0, bytes: 0, seconds: 0 };

  if (sample) {
    // Members without a prediction for this checkpoint (a sample made on another one) get one,
    // with their activations, from the extraction; then the subset can classify them.
    const unpredicted = Array.from(sample.memberIds).filter((id) => !cm.rowOf.has(id));
    if (unpredicted.length > 0) {
      const res = await deps.ensureActivations(store, ck.id, layer.name, Int32Array.from(unpredicted), { signal: deps.signal });
      computed.items += res.computedItems; computed.bytes += res.computedBytes; computed.seconds += res.seconds;
      await syncVersion(store);
      cm = await checkpointMeta(store, model, ck, (await versions(store, ck.id, layer.name)).preds);
    }
  }
  const rows = subsetRows(model, ck, cm, params.subset);
  let st = await layerState(store, ck.id, layer.name, cm, (await versions(store, ck.id, layer.name)).acts);

  // Only what the set needs is computed: means alone scan fastest (S2, S1 by mean).
  const parts = { max: params.set === 'S1' && params.by === 'max', argmax: params.set === 'S3' };
  const exactKey = `${ck.id}|${layer.name}|${channel ?? 'unit'}|${JSON.stringify(params.subset)}`;
  const exactAgg = async (): Promise<SubsetAggregates> => {
    const version = `${cm.version}/${st.version}`;
    const hit = cacheOf(store).exact.get(exactKey);
    // Asked on a cluster: computed there (the cached answer would be the same numbers, but the
    // user asked for the cluster's), then cached as any exact answer.
    const cached = hit && hit.version === version && !deps.exactAggregates ? hit.agg : null;
    if (cached && (!parts.max || cached.max) && (!parts.argmax || cached.histogram)) return cached;
    const fresh = deps.exactAggregates
      ? (await deps.exactAggregates(store, { checkpointId: ck.id, layer, channel, subsets: [{ itemIds: Int32Array.from(rows, (r) => cm.preds.itemIds[r]), parts }] }))[0]!
      : await rowSource(store, ck.id, layer, cm, st, rows, channel).then((src) => subsetAggregates(src.matrix, src.rows, parts));
    const agg = cached ? { ...cached, max: fresh.max ?? cached.max, histogram: fresh.histogram ?? cached.histogram } : fresh;
    const bytes = agg.mean.byteLength + (agg.max?.byteLength ?? 0) + (agg.histogram?.byteLength ?? 0) + 256;
    cacheOf(store).exact.set(exactKey, { version, agg }, bytes);
    return agg;
  };

  let result: QueryResult;
  if (!sample) {
    st = await ensureRows(store, ck.id, layer.name, cm, st, rows, deps, computed);
    const agg = rows.length > 0 ? await exactAgg() : null;
    result = { answer: buildAnswer(params, layer, shape, agg), computed, seconds: 0 };
  } else {
    const isMember = new Uint8Array(cm.preds.itemIds.length);
    for (const id of sample.memberIds) {
      const r = cm.rowOf.get(id);
      if (r === undefined) {
        throw new MarginError('CONFLICT',
          `sample: member ${id} of "${sample.name}" still has no prediction for checkpoint "${ck.label}" after extraction: is it an item of the model's data set?`);
      }
      isMember[r] = 1;
    }
    const memberRows = rows.filter((r) => isMember[r] === 1);
    // Whether the exact answer is known is decided before computing the members' activations.
    const exactKnown = rows.length > 0 && rows.every((r) => st.stored[r] === 1);
    st = await ensureRows(store, ck.id, layer.name, cm, st, memberRows, deps, computed);
    let src: RowSource | null = null;
    let sAgg: SubsetAggregates | null = null;
    if (memberRows.length > 0) {
      src = await rowSource(store, ck.id, layer, cm, st, memberRows, channel);
      sAgg = subsetAggregates(src.matrix, src.rows, parts);
    }
    const answer = buildAnswer(params, layer, shape, sAgg);
    const madeOn = model.checkpoints.find((c) => c.id === sample.checkpointId)?.label;
    const out: NonNullable<QueryResult['sample']> = { name: sample.name, ...(madeOn ? { checkpoint: madeOn } : {}) };
    if (exactKnown) {
      const eAgg = await exactAgg();
      out.exact = buildAnswer(params, layer, shape, eAgg);
      out.error = { metric: METRIC[params.set], value: errorOf(params, sAgg, eAgg) };
    } else if (src && sAgg) {
      out.confidenceInterval = bootstrapInterval(params, src, answer);
    }
    result = { answer, sample: out, computed, seconds: 0 };
  }
  result.seconds = (now() - t0) / 1000;
  if (deps.save !== false && !store.readOnly) saveInBackground(store, 'query.run', { ...params, checkpoint: ck.label }, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// query.named

type NamedParams = ParamsOut<'query.named'>;

const TITLES: Record<NamedParams['query'], string> = {
  Q1: 'Per-class average activation',
  Q2: 'Top-k neurons for incorrectly classified items',
  Q3: 'Incorrectly vs correctly classified items of a class',
  Q4: 'Similarity between the logits of a class and a layer',
  Q5: 'Maximally activated neurons for items of class a predicted as b',
  Q6: 'Per-class learning speed across checkpoints',
  Q7: 'Similarity of two models\' representations (linear CKA)',
};

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
const nums = (a: ArrayLike<number>): Array<number | null> => Array.from(a, num);

/** A layer's activations (unit granularity) for prediction rows, with metadata aligned to the matrix rows. */
async function layerView(
  store: Store, ckId: number, layer: LayerInfo, cm: CheckpointMeta, rows: Int32Array, deps: QueryDeps, computed: Computed,
): Promise<{ matrix: Matrix; meta: ItemMeta; within: Int32Array | undefined; logits: Matrix }> {
  let st = await layerState(store, ckId, layer.name, cm, (await versions(store, ckId, layer.name)).acts);
  st = await ensureRows(store, ckId, layer.name, cm, st, rows, deps, computed);
  const src = await rowSource(store, ckId, layer, cm, st, rows, null);
  if (st.full && st.fullRow === 'identity') return { matrix: src.matrix, meta: cm.meta, within: src.rows, logits: cm.preds.logits };
  // Rows read in `rows` order, or the full matrix in another order: align the metadata to `rows`.
  const matrix = src.rows ? gatherRows(src.matrix, src.rows) : src.matrix;
  const k = cm.preds.logits.cols;
  const logits = new Float32Array(rows.length * k);
  rows.forEach((r, i) => logits.set(cm.preds.logits.data.subarray(r * k, (r + 1) * k), i * k));
  return {
    matrix,
    meta: {
      trueLabel: Int32Array.from(rows, (r) => cm.meta.trueLabel[r]),
      predLabel: Int32Array.from(rows, (r) => cm.meta.predLabel[r]),
      correct: Uint8Array.from(rows, (r) => cm.preds.correct[r]),
      confidence: Float32Array.from(rows, (r) => cm.preds.confidence[r]),
    },
    within: undefined,
    logits: { rows: rows.length, cols: k, data: logits },
  };
}

function gatherRows(m: Matrix, rows: Int32Array): Matrix<Float32Array> {
  const out = new Float32Array(rows.length * m.cols);
  for (let i = 0; i < rows.length; i++) out.set(m.data.subarray(rows[i] * m.cols, (rows[i] + 1) * m.cols), i * m.cols);
  return { rows: rows.length, cols: m.cols, data: out };
}

function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function layerUnits(layer: LayerInfo): number {
  return layer.shape.reduce((a, b) => a * b, 1);
}

/**
 * The aggregates of a plan's subsets (prediction rows): on a cluster through `remote` (exact
 * answers), else here from the layer's stored rows — the same numbers either way.
 */
async function planAggregates(
  store: Store, ckId: number, layer: LayerInfo, cm: CheckpointMeta, rows: Int32Array, plan: QueryPlan,
  remote: ExactAggregates | undefined, deps: QueryDeps, computed: Computed,
): Promise<Array<SubsetAggregates | null>> {
  let st = await layerState(store, ckId, layer.name, cm, (await versions(store, ckId, layer.name)).acts);
  st = await ensureRows(store, ckId, layer.name, cm, st, rows, deps, computed);
  if (remote) {
    const subsets = plan.subsets.map((s) => ({ itemIds: Int32Array.from(s, (r) => cm.preds.itemIds[r]), parts: plan.parts }));
    return remote(store, { checkpointId: ckId, layer, channel: null, subsets });
  }
  const src = await rowSource(store, ckId, layer, cm, st, rows, null);
  let toMatrixRow: (r: number) => number;
  if (!st.full) {
    // Just `rows` were read, in that order.
    const at = new Int32Array(cm.preds.itemIds.length).fill(-1);
    rows.forEach((r, i) => { at[r] = i; });
    toMatrixRow = (r) => at[r];
  } else {
    const map = st.fullRow!;
    toMatrixRow = map === 'identity' ? (r) => r : (r) => map[r];
  }
  return aggregatePlan(src.matrix, { subsets: plan.subsets.map((s) => Int32Array.from(s, toMatrixRow)), parts: plan.parts });
}

/** Prediction rows of the sample's members (ascending), or every row. */
function universeRows(cm: CheckpointMeta, members: Int32Array | undefined, model: ModelDetail, ck: CheckpointInfo): Int32Array {
  if (!members) return allRows(cm.preds.itemIds.length);
  const missing = Array.from(members).filter((id) => !cm.rowOf.has(id));
  if (missing.length > 0) {
    throw new MarginError('CONFLICT',
      `sample: ${missing.length} member(s) have no prediction for checkpoint "${ck.label}" of model "${model.name}" (e.g. ${missing.slice(0, 5).join(', ')}): extract predictions for them first`);
  }
  return Int32Array.from(members, (id) => cm.rowOf.get(id)!).sort();
}

/** The paper's Table II queries Q1–Q7 by name (data shapes documented at the top of this file). */
export async function runNamedQuery(store: Store, params: NamedParams, deps: QueryDeps): Promise<NamedQueryResult> {
  const now = deps.now ?? (() => performance.now());
  const t0 = now();
  const q = params.query;
  await syncVersion(store);
  const model = await resolveModel(store, params.model);
  const ck = resolveCheckpoint(model, params.checkpoint);
  const sample = params.sample !== undefined ? await resolveSample(store, model, params.sample) : undefined;
  const computed: Computed = { items: 0, bytes: 0, seconds: 0 };
  let data: unknown;

  if (q === 'Q6') {
    data = await q6(store, model, sample?.memberIds);
  } else if (q === 'Q7') {
    data = await q7(store, model, ck, params, sample?.memberIds, deps, computed);
  } else {
    const layer = resolveLayer(model, params.layer, q);
    const cm = await checkpointMeta(store, model, ck, (await versions(store, ck.id, null)).preds);
    const rows = universeRows(cm, sample?.memberIds, model, ck);
    if (q === 'Q4') {
      const classA = requireClass(model, params.classA, 'classA', q);
      const v = await layerView(store, ck.id, layer, cm, rows, deps, computed);
      const r = q4LogitLayerSimilarity(v.matrix, v.logits, v.meta, { classA, within: v.within });
      data = { correlation: Array.from(r.correlation), cka: num(r.cka), items: r.count };
    } else {
      // Q1, Q2, Q3, Q5: aggregates of a few subsets (queries/named-plans.ts), over prediction rows.
      const within = sample ? rows : undefined;
      let plan: QueryPlan;
      let answer: (aggs: Array<SubsetAggregates | null>) => unknown;
      if (q === 'Q1') {
        checkClass(model, params.classA, 'classA', q);
        const p = q1Plan(cm.meta, { numClasses: model.numClasses, within });
        plan = p;
        answer = (aggs) => {
          const r = q1FromAggregates(aggs, p.numClasses, aggs.find((a) => a)?.mean.length ?? layerUnits(layer));
          const matrix = Array.from({ length: model.numClasses }, (_, c) => (r.counts[c] > 0 ? nums(r.means.data.subarray(c * r.means.cols, (c + 1) * r.means.cols)) : null));
          return { classNames: cm.classNames, matrix, counts: Array.from(r.counts) };
        };
      } else if (q === 'Q3') {
        const classA = requireClass(model, params.classA, 'classA', q);
        plan = q3Plan(cm.meta, { classA, within });
        answer = (aggs) => {
          const r = q3FromAggregates(aggs);
          return {
            incorrect: r.incorrect ? Array.from(r.incorrect) : null, correct: r.correct ? Array.from(r.correct) : null,
            cosineDistance: r.cosineDistance, counts: { incorrect: r.incorrectCount, correct: r.correctCount },
          };
        };
      } else {
        const classA = q === 'Q2' ? checkClass(model, params.classA, 'classA', q) : requireClass(model, params.classA, 'classA', q);
        plan = q === 'Q2'
          ? q2Plan(cm.meta, { k: params.k, trueClass: classA, within })
          : q5Plan(cm.meta, { classA: classA!, classB: requireClass(model, params.classB, 'classB', q), k: params.k, within });
        answer = (aggs) => {
          const r = topFromAggregates(aggs, params.k);
          return { topK: Array.from(r.top, (j, i) => ({ neuron: j, score: r.values[i] })), histogram: r.histogram ? Array.from(r.histogram) : null, items: r.count };
        };
      }
      data = answer(await planAggregates(store, ck.id, layer, cm, rows, plan, sample ? undefined : deps.exactAggregates, deps, computed));
    }
  }
  const result: NamedQueryResult = { query: q, title: TITLES[q], data, seconds: (now() - t0) / 1000 };
  if (deps.save !== false && !store.readOnly) saveInBackground(store, 'query.named', { ...params, checkpoint: ck.label }, { ...result, computed });
  return result;
}

/** Q6: per-class accuracy of every checkpoint (with predictions) on the items all of them predicted. */
async function q6(store: Store, model: ModelDetail, members: Int32Array | undefined) {
  const metas: Array<{ label: string; cm: CheckpointMeta }> = [];
  for (const ck of model.checkpoints) {
    const v = await versions(store, ck.id, null);
    if (v.preds > 0) metas.push({ label: ck.label, cm: await checkpointMeta(store, model, ck, v.preds) });
  }
  if (metas.length === 0) {
    throw new MarginError('NOT_FOUND', `model "${model.name}" has no checkpoint with predictions: run an extraction first (Q6)`);
  }
  const last = metas[metas.length - 1].cm;
  // Items every checkpoint predicted (restricted to the sample's members when given).
  let ids = Array.from(members ?? last.preds.itemIds).filter((id) => metas.every((m) => m.cm.rowOf.has(id)));
  ids = ids.sort((a, b) => a - b);
  if (ids.length === 0) throw badInput(`sample: none of its members has predictions at every checkpoint of model "${model.name}" (Q6)`);
  const trueLabel = Int32Array.from(ids, (id) => last.meta.trueLabel[last.rowOf.get(id)!]);
  const predictions = metas.map((m) => Int32Array.from(ids, (id) => m.cm.meta.predLabel[m.cm.rowOf.get(id)!]));
  const r = q6LearningSpeed(predictions, trueLabel, { numClasses: model.numClasses });
  const T = metas.length;
  return {
    checkpoints: metas.map((m) => m.label),
    classNames: last.classNames,
    accuracy: metas.map((_, t) => Array.from({ length: model.numClasses }, (_, c) => num(r.accuracy.data[c * T + t]))),
    firstReaching: Array.from(r.firstReaching),
    items: ids.length,
  };
}

/** Q7: layer-by-layer linear CKA of two models on the same items. */
async function q7(
  store: Store, model: ModelDetail, ck: CheckpointInfo, params: NamedParams, members: Int32Array | undefined, deps: QueryDeps, computed: Computed,
) {
  if (params.model2 === undefined && params.checkpoint2 === undefined) {
    throw badInput('model2: Q7 compares two representations; pass model2 (another model run on the same data set) or checkpoint2 (another checkpoint of this model)');
  }
  // model2 at checkpoint2 (default its last checkpoint); without model2, this model at checkpoint2.
  const model2 = params.model2 === undefined ? model : await resolveModel(store, params.model2, 'model2');
  const ck2 = resolveCheckpoint(model2, params.checkpoint2, 'checkpoint2');
  if (model.layers.length === 0 || model2.layers.length === 0) {
    throw badInput(`Q7 needs the layer lists of both models; ${model.layers.length === 0 ? model.name : model2.name} has none registered`);
  }
  const cmA = await checkpointMeta(store, model, ck, (await versions(store, ck.id, null)).preds);
  const cmB = await checkpointMeta(store, model2, ck2, (await versions(store, ck2.id, null)).preds);
  const common = Array.from(members ?? cmA.preds.itemIds).filter((id) => cmA.rowOf.has(id) && cmB.rowOf.has(id)).sort((a, b) => a - b);
  let ids: Int32Array;
  let subset: 'sample' | 'random';
  if (members) {
    ids = Int32Array.from(common);
    subset = 'sample';
  } else {
    const take = Math.min(Q7_RANDOM_ITEMS, common.length);
    const pick = sampleWithoutReplacement(common.length, take, createRng(Q7_SEED));
    ids = Int32Array.from(pick, (i) => common[i]).sort();
    subset = 'random';
  }
  if (ids.length < 2) throw badInput(`Q7 needs at least 2 items predicted by both "${model.name}" and "${model2.name}", found ${ids.length}`);
  const load = async (m: ModelDetail, c: CheckpointInfo, cm: CheckpointMeta) => {
    const rows = Int32Array.from(ids, (id) => cm.rowOf.get(id)!);
    const out: Array<{ name: string; matrix: Matrix }> = [];
    // The main layers (post-activation and pooling outputs): what a scientist compares, and a
    // fraction of the cost of every batch-norm and pre-activation output.
    const main = new Set(mainLayers(m.layers));
    for (const l of m.layers.filter((x) => main.has(x.name))) {
      const v = await layerView(store, c.id, l, cm, rows, deps, computed);
      out.push({ name: l.name, matrix: v.within ? gatherRows(v.matrix, v.within) : v.matrix });
    }
    return out;
  };
  const a = await load(model, ck, cmA);
  const b = await load(model2, ck2, cmB);
  const r = q7ModelSimilarity(a, b);
  return {
    layersA: r.layersA, layersB: r.layersB,
    cka: Array.from({ length: r.cka.rows }, (_, i) => nums(r.cka.data.subarray(i * r.cka.cols, (i + 1) * r.cka.cols))),
    items: r.count, subset,
  };
}
