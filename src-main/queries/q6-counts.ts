/**
 * Q6's counts: per class, how many items and, per checkpoint, how many predicted right. Integers,
 * so a cluster's per-block counts (SUM_BLOCK items each, computed by tasks from the labels in
 * their task files) added up give the local counts exactly; accuracy = hits / count follows.
 */
import { badInput } from '../shared/errors.ts';
import { orderedBlocks } from './block-partials.ts';
import { checkPositiveInt, checkRows } from './validate.ts';

export interface Q6Counts {
  /** Items per class. */
  counts: Int32Array;
  /** checkpoints × classes: items of the class predicted right at the checkpoint (t·classes + c). */
  hits: Int32Array;
}

/** Checks the labels (one Int32Array per checkpoint, one entry per item) and gives the class count. */
export function checkQ6Input(predictions: readonly Int32Array[], trueLabel: Int32Array, numClasses?: number): number {
  if (!(trueLabel instanceof Int32Array) || trueLabel.length === 0) throw badInput('trueLabel must be a non-empty Int32Array');
  const n = trueLabel.length;
  if (!Array.isArray(predictions) || predictions.length === 0) throw badInput('predictions must list one Int32Array of predicted labels per checkpoint');
  predictions.forEach((p, t) => {
    if (!(p instanceof Int32Array) || p.length !== n) throw badInput(`predictions[${t}] must be an Int32Array with ${n} entries, one per item`);
  });
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    if (trueLabel[i] < 0) throw badInput(`trueLabel[${i}] = ${trueLabel[i]}: class labels are non-negative integers`);
    maxLabel = Math.max(maxLabel, trueLabel[i]);
  }
  const classes = numClasses ?? maxLabel + 1;
  checkPositiveInt(classes, 'numClasses');
  if (maxLabel >= classes) throw badInput(`trueLabel has class ${maxLabel} but numClasses is ${classes}`);
  return classes;
}

/** The counts over `rows` (all items if omitted) of checked labels. */
export function q6Counts(predictions: readonly Int32Array[], trueLabel: Int32Array, numClasses: number, rows?: Int32Array): Q6Counts {
  if (rows !== undefined) checkRows(rows, trueLabel.length, 'within');
  const T = predictions.length;
  const counts = new Int32Array(numClasses);
  const hits = new Int32Array(T * numClasses);
  const n = rows ? rows.length : trueLabel.length;
  for (let k = 0; k < n; k++) {
    const r = rows ? rows[k] : k;
    const c = trueLabel[r];
    counts[c]++;
    for (let t = 0; t < T; t++) if (predictions[t][r] === c) hits[t * numClasses + c]++;
  }
  return { counts, hits };
}

/** Adds per-block counts (any arrival order; a block delivered twice counts once) into the totals. */
export function q6CombineBlocks(shares: ReadonlyArray<Q6Counts & { block: number }>, blocks: number, numClasses: number, checkpoints: number): Q6Counts {
  const same = (a: Q6Counts, b: Q6Counts) => a.counts.every((v, i) => v === b.counts[i]) && a.hits.every((v, i) => v === b.hits[i]);
  const counts = new Int32Array(numClasses);
  const hits = new Int32Array(checkpoints * numClasses);
  for (const s of orderedBlocks(shares, blocks, same, 'Q6 on the cluster')) {
    if (s.counts.length !== numClasses || s.hits.length !== hits.length) throw badInput(`a Q6 block has ${s.counts.length} classes × ${s.hits.length / Math.max(1, s.counts.length)} checkpoints, expected ${numClasses} × ${checkpoints}`);
    for (let c = 0; c < numClasses; c++) counts[c] += s.counts[c];
    for (let i = 0; i < hits.length; i++) hits[i] += s.hits[i];
  }
  return { counts, hits };
}
