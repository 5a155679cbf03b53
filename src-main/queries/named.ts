/**
 * The paper's representative diagnosis queries (Table II, Q1–Q7) as named pure functions over
 * already-loaded matrices and per-item metadata. Q1, Q2, Q3 and Q5 (aggregates of subsets) live in
 * named-plans.ts; Q4, Q6 and Q7 here (their blocked arithmetic, shared with a cluster, in
 * q4-blocked.ts, q6-counts.ts and cka.ts's Gram functions); the subset filter they
 * share in select.ts. Every query takes an optional `within` (e.g. a sample's member ids) so that
 * the same call answers from a sample or, without it, exactly from the full data.
 */
import type { Matrix } from '../core/matrix.ts';
import { badInput } from '../shared/errors.ts';
import { ckaMatrix } from './cka.ts';
import { q4FromMoments, q4Moments } from './q4-blocked.ts';
import { checkQ6Input, q6Counts, type Q6Counts } from './q6-counts.ts';
import { checkLayer, checkMeta, selectItems, type ItemMeta } from './select.ts';
import { checkFiniteVector, checkMatrix, checkPositiveInt, checkRows, selectRows } from './validate.ts';

export { selectItems } from './select.ts';
export type { ItemMeta, Outcome, SubsetFilter } from './select.ts';
export {
  aggregatePlan, q1FromAggregates, q1PerClassMean, q1Plan, q2Plan, q2TopKIncorrect, q3FromAggregates, q3IncorrectVsCorrect, q3Plan,
  q5ConfusedNeurons, q5Plan, topFromAggregates,
} from './named-plans.ts';
export type { ConfusionCellNeurons, IncorrectVsCorrect, PerClassMeans, QueryPlan, TopNeurons } from './named-plans.ts';

export interface LogitLayerSimilarity {
  count: number;
  /** Per unit, Pearson r between the class-a logit and the unit over the items (0 for a constant unit). */
  correlation: Float64Array;
  /** Units ordered by |r|, strongest first. */
  strongest: Int32Array;
  /** Linear CKA between the logit column (n×1) and the layer (n×units); NaN if either is constant. */
  cka: number;
}

/**
 * Q4 — similarity between the logits of class a and a layer's representation. Defined here, over
 * the items of true class a (or all items with `allItems`), as (1) the per-unit Pearson
 * correlation between logit a and each unit, and (2) linear CKA between the logit column and the
 * whole layer (for a single column this is the share of the layer's variance structure aligned
 * with the logit). Needs at least 2 items. Computed in SUM_BLOCK blocks (q4-blocked.ts), as on a cluster.
 */
export function q4LogitLayerSimilarity(
  layer: Matrix, logits: Matrix, meta: ItemMeta,
  options: { classA: number; allItems?: boolean; within?: Int32Array },
): LogitLayerSimilarity {
  const n = checkMeta(meta);
  checkLayer(layer, n);
  checkLayer(logits, n, 'logits');
  const a = options?.classA;
  if (!Number.isInteger(a) || a < 0 || a >= logits.cols) throw badInput(`classA must be a class index in [0, ${logits.cols}), got ${a}`);
  const rows = selectItems(meta, { trueClass: options.allItems ? undefined : a, items: options.within });
  if (rows.length < 2) throw badInput(`Q4 needs at least 2 items of class ${a}, found ${rows.length}: widen the subset`);
  const y = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) y[k] = logits.data[rows[k] * logits.cols + a];
  checkFiniteVector(y, 'logits');
  // The blocked two-pass arithmetic a Dask cluster also uses (q4-blocked.ts): the same numbers there.
  const { correlation, strongest, cka } = q4FromMoments(q4Moments(layer, rows, y));
  return { count: rows.length, correlation, strongest, cka };
}

export interface LearningSpeed {
  /** numClasses × checkpoints: per-class accuracy at each checkpoint (NaN for a class with no item). */
  accuracy: Matrix<Float64Array>;
  /** Per class, the first checkpoint whose accuracy ≥ threshold × final accuracy; -1 if the final accuracy is 0 or the class is empty. */
  firstReaching: Int32Array;
  /** Per class, mean accuracy over checkpoints (area under the curve / checkpoints): higher = learnt earlier. */
  meanAccuracy: Float64Array;
  counts: Int32Array;
  threshold: number;
}

