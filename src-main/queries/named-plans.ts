/**
 * Q1, Q2, Q3 and Q5 (Table II): the named queries that are aggregates of a few subsets of a
 * layer's rows. Each is split in two halves so that the aggregates can be computed anywhere:
 *   plan  (qNPlan)            which subsets (row lists, in scan order) and which parts
 *                              (means always; column maxima, argmax counts when needed);
 *   answer (qNFromAggregates) the query's answer from one SubsetAggregates per subset
 *                              (null for an empty subset).
 * Locally the aggregates are subsetAggregates over the layer (`aggregatePlan`); on a Dask
 * cluster they are block partials combined on the workstation (src-main/cluster/exact.ts),
 * the same numbers bit for bit — so a cluster answer equals the local one.
 */
import type { Matrix } from '../core/matrix.ts';
import { badInput } from '../shared/errors.ts';
import { subsetAggregates, topK, type SubsetAggregates, type SubsetParts } from './aggregates.ts';
import { cosineDistance } from './metrics.ts';
import type { RankBy } from './querysets.ts';
import { checkLayer, checkMeta, selectItems, type ItemMeta, type Outcome } from './select.ts';
import { checkPositiveInt } from './validate.ts';

/** The subsets a query reads (rows of the layer matrix, in scan order) and what it needs of each. */
export interface QueryPlan {
  subsets: Int32Array[];
  parts: SubsetParts;
}

/** subsetAggregates of each subset of the plan (null for an empty one): the local half. */
export function aggregatePlan(layer: Matrix, plan: QueryPlan): Array<SubsetAggregates | null> {
  return plan.subsets.map((rows) => (rows.length > 0 ? subsetAggregates(layer, rows, plan.parts) : null));
}

function checkBy(by: unknown): RankBy {
  if (by !== 'mean' && by !== 'max') throw badInput(`by must be 'mean' or 'max', got ${String(by)}`);
  return by;
}

function checkAggs(aggs: ReadonlyArray<SubsetAggregates | null>, n: number, what: string): void {
  if (!Array.isArray(aggs) || aggs.length !== n) throw badInput(`${what} needs ${n} aggregates (one per subset of its plan), got ${aggs?.length}`);
}

// ---------------------------------------------------------------------------------------------
// Q1

export interface PerClassMeans {
  /** numClasses × units; a class with no selected item has a row of NaN (count 0). */
  means: Matrix<Float64Array>;
  counts: Int32Array;
}

/** Q1's subsets: the selected items of each true class (classes 0 … numClasses−1). */
export function q1Plan(meta: ItemMeta, options: { numClasses?: number; outcome?: Outcome; within?: Int32Array } = {}): QueryPlan & { numClasses: number } {
  const n = checkMeta(meta);
  let maxLabel = -1;
  for (let i = 0; i < n; i++) maxLabel = Math.max(maxLabel, meta.trueLabel[i]);
  const numClasses = options.numClasses ?? maxLabel + 1;
  checkPositiveInt(numClasses, 'numClasses');
  if (maxLabel >= numClasses) throw badInput(`meta.trueLabel has class ${maxLabel} but numClasses is ${numClasses}`);
  const rows = selectItems(meta, { outcome: options.outcome, items: options.within });
  const lists: number[][] = Array.from({ length: numClasses }, () => []);
  for (const r of rows) lists[meta.trueLabel[r]].push(r);
  return { subsets: lists.map((l) => Int32Array.from(l)), parts: {}, numClasses };
}

export function q1FromAggregates(aggs: ReadonlyArray<SubsetAggregates | null>, numClasses: number, units: number): PerClassMeans {
  checkAggs(aggs, numClasses, 'Q1');
  const data = new Float64Array(numClasses * units).fill(Number.NaN);
  const counts = new Int32Array(numClasses);
  aggs.forEach((a, c) => {
    if (!a) return;
    counts[c] = a.count;
    data.set(a.mean, c * units);
  });
  return { means: { rows: numClasses, cols: units, data }, counts };
}

/**
 * Q1 — average activation of every unit of a layer for each true class (classes × units).
 * `outcome` narrows to correctly / incorrectly classified items; `within` to a sample.
 */
export function q1PerClassMean(
  layer: Matrix, meta: ItemMeta,
  options: { numClasses?: number; outcome?: Outcome; within?: Int32Array } = {},
): PerClassMeans {
  checkLayer(layer, checkMeta(meta));
  const plan = q1Plan(meta, options);
  return q1FromAggregates(aggregatePlan(layer, plan), plan.numClasses, layer.cols);
}

// ---------------------------------------------------------------------------------------------
// Q2 and Q5: top-k neurons (and the argmax histogram) of one subset

export interface TopNeurons {
  count: number;
  /** Neuron indices, most activated first; empty when no item is selected. */
  top: Int32Array;
  /** The ranking value (mean or max activation) of each neuron in `top`. */
  values: Float64Array;
}

