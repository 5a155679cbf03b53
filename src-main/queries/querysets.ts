/**
 * The paper's query sets (Table III) for one subset, and the query-set score of a sample
 * (§III, §V-C): for every combination (layer × true class × correct/incorrect) whose full-data
 * subset is non-empty, compare the sample's answer with the exact one and average.
 *   S1  top-K neurons ranked by mean (or max) activation      → precision@K   (1 is perfect)
 *   S2  mean activation vector                                → cosine distance (0 is perfect)
 *   S3  distribution of each item's most activated neuron     → Jensen–Shannon distance (0 is perfect)
 * A combination the sample has no item of scores 0 for S1 and 1 for S2 and S3.
 *
 * Speed: `prepareExactAnswers` scans every full layer once (each combination's rows, column sums
 * block by block as subsetAggregates does, so a cluster can compute them too) and keeps the exact
 * answers; `scoreSample` then scans only the sample's member rows, once per layer.
 */
import type { Matrix } from '../core/matrix.ts';
import { badInput } from '../shared/errors.ts';
import {
  argmaxHistogram, columnMax, columnMean, groupArgmaxHistogram, groupedAggregates, groupMax, groupMean, subsetAggregates, topK,
} from './aggregates.ts';
import type { GroupedAggregates, SubsetAggregates } from './aggregates.ts';
import { cosineDistance, jensenShannonDistance, precisionAtK } from './metrics.ts';
import { checkMatrix, checkPositiveInt, checkRows, throwNonFinite } from './validate.ts';

export type RankBy = 'mean' | 'max';

export interface S1Options {
  /** How many neurons; clamped to the layer's width. */
  k: number;
  /** Rank neurons by mean activation over the subset (default, as the paper) or by max. */
  by?: RankBy;
}

function checkBy(by: unknown): RankBy {
  if (by === undefined) return 'mean';
  if (by !== 'mean' && by !== 'max') throw badInput(`by must be 'mean' or 'max', got ${String(by)}`);
  return by;
}

/** S1: indices of the K most activated neurons over the rows (all rows if undefined). */
export function answerS1(m: Matrix, rows: Int32Array | undefined, options: S1Options): Int32Array {
  const by = checkBy(options?.by);
  checkPositiveInt(options?.k, 'k');
  const v = by === 'mean' ? columnMean(m, rows) : columnMax(m, rows);
  return topK(v, options.k);
}

/** S2: the mean activation vector over the rows (all rows if omitted). */
export function answerS2(m: Matrix, rows?: Int32Array): Float64Array {
  return columnMean(m, rows);
}

/** S3: the normalised histogram of each item's argmax neuron over the rows (all rows if omitted). */
export function answerS3(m: Matrix, rows?: Int32Array): Float64Array {
  return argmaxHistogram(m, rows);
}

export interface QuerySetLayer {
  name: string;
  /** Full activations: one row per item (all N items), one column per unit. */
  matrix: Matrix;
}

export interface QuerySetInput {
  layers: QuerySetLayer[];
  /** True class per item, in [0, numClasses). */
  trueLabels: Int32Array;
  /** Whether the model classified each item correctly (1/true) or not (0/false). */
  correct: ArrayLike<number | boolean>;
  /** Defaults to max(trueLabels) + 1. */
  numClasses?: number;
}

/** One (layer × class × outcome) subset with items in the full data. */
export interface Combination {
  layerIndex: number;
  layer: string;
  trueClass: number;
  correct: boolean;
  /** Group id used by the grouped scans: trueClass*2 + (correct ? 1 : 0). */
  group: number;
  fullCount: number;
}

/** The exact answers, computed once and reused for every sample scored against them. */
export interface ExactAnswers {
  n: number;
  numClasses: number;
  layers: QuerySetLayer[];
  /** Per item: its combination group, trueClass*2 + correctFlag. */
  groupOf: Int32Array;
  combinations: Combination[];
  /** Per combination (same order): the exact S2 mean vector and S3 histogram. */
  means: Float64Array[];
  maxes: Float64Array[];
  histograms: Float64Array[];
  /** Exact top-K lists per combination, memoised per (K, by) since E2 sweeps K. */
  topCache: Map<string, Int32Array[]>;
}

/**
 * The subsets of the query-set score: per group (trueClass·2 + correctFlag) its items, ascending.
 * What a cluster computes aggregates of (src-main/cluster/exact.ts) for prepareExactAnswers.
 */
