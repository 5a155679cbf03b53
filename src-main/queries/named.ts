/**
 * The paper's representative diagnosis queries (Table II, Q1–Q7) as named pure functions over
 * already-loaded matrices and per-item metadata, plus the generic subset filter they share.
 * Every query takes an optional `within` (e.g. a sample's member ids) so that the same call
 * answers from a sample or, without it, exactly from the full data.
 */
import type { Matrix } from '../core/matrix.ts';
import { badInput } from '../shared/errors.ts';
import { argmaxHistogram, columnMax, columnMean, groupedAggregates, groupMean, topK } from './aggregates.ts';
import { ckaMatrix, linearCka } from './cka.ts';
import { cosineDistance } from './metrics.ts';
import type { RankBy } from './querysets.ts';
import { checkFiniteVector, checkMatrix, checkPositiveInt, checkRows, selectRows } from './validate.ts';

/** Per-item metadata, index-aligned with the activation matrices' rows. */
export interface ItemMeta {
  trueLabel: Int32Array;
  predLabel: Int32Array;
  /** Defaults to trueLabel === predLabel. */
  correct?: ArrayLike<number | boolean>;
  /** The model's probability for its predicted class; needed only for confidence filters. */
  confidence?: Float32Array | Float64Array;
}

export type Outcome = 'correct' | 'incorrect' | 'all';

export interface SubsetFilter {
  trueClass?: number;
  predClass?: number;
  outcome?: Outcome;
  /** Inclusive confidence range [lo, hi]. */
  confidence?: [number, number];
  /** Restrict to these items (e.g. a sample's members); kept in the given order, repeats dropped. */
  items?: Int32Array;
}

function checkMeta(meta: ItemMeta): number {
  if (!meta || !(meta.trueLabel instanceof Int32Array)) throw badInput('meta.trueLabel must be an Int32Array with one class per item');
  const n = meta.trueLabel.length;
  if (!(meta.predLabel instanceof Int32Array) || meta.predLabel.length !== n) {
    throw badInput(`meta.predLabel must be an Int32Array with ${n} entries, one predicted class per item`);
  }
  if (meta.correct !== undefined && meta.correct.length !== n) throw badInput(`meta.correct has ${meta.correct.length} entries but there are ${n} items`);
  if (meta.confidence !== undefined && meta.confidence.length !== n) {
    throw badInput(`meta.confidence has ${meta.confidence.length} entries but there are ${n} items`);
  }
  return n;
}

function isCorrect(meta: ItemMeta, i: number): boolean {
  return meta.correct ? Boolean(meta.correct[i]) : meta.trueLabel[i] === meta.predLabel[i];
}

/** Row indices of the items that pass every given condition, ascending unless `items` orders them. */
export function selectItems(meta: ItemMeta, filter: SubsetFilter = {}): Int32Array {
  const n = checkMeta(meta);
  const { trueClass, predClass, outcome = 'all', confidence, items } = filter;
  if (trueClass !== undefined && !(Number.isInteger(trueClass) && trueClass >= 0)) throw badInput(`trueClass must be a non-negative integer, got ${trueClass}`);
  if (predClass !== undefined && !(Number.isInteger(predClass) && predClass >= 0)) throw badInput(`predClass must be a non-negative integer, got ${predClass}`);
  if (outcome !== 'all' && outcome !== 'correct' && outcome !== 'incorrect') {
    throw badInput(`outcome must be 'correct', 'incorrect' or 'all', got ${String(outcome)}`);
  }
  if (confidence !== undefined) {
    if (!Array.isArray(confidence) || confidence.length !== 2 || !(confidence[0] <= confidence[1])) {
      throw badInput(`confidence must be a range [lo, hi] with lo ≤ hi, got ${JSON.stringify(confidence)}`);
    }
    if (!meta.confidence) throw badInput('a confidence filter needs meta.confidence (per-item probability of the predicted class)');
  }
  if (items !== undefined) checkRows(items, n, 'items');
  const candidates = items ?? Int32Array.from({ length: n }, (_, i) => i);
  const seen = items ? new Uint8Array(n) : null;
  // Float32 confidences: compare against float32-rounded bounds so that 0.8 admits a stored 0.8f.
  const round = meta.confidence instanceof Float32Array ? Math.fround : (x: number) => x;
  const lo = confidence ? round(confidence[0]) : 0, hi = confidence ? round(confidence[1]) : 0;
  const out: number[] = [];
  for (let k = 0; k < candidates.length; k++) {
    const i = candidates[k];
    if (seen) { if (seen[i]) continue; seen[i] = 1; }
    if (trueClass !== undefined && meta.trueLabel[i] !== trueClass) continue;
    if (predClass !== undefined && meta.predLabel[i] !== predClass) continue;
    if (outcome !== 'all' && isCorrect(meta, i) !== (outcome === 'correct')) continue;
    if (confidence !== undefined) {
      const c = meta.confidence![i];
      if (!(c >= lo && c <= hi)) continue;
    }
    out.push(i);
  }
  return Int32Array.from(out);
}