export interface ConfusionCellNeurons extends TopNeurons {
  /** Normalised argmax histogram over neurons; null when no item is selected. */
  histogram: Float64Array | null;
}

function topPlan(rows: Int32Array, k: number, by: RankBy): QueryPlan {
  checkPositiveInt(k, 'k');
  return { subsets: [rows], parts: { max: checkBy(by) === 'max', argmax: true } };
}

/** Top-k neurons and argmax histogram from the one subset's aggregates. */
export function topFromAggregates(aggs: ReadonlyArray<SubsetAggregates | null>, k: number, by: RankBy = 'mean'): ConfusionCellNeurons {
  checkAggs(aggs, 1, 'a top-k query');
  checkPositiveInt(k, 'k');
  const a = aggs[0];
  if (!a) return { count: 0, top: new Int32Array(0), values: new Float64Array(0), histogram: null };
  const v = checkBy(by) === 'mean' ? a.mean : a.max;
  if (!v) throw badInput('the aggregates lack the column maxima that ranking by max needs');
  const top = topK(v, k);
  return { count: a.count, top, values: Float64Array.from(top, (j) => v[j]), histogram: a.histogram };
}

/** Q2's subset: the incorrectly classified items (of true class `trueClass` when given). */
export function q2Plan(meta: ItemMeta, options: { k: number; by?: RankBy; trueClass?: number; within?: Int32Array }): QueryPlan {
  const rows = selectItems(meta, { outcome: 'incorrect', trueClass: options?.trueClass, items: options?.within });
  return topPlan(rows, options?.k, options?.by ?? 'mean');
}

/** Q2 — the top-k most activated neurons of a layer over incorrectly classified items (and their argmax histogram). */
export function q2TopKIncorrect(
  layer: Matrix, meta: ItemMeta,
  options: { k: number; by?: RankBy; trueClass?: number; within?: Int32Array },
): ConfusionCellNeurons {
  checkLayer(layer, checkMeta(meta));
  const plan = q2Plan(meta, options);
  return topFromAggregates(aggregatePlan(layer, plan), options.k, options.by ?? 'mean');
}

/** Q5's subset: items of true class a predicted as class b. */
export function q5Plan(meta: ItemMeta, options: { classA: number; classB: number; k: number; by?: RankBy; within?: Int32Array }): QueryPlan {
  const rows = selectItems(meta, { trueClass: options?.classA, predClass: options?.classB, items: options?.within });
  return topPlan(rows, options?.k, options?.by ?? 'mean');
}

/** Q5 — maximally activated neurons for items of true class a predicted as class b. */
export function q5ConfusedNeurons(
  layer: Matrix, meta: ItemMeta,
  options: { classA: number; classB: number; k: number; by?: RankBy; within?: Int32Array },
): ConfusionCellNeurons {
  checkLayer(layer, checkMeta(meta));
  const plan = q5Plan(meta, options);
  return topFromAggregates(aggregatePlan(layer, plan), options.k, options.by ?? 'mean');
}

// ---------------------------------------------------------------------------------------------
// Q3

export interface IncorrectVsCorrect {
  incorrectCount: number;
  correctCount: number;
  /** Mean activation vectors; null when the side has no item. */
  incorrect: Float64Array | null;
  correct: Float64Array | null;
  /** Cosine distance between the two means; null unless both exist. */
  cosineDistance: number | null;
}

/** Q3's subsets: class a's incorrectly, then correctly classified items. */
export function q3Plan(meta: ItemMeta, options: { classA: number; within?: Int32Array }): QueryPlan {
  const bad = selectItems(meta, { trueClass: options?.classA, outcome: 'incorrect', items: options?.within });
  const good = selectItems(meta, { trueClass: options?.classA, outcome: 'correct', items: options?.within });
  return { subsets: [bad, good], parts: {} };
}

export function q3FromAggregates(aggs: ReadonlyArray<SubsetAggregates | null>): IncorrectVsCorrect {
  checkAggs(aggs, 2, 'Q3');
  const [bad, good] = aggs;
  const incorrect = bad ? bad.mean : null;
  const correct = good ? good.mean : null;
  return {
    incorrectCount: bad?.count ?? 0,
    correctCount: good?.count ?? 0,
    incorrect,
    correct,
    cosineDistance: incorrect && correct ? cosineDistance(incorrect, correct) : null,
  };
}

/** Q3 — average activation of class a's incorrectly vs correctly classified items. */
export function q3IncorrectVsCorrect(
  layer: Matrix, meta: ItemMeta, options: { classA: number; within?: Int32Array },
): IncorrectVsCorrect {
  checkLayer(layer, checkMeta(meta));
  return q3FromAggregates(aggregatePlan(layer, q3Plan(meta, options)));
}
