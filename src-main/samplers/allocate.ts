/**
 * Allocation helpers: largest-remainder (Hamilton) apportionment, and Algorithm 1 of the
 * paper — from each group take a share j from the outlier end and 1 − j from the exemplar end.
 */

/**
 * Split `total` over groups in proportion to `sizes`, never giving a group more than its size.
 * Floors first, then hands the remaining units to the largest fractional parts (ties → lower
 * index), so the result sums to exactly `total` (when total ≤ Σ sizes).
 */
export function largestRemainder(sizes: ArrayLike<number>, total: number): Int32Array {
  const g = sizes.length;
  const out = new Int32Array(g);
  let sum = 0;
  for (let i = 0; i < g; i++) sum += sizes[i];
  if (sum === 0 || total <= 0) return out;
  const t = Math.min(total, sum);
  const rem = new Float64Array(g);
  let given = 0;
  for (let i = 0; i < g; i++) {
    const q = (t * sizes[i]) / sum;
    out[i] = Math.min(sizes[i], Math.floor(q + 1e-9));
    rem[i] = q - out[i];
    given += out[i];
  }
  const order = Array.from({ length: g }, (_, i) => i).sort((a, b) => rem[b] - rem[a] || a - b);
  for (let k = 0; given < t && k < g * 2; k++) {
    const i = order[k % g];
    if (out[i] < sizes[i]) { out[i]++; given++; }
  }
  return out;
}

export interface TwoEndResult {
  members: Int32Array;
  outliers: number;
  exemplars: number;
  groupsUsed: number;
}

/**
 * Algorithm 1. `group[i]` is item i's cluster/class, `score[i]` its log likelihood ratio
 * log P(c|x)/P(¬c|x) (low = outlier, high = exemplar). Each group gets round(f·|group|) items by
 * largest remainder so the total is round(f·N); of those round(j·n_g) come from the low end.
 */
export function selectTwoEnds(group: Int32Array, score: Float64Array, numGroups: number, total: number, j: number): TwoEndResult {
  const n = group.length;
  const sizes = new Int32Array(numGroups);
  for (let i = 0; i < n; i++) sizes[group[i]]++;
  const alloc = largestRemainder(sizes, total);
  // Bucket items per group (counting sort), then sort each bucket by score.
  const start = new Int32Array(numGroups + 1);
  for (let g = 0; g < numGroups; g++) start[g + 1] = start[g] + sizes[g];
  const fill = start.slice(0, numGroups);
  const items = new Int32Array(n);
  for (let i = 0; i < n; i++) items[fill[group[i]]++] = i;
  const members: number[] = [];
  let outliers = 0, exemplars = 0, groupsUsed = 0;
  for (let g = 0; g < numGroups; g++) {
    const take = alloc[g];
    if (take === 0) continue;
    groupsUsed++;
    const bucket = Array.from(items.subarray(start[g], start[g + 1]));
    // Ascending by ratio; ties broken by index so the result is deterministic.
    bucket.sort((a, b) => score[a] - score[b] || a - b);
    const nOut = Math.round(j * take);
    const nEx = take - nOut;
    for (let k = 0; k < nOut; k++) members.push(bucket[k]);
    for (let k = bucket.length - nEx; k < bucket.length; k++) members.push(bucket[k]);
    outliers += nOut;
    exemplars += nEx;
  }
  const m = Int32Array.from(members);
  m.sort();
  return { members: m, outliers, exemplars, groupsUsed };
}
