/**
 * Choosing a query's items: per-item metadata (true and predicted class, correctness,
 * confidence) and the generic subset filter every named query shares.
 */
import type { Matrix } from '../core/matrix.ts';
import { badInput } from '../shared/errors.ts';
import { checkMatrix, checkRows } from './validate.ts';

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

export function checkMeta(meta: ItemMeta): number {
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

export function checkLayer(layer: Matrix, n: number, name = 'layer'): void {
  checkMatrix(layer, name);
  if (layer.rows !== n) throw badInput(`${name} has ${layer.rows} rows but meta describes ${n} items: pass activations for every item`);
}
