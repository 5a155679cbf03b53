/**
 * The query service: S1/S2/S3 (`query.run`) over a project's activation store. The paper's Table II
 * queries Q1–Q7 (`query.named`) are in named-queries.ts; the read path both share (dependencies,
 * caches, name resolution, lazily computed activations) in query-context.ts. This module is the
 * service's entry point and re-exports what callers use from both.
 */
import type { LayerInfo } from '../../core/extraction-types.ts';
import { createRng } from '../../core/rng.ts';
import {
  bootstrapS2, bootstrapS3, bootstrapScores, cosineDistance, jensenShannonDistance, precisionAtK, selectItems, subsetAggregates, topK,
} from '../../queries/index.ts';
import type { SubsetAggregates } from '../../queries/index.ts';
import type { ParamsOut, QueryAnswer, QueryResult } from '../../shared/api.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import type { CheckpointInfo, ModelDetail, Store } from '../../store/index.ts';
import {
  BOOTSTRAP_SEED, BOOTSTRAP_RESAMPLES, BOOTSTRAP_LEVEL, cacheOf, syncVersion, versions, saveInBackground, checkpointMeta, layerState,
  resolveModel, resolveCheckpoint, resolveLayer, checkClass, resolveSample, ensureRows, rowSource,
} from './query-context.ts';
import type { QueryDeps, CheckpointMeta, Computed, RowSource } from './query-context.ts';

export { runNamedQuery } from './named-queries.ts';
export { BOOTSTRAP_LEVEL, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, Q7_RANDOM_ITEMS, Q7_SEED, clearQueryCache, flushQueryResults } from './query-context.ts';
export type { EnsureActivations, EnsureActivationsResult, ExactAggregates, ExactNamed, QueryDeps } from './query-context.ts';

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