export function combinationSubsets(trueLabels: Int32Array, correct: ArrayLike<number | boolean>, numClasses: number): Int32Array[] {
  const lists: number[][] = Array.from({ length: numClasses * 2 }, () => []);
  for (let i = 0; i < trueLabels.length; i++) lists[trueLabels[i] * 2 + (correct[i] ? 1 : 0)].push(i);
  return lists.map((l) => Int32Array.from(l));
}

/**
 * Validates the input and keeps every exact answer: per layer and combination, the
 * subsetAggregates of the combination's items (column sums block by block, SUM_BLOCK). With
 * `aggregates` (per layer, one entry per group of combinationSubsets, null when empty: computed
 * elsewhere, e.g. on a cluster) the layers are not scanned for them.
 */
export function prepareExactAnswers(input: QuerySetInput, aggregates?: ReadonlyArray<ReadonlyArray<SubsetAggregates | null>>): ExactAnswers {
  const { layers, trueLabels, correct } = input ?? ({} as QuerySetInput);
  if (!Array.isArray(layers) || layers.length === 0) throw badInput('layers must be a non-empty list of {name, matrix}');
  if (!(trueLabels instanceof Int32Array)) throw badInput('trueLabels must be an Int32Array with one class per item');
  const n = trueLabels.length;
  if (n === 0) throw badInput('trueLabels is empty: the query-set score needs at least one item');
  if (!correct || correct.length !== n) {
    throw badInput(`correct has ${correct?.length} entries but there are ${n} items: pass one correct flag per item`);
  }
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    const t = trueLabels[i];
    if (t < 0) throw badInput(`trueLabels[${i}] = ${t}: class labels are non-negative integers`);
    if (t > maxLabel) maxLabel = t;
  }
  const numClasses = input.numClasses ?? maxLabel + 1;
  checkPositiveInt(numClasses, 'numClasses');
  if (maxLabel >= numClasses) throw badInput(`trueLabels has class ${maxLabel} but numClasses is ${numClasses}`);
  layers.forEach((l, li) => {
    checkMatrix(l?.matrix, `layers[${li}].matrix`);
    if (l.matrix.rows !== n) {
      throw badInput(`layer ${l.name} has ${l.matrix.rows} rows but there are ${n} items: pass the full activation matrix`);
    }
    if (l.matrix.cols === 0) throw badInput(`layer ${l.name} has no units`);
  });

  const groups = numClasses * 2;
  const groupOf = new Int32Array(n);
  for (let i = 0; i < n; i++) groupOf[i] = trueLabels[i] * 2 + (correct[i] ? 1 : 0);
  const subsets = combinationSubsets(trueLabels, correct, numClasses);
  if (aggregates !== undefined && (!Array.isArray(aggregates) || aggregates.length !== layers.length || aggregates.some((a) => !Array.isArray(a) || a.length !== groups))) {
    throw badInput(`aggregates must hold, per layer (${layers.length}), one entry per combination group (${groups})`);
  }

  const combinations: Combination[] = [];
  const means: Float64Array[] = [];
  const maxes: Float64Array[] = [];
  const histograms: Float64Array[] = [];
  layers.forEach((l, li) => {
    for (let g = 0; g < groups; g++) {
      if (subsets[g].length === 0) continue;
      const agg = aggregates ? aggregates[li][g] : scanGroup(l.matrix, subsets[g]);
      if (!agg || agg.count !== subsets[g].length || !agg.max || !agg.histogram || agg.mean.length !== l.matrix.cols) {
        throw badInput(`aggregates of layer ${l.name}, group ${g}: expected ${subsets[g].length} items with means, maxima and histograms of ${l.matrix.cols} units`);
      }
      combinations.push({ layerIndex: li, layer: l.name, trueClass: g >> 1, correct: (g & 1) === 1, group: g, fullCount: agg.count });
      means.push(agg.mean);
      maxes.push(Float64Array.from(agg.max));
      histograms.push(agg.histogram);
    }
  });
  return { n, numClasses, layers, groupOf, combinations, means, maxes, histograms, topCache: new Map() };
}

/** subsetAggregates of one group's rows; a non-finite value is reported at its first row in the layer (not the group). */
function scanGroup(m: Matrix, rows: Int32Array): SubsetAggregates {
  try {
    return subsetAggregates(m, rows, { max: true, argmax: true });
  } catch {
    // The rows are valid and non-empty here, so the only refusal is a non-finite activation.
    return throwNonFinite(m, undefined, 'matrix');
  }
}

