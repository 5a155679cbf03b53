/**
 * A deterministic stratified train/test split: each class keeps (almost) the same share of
 * items in the test split. The test size is round(f·N), allocated to classes in proportion to
 * their sizes by largest-remainder rounding (ties to the lower label), so the classes'
 * shares differ from f by less than one item each. Within a class the test items are a
 * seeded random subset. Both index lists come back in increasing order (file order).
 */
import type { Rng } from '../core/rng.ts';
import { sampleWithoutReplacement } from '../core/rng.ts';

export interface SplitIndices {
  train: Int32Array;
  test: Int32Array;
}

export function stratifiedSplit(labels: Int32Array, testFraction: number, rng: Rng): SplitIndices {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]);
    if (list) list.push(i);
    else byClass.set(labels[i], [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const n = labels.length;
  const target = Math.round(testFraction * n);
  // Largest remainder: floor of each quota, then one more to the largest fractional parts.
  const quota = classes.map((c) => (byClass.get(c)!.length * target) / n);
  const take = quota.map(Math.floor);
  let left = target - take.reduce((a, b) => a + b, 0);
  const order = classes.map((_, k) => k).sort((a, b) => quota[b] - take[b] - (quota[a] - take[a]) || a - b);
  for (const k of order) {
    if (left <= 0) break;
    take[k]++;
    left--;
  }
  const isTest = new Uint8Array(n);
  classes.forEach((c, k) => {
    const members = byClass.get(c)!;
    for (const j of sampleWithoutReplacement(members.length, take[k], rng)) isTest[members[j]] = 1;
  });
  const test = new Int32Array(target);
  const train = new Int32Array(n - target);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isTest[i]) test[a++] = i;
    else train[b++] = i;
  }
  return { train, test };
}
