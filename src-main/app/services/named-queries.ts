/**
 * The paper's Table II queries Q1–Q7 (`query.named`) over a project's activation store, on the
 * read path of query-context.ts.
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
  aggregatePlan, cosineDistance, q1FromAggregates, q1Plan, q2Plan, q3FromAggregates, q3Plan, q4LogitLayerSimilarity, q5Plan,
  q6LearningSpeed, q7ModelSimilarity, selectItems, topFromAggregates, topK, centredGram, ckaMatrixFromGrams,
} from '../../queries/index.ts';
import { q6FromCounts } from '../../queries/named.ts';
import { checkQ6Input } from '../../queries/q6-counts.ts';
import type { ItemMeta, QueryPlan, SubsetAggregates } from '../../queries/index.ts';
import type { NamedQueryResult, ParamsOut } from '../../shared/api.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import type { CheckpointInfo, ModelDetail, Store } from '../../store/index.ts';
import {
  Q7_RANDOM_ITEMS, Q7_SEED, syncVersion, versions, saveInBackground, checkpointMeta, layerState, resolveModel, resolveCheckpoint,
  resolveLayer, checkClass, requireClass, resolveSample, ensureRows, rowSource,
} from './query-context.ts';
import type { QueryDeps, ExactAggregates, ExactNamed, CheckpointMeta, Computed } from './query-context.ts';
import { centredLogits, q4FromMoments } from '../../queries/q4-blocked.ts';

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

/**
 * Q4 with its passes elsewhere (a cluster): x̄ as a plan's aggregate, then the blocked moments
 * (queries/q4-blocked.ts) over the class's items in the local scan order (ascending prediction
 * rows) — the numbers q4LogitLayerSimilarity computes here.
 */
async function q4Remote(
  store: Store, ckId: number, layer: LayerInfo, cm: CheckpointMeta, rows: Int32Array, classA: number,
  aggregates: ExactAggregates, named: ExactNamed, deps: QueryDeps, computed: Computed,
): Promise<{ correlation: Float64Array; cka: number; count: number }> {
  const mine = selectItems(cm.meta, { trueClass: classA });
  if (mine.length < 2) throw badInput(`Q4 needs at least 2 items of class ${classA}, found ${mine.length}: widen the subset`);
  const k = cm.preds.logits.cols;
  const dy = centredLogits(Float64Array.from(mine, (r) => cm.preds.logits.data[r * k + classA]));
  const [agg] = await planAggregates(store, ckId, layer, cm, rows, { subsets: [mine], parts: {} }, aggregates, deps, computed);
  const itemIds = Int32Array.from(mine, (r) => cm.preds.itemIds[r]);
  const moments = await named.q4(store, { checkpointId: ckId, layer, itemIds, mean: agg!.mean, dy });
  return { ...q4FromMoments(moments), count: mine.length };
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
    data = await q6(store, model, sample?.memberIds, sample ? undefined : deps.exactNamed);
  } else if (q === 'Q7') {
    data = await q7(store, model, ck, params, sample?.memberIds, deps, computed);
  } else {
    const layer = resolveLayer(model, params.layer, q);
    const cm = await checkpointMeta(store, model, ck, (await versions(store, ck.id, null)).preds);
    const rows = universeRows(cm, sample?.memberIds, model, ck);
    if (q === 'Q4') {
      const classA = requireClass(model, params.classA, 'classA', q);
      let r: { correlation: Float64Array; cka: number; count: number };
      if (!sample && deps.exactAggregates && deps.exactNamed) {
        r = await q4Remote(store, ck.id, layer, cm, rows, classA, deps.exactAggregates, deps.exactNamed, deps, computed);
      } else {
        const v = await layerView(store, ck.id, layer, cm, rows, deps, computed);
        r = q4LogitLayerSimilarity(v.matrix, v.logits, v.meta, { classA, within: v.within });
      }
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
async function q6(store: Store, model: ModelDetail, members: Int32Array | undefined, remote: ExactNamed | undefined) {
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
  // Elsewhere (a cluster): the per-class counts, added up from blocks — integers, so the same answer.
  const r = remote
    ? q6FromCounts(await remote.q6(store, { trueLabel, predictions, numClasses: checkQ6Input(predictions, trueLabel, model.numClasses) }), predictions.length)
    : q6LearningSpeed(predictions, trueLabel, { numClasses: model.numClasses });
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
  // The main layers (post-activation and pooling outputs): what a scientist compares, and a
  // fraction of the cost of every batch-norm and pre-activation output.
  const layersOf = (m: ModelDetail) => {
    const main = new Set(mainLayers(m.layers));
    return m.layers.filter((x) => main.has(x.name));
  };
  const load = async (m: ModelDetail, c: CheckpointInfo, cm: CheckpointMeta) => {
    const rows = Int32Array.from(ids, (id) => cm.rowOf.get(id)!);
    const out: Array<{ name: string; matrix: Matrix }> = [];
    for (const l of layersOf(m)) {
      const v = await layerView(store, c.id, l, cm, rows, deps, computed);
      out.push({ name: l.name, matrix: v.within ? gatherRows(v.matrix, v.within) : v.matrix });
    }
    return out;
  };
  let r: { cka: Matrix<Float64Array>; layersA: string[]; layersB: string[]; count: number };
  if (members) {
    r = q7ModelSimilarity(await load(model, ck, cmA), await load(model2, ck2, cmB));
  } else {
    // ≤ 500 seeded items: every layer through its centred n×n Gram matrix (cka.ts centredGram),
    // here or on a cluster (deps.exactNamed.q7) — the same numbers either way.
    const sides = [{ m: model, c: ck, cm: cmA }, { m: model2, c: ck2, cm: cmB }].map((s) => ({ ...s, layers: layersOf(s.m) }));
    let grams: Float64Array[];
    if (deps.exactNamed) {
      for (const s of sides) {
        const rows = Int32Array.from(ids, (id) => s.cm.rowOf.get(id)!);
        for (const l of s.layers) await ensureRows(store, s.c.id, l.name, s.cm, await layerState(store, s.c.id, l.name, s.cm, (await versions(store, s.c.id, l.name)).acts), rows, deps, computed);
      }
      grams = await deps.exactNamed.q7(store, { layers: sides.flatMap((s) => s.layers.map((layer) => ({ checkpointId: s.c.id, layer }))), itemIds: ids });
    } else {
      grams = [];
      for (const s of sides) for (const l of await load(s.m, s.c, s.cm)) grams.push(centredGram(l.matrix, `layer ${l.name}`));
    }
    const nA = sides[0].layers.length;
    r = { cka: ckaMatrixFromGrams(grams.slice(0, nA), grams.slice(nA)), layersA: sides[0].layers.map((l) => l.name), layersB: sides[1].layers.map((l) => l.name), count: ids.length };
  }
  return {
    layersA: r.layersA, layersB: r.layersB,
    cka: Array.from({ length: r.cka.rows }, (_, i) => nums(r.cka.data.subarray(i * r.cka.cols, (i + 1) * r.cka.cols))),
    items: r.count, subset,
  };
}