/**
 * Q6 — per-class learning speed across checkpoints, from each checkpoint's predicted labels.
 * "Does the model learn class e faster than f?" compares firstReaching[e] with firstReaching[f]
 * (ties broken by meanAccuracy).
 */
export function q6LearningSpeed(
  predictions: readonly Int32Array[], trueLabel: Int32Array,
  options: { threshold?: number; numClasses?: number; within?: Int32Array } = {},
): LearningSpeed {
  const numClasses = checkQ6Input(predictions, trueLabel, options.numClasses);
  return q6FromCounts(q6Counts(predictions, trueLabel, numClasses, options.within), predictions.length, options.threshold);
}

/** Q6's answer from its counts (q6-counts.ts: here, or added up from a cluster's blocks). */
export function q6FromCounts(c: Q6Counts, checkpoints: number, thresholdOption?: number): LearningSpeed {
  const threshold = thresholdOption ?? 0.9;
  if (!(threshold > 0 && threshold <= 1)) throw badInput(`threshold must be in (0, 1], got ${threshold}`);
  const T = checkpoints, numClasses = c.counts.length, counts = c.counts;
  const acc = new Float64Array(numClasses * T);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < numClasses; k++) acc[k * T + t] = counts[k] > 0 ? c.hits[t * numClasses + k] / counts[k] : Number.NaN;
  }
  const firstReaching = new Int32Array(numClasses).fill(-1);
  const meanAccuracy = new Float64Array(numClasses).fill(Number.NaN);
  for (let c = 0; c < numClasses; c++) {
    if (counts[c] === 0) continue;
    const final = acc[c * T + T - 1];
    let s = 0;
    for (let t = 0; t < T; t++) s += acc[c * T + t];
    meanAccuracy[c] = s / T;
    if (final <= 0) continue;
    for (let t = 0; t < T; t++) {
      // A small tolerance so that rounding in threshold*final never misses the final checkpoint.
      if (acc[c * T + t] >= threshold * final - 1e-12) { firstReaching[c] = t; break; }
    }
  }
  return { accuracy: { rows: numClasses, cols: T, data: acc }, firstReaching, meanAccuracy, counts, threshold };
}

export interface ModelSimilarity {
  /** layersA × layersB linear CKA heatmap. */
  cka: Matrix<Float64Array>;
  layersA: string[];
  layersB: string[];
  count: number;
}

/** Q7 — layer-by-layer linear CKA between two models' representations of the same items. */
export function q7ModelSimilarity(
  modelA: ReadonlyArray<{ name: string; matrix: Matrix }>,
  modelB: ReadonlyArray<{ name: string; matrix: Matrix }>,
  options: { within?: Int32Array } = {},
): ModelSimilarity {
  if (!Array.isArray(modelA) || modelA.length === 0) throw badInput('modelA must be a non-empty list of {name, matrix} layers');
  if (!Array.isArray(modelB) || modelB.length === 0) throw badInput('modelB must be a non-empty list of {name, matrix} layers');
  const n = modelA[0].matrix?.rows;
  [...modelA, ...modelB].forEach((l, i) => {
    const name = i < modelA.length ? `modelA layer ${l?.name}` : `modelB layer ${l?.name}`;
    checkMatrix(l?.matrix, name);
    if (l.matrix.rows !== n) throw badInput(`${name} has ${l.matrix.rows} items but ${modelA[0].name} has ${n}: both models must be run on the same items`);
  });
  if (options.within !== undefined) checkRows(options.within, n, 'within');
  const pick = (m: Matrix) => (options.within ? selectRows(m, options.within) : m);
  const a = modelA.map((l) => pick(l.matrix));
  const b = modelB.map((l) => pick(l.matrix));
  return {
    cka: ckaMatrix(a, b),
    layersA: modelA.map((l) => l.name),
    layersB: modelB.map((l) => l.name),
    count: a[0].rows,
  };
}