function exactTops(exact: ExactAnswers, k: number, by: RankBy): Int32Array[] {
  const key = `${k}:${by}`;
  let tops = exact.topCache.get(key);
  if (!tops) {
    tops = exact.combinations.map((_, c) => topK(by === 'mean' ? exact.means[c] : exact.maxes[c], k));
    exact.topCache.set(key, tops);
  }
  return tops;
}

export interface CombinationScore extends Combination {
  /** Sample members in this combination (0 → the missing-combination scores). */
  sampleCount: number;
  /** precision@K (K clamped to the layer width). */
  s1: number;
  /** Cosine distance of the mean vectors. */
  s2: number;
  /** Jensen–Shannon distance of the argmax distributions. */
  s3: number;
}

export interface QuerySetScore {
  k: number;
  by: RankBy;
  /** Mean over combinations: S1 precision (higher is better), S2/S3 distances (lower is better). */
  s1: number;
  s2: number;
  s3: number;
  /** Combinations the sample has no item of. */
  missing: number;
  combinations: CombinationScore[];
}

/** One scan per layer over the sample's member rows, grouped by combination. */
function scanSample(exact: ExactAnswers, members: Int32Array): GroupedAggregates[] {
  if (!(members instanceof Int32Array)) throw badInput('members must be an Int32Array of item indices');
  checkRows(members, exact.n, 'members');
  return exact.layers.map((l) => groupedAggregates(l.matrix, exact.groupOf, exact.numClasses * 2, members));
}

/**
 * Scores a sample (its member item indices; repeats count repeatedly) against the exact
 * answers on all three query sets. `k` is S1's K; `by` ranks S1 by mean (default) or max.
 */
export function scoreSample(exact: ExactAnswers, members: Int32Array, options: S1Options): QuerySetScore {
  const by = checkBy(options?.by);
  checkPositiveInt(options?.k, 'k');
  const k = options.k;
  const scans = scanSample(exact, members);
  const combinations: CombinationScore[] = [];
  let s1 = 0, s2 = 0, s3 = 0, missing = 0;
  exact.combinations.forEach((c, ci) => {
    const agg = scans[c.layerIndex];
    const count = agg.counts[c.group];
    let p1 = 0, d2 = 1, d3 = 1;
    if (count > 0) {
      const kk = Math.min(k, agg.cols);
      const mean = groupMean(agg, c.group);
      const top = topK(by === 'mean' ? mean : groupMax(agg, c.group), kk);
      p1 = precisionAtK(top, exactTops(exact, kk, by)[ci], kk);
      d2 = cosineDistance(mean, exact.means[ci]);
      d3 = jensenShannonDistance(groupArgmaxHistogram(agg, c.group), exact.histograms[ci]);
    } else {
      missing++;
    }
    s1 += p1; s2 += d2; s3 += d3;
    combinations.push({ ...c, sampleCount: count, s1: p1, s2: d2, s3: d3 });
  });
  const nc = exact.combinations.length;
  return { k, by, s1: s1 / nc, s2: s2 / nc, s3: s3 / nc, missing, combinations };
}

/**
 * S1 precision averaged over combinations for several K at once (experiment E2: K = 1…100),
 * from a single scan of the sample. Returns one mean precision per entry of `ks`.
 */
export function precisionCurve(exact: ExactAnswers, members: Int32Array, ks: readonly number[], by: RankBy = 'mean'): Float64Array {
  checkBy(by);
  if (!Array.isArray(ks) || ks.length === 0) throw badInput('ks must be a non-empty list of K values');
  ks.forEach((k, i) => checkPositiveInt(k, `ks[${i}]`));
  const scans = scanSample(exact, members);
  const kMax = Math.max(...ks);
  const out = new Float64Array(ks.length);
  exact.combinations.forEach((c, ci) => {
    const agg = scans[c.layerIndex];
    if (agg.counts[c.group] === 0) return; // missing combination: precision 0 for every K
    // One ranking of length max K serves every K: the first K of a top-K_max list is the top-K.
    const full = by === 'mean' ? exact.means[ci] : exact.maxes[ci];
    const fullTop = exactTops(exact, Math.min(kMax, agg.cols), by)[ci];
    const sampleTop = topK(by === 'mean' ? groupMean(agg, c.group) : groupMax(agg, c.group), Math.min(kMax, full.length));
    ks.forEach((k, i) => {
      const kk = Math.min(k, agg.cols);
      out[i] += precisionAtK(sampleTop, fullTop, kk);
    });
  });
  for (let i = 0; i < out.length; i++) out[i] /= exact.combinations.length;
  return out;
}