function checkLayer(layer: Matrix, n: number, name = 'layer'): void {
  checkMatrix(layer, name);
  if (layer.rows !== n) throw badInput(`${name} has ${layer.rows} rows but meta describes ${n} items: pass activations for every item`);
}

export interface PerClassMeans {
  /** numClasses × units; a class with no selected item has a row of NaN (count 0). */
  means: Matrix<Float64Array>;
  counts: Int32Array;
}

/**
 * Q1 — average activation of every unit of a layer for each true class (classes × units).
 * `outcome` narrows to correctly / incorrectly classified items; `within` to a sample.
 */
export function q1PerClassMean(
  layer: Matrix, meta: ItemMeta,
  options: { numClasses?: number; outcome?: Outcome; within?: Int32Array } = {},
): PerClassMeans {
  const n = checkMeta(meta);
  checkLayer(layer, n);
  let maxLabel = -1;
  for (let i = 0; i < n; i++) maxLabel = Math.max(maxLabel, meta.trueLabel[i]);
  const numClasses = options.numClasses ?? maxLabel + 1;
  checkPositiveInt(numClasses, 'numClasses');
  if (maxLabel >= numClasses) throw badInput(`meta.trueLabel has class ${maxLabel} but numClasses is ${numClasses}`);
  const rows = selectItems(meta, { outcome: options.outcome, items: options.within });
  const groupOf = new Int32Array(n).fill(-1);
  for (const r of rows) groupOf[r] = meta.trueLabel[r];
  const agg = groupedAggregates(layer, groupOf, numClasses, rows);
  const data = new Float64Array(numClasses * layer.cols).fill(Number.NaN);
  for (let c = 0; c < numClasses; c++) if (agg.counts[c] > 0) data.set(groupMean(agg, c), c * layer.cols);
  return { means: { rows: numClasses, cols: layer.cols, data }, counts: agg.counts };
}

export interface TopNeurons {
  count: number;
  /** Neuron indices, most activated first; empty when no item is selected. */
  top: Int32Array;
  /** The ranking value (mean or max activation) of each neuron in `top`. */
  values: Float64Array;
}

function topOf(layer: Matrix, rows: Int32Array, k: number, by: RankBy): TopNeurons {
  checkPositiveInt(k, 'k');
  if (by !== 'mean' && by !== 'max') throw badInput(`by must be 'mean' or 'max', got ${String(by)}`);
  if (rows.length === 0) return { count: 0, top: new Int32Array(0), values: new Float64Array(0) };
  const v = by === 'mean' ? columnMean(layer, rows) : columnMax(layer, rows);
  const top = topK(v, k);
  return { count: rows.length, top, values: Float64Array.from(top, (j) => v[j]) };
}

/** Q2 — the top-k most activated neurons of a layer over incorrectly classified items. */
export function q2TopKIncorrect(
  layer: Matrix, meta: ItemMeta,
  options: { k: number; by?: RankBy; trueClass?: number; within?: Int32Array },
): TopNeurons {
  const n = checkMeta(meta);
  checkLayer(layer, n);
  const rows = selectItems(meta, { outcome: 'incorrect', trueClass: options?.trueClass, items: options?.within });
  return topOf(layer, rows, options?.k, options?.by ?? 'mean');
}

export interface IncorrectVsCorrect {
  incorrectCount: number;
  correctCount: number;
  /** Mean activation vectors; null when the side has no item. */
  incorrect: Float64Array | null;
  correct: Float64Array | null;
  /** Cosine distance between the two means; null unless both exist. */
  cosineDistance: number | null;
}

/** Q3 — average activation of class a's incorrectly vs correctly classified items. */
export function q3IncorrectVsCorrect(
  layer: Matrix, meta: ItemMeta, options: { classA: number; within?: Int32Array },
): IncorrectVsCorrect {
  const n = checkMeta(meta);
  checkLayer(layer, n);
  const bad = selectItems(meta, { trueClass: options?.classA, outcome: 'incorrect', items: options?.within });
  const good = selectItems(meta, { trueClass: options?.classA, outcome: 'correct', items: options?.within });
  const incorrect = bad.length > 0 ? columnMean(layer, bad) : null;
  const correct = good.length > 0 ? columnMean(layer, good) : null;
  return {
    incorrectCount: bad.length,
    correctCount: good.length,
    incorrect,
    correct,
    cosineDistance: incorrect && correct ? cosineDistance(incorrect, correct) : null,
  };
}

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
 * with the logit). Needs at least 2 items.
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
  const x = selectRows(layer, rows);
  const m = rows.length, p = layer.cols;
  checkFiniteVector(x.data, 'layer');
  const y = new Float64Array(m);
  for (let k = 0; k < m; k++) y[k] = logits.data[rows[k] * logits.cols + a];
  checkFiniteVector(y, 'logits');

  let ym = 0;
  for (let k = 0; k < m; k++) ym += y[k];
  ym /= m;
  let syy = 0;
  for (let k = 0; k < m; k++) syy += (y[k] - ym) ** 2;
  const xm = new Float64Array(p);
  for (let k = 0; k < m; k++) for (let j = 0; j < p; j++) xm[j] += x.data[k * p + j];
  for (let j = 0; j < p; j++) xm[j] /= m;
  const sxy = new Float64Array(p), sxx = new Float64Array(p);
  for (let k = 0; k < m; k++) {
    const dy = y[k] - ym;
    for (let j = 0; j < p; j++) {
      const dx = x.data[k * p + j] - xm[j];
      sxy[j] += dx * dy;
      sxx[j] += dx * dx;
    }
  }
  const correlation = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const den = Math.sqrt(sxx[j] * syy);
    correlation[j] = den > 0 ? Math.max(-1, Math.min(1, sxy[j] / den)) : 0;
  }
  const strongest = topK(Float64Array.from(correlation, Math.abs), p);
  const cka = linearCka({ rows: m, cols: 1, data: y }, x);
  return { count: m, correlation, strongest, cka };
}

export interface ConfusionCellNeurons extends TopNeurons {
  /** Normalised argmax histogram over neurons; null when no item is selected. */
  histogram: Float64Array | null;
}

/** Q5 — maximally activated neurons for items of true class a predicted as class b. */
export function q5ConfusedNeurons(
  layer: Matrix, meta: ItemMeta,
  options: { classA: number; classB: number; k: number; by?: RankBy; within?: Int32Array },
): ConfusionCellNeurons {
  const n = checkMeta(meta);
  checkLayer(layer, n);
  const rows = selectItems(meta, { trueClass: options?.classA, predClass: options?.classB, items: options?.within });
  const t = topOf(layer, rows, options?.k, options?.by ?? 'mean');
  return { ...t, histogram: rows.length > 0 ? argmaxHistogram(layer, rows) : null };
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
  if (!(trueLabel instanceof Int32Array) || trueLabel.length === 0) throw badInput('trueLabel must be a non-empty Int32Array');
  const n = trueLabel.length;
  if (!Array.isArray(predictions) || predictions.length === 0) throw badInput('predictions must list one Int32Array of predicted labels per checkpoint');
  predictions.forEach((p, t) => {
    if (!(p instanceof Int32Array) || p.length !== n) throw badInput(`predictions[${t}] must be an Int32Array with ${n} entries, one per item`);
  });
  const threshold = options.threshold ?? 0.9;
  if (!(threshold > 0 && threshold <= 1)) throw badInput(`threshold must be in (0, 1], got ${threshold}`);
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    if (trueLabel[i] < 0) throw badInput(`trueLabel[${i}] = ${trueLabel[i]}: class labels are non-negative integers`);
    maxLabel = Math.max(maxLabel, trueLabel[i]);
  }
  const numClasses = options.numClasses ?? maxLabel + 1;
  checkPositiveInt(numClasses, 'numClasses');
  if (maxLabel >= numClasses) throw badInput(`trueLabel has class ${maxLabel} but numClasses is ${numClasses}`);
  if (options.within !== undefined) checkRows(options.within, n, 'within');
  const rows = options.within ?? Int32Array.from({ length: n }, (_, i) => i);

  const T = predictions.length;
  const counts = new Int32Array(numClasses);
  for (const r of rows) counts[trueLabel[r]]++;
  const acc = new Float64Array(numClasses * T);
  for (let t = 0; t < T; t++) {
    const hits = new Int32Array(numClasses);
    for (const r of rows) if (predictions[t][r] === trueLabel[r]) hits[trueLabel[r]]++;
    for (let c = 0; c < numClasses; c++) acc[c * T + t] = counts[c] > 0 ? hits[c] / counts[c] : Number.NaN;
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
