/**
 * Stratified by confusion matrix: one stratum per (true, predicted) cell, proportional
 * allocation with largest-remainder rounding so the total is exactly round(f·N), then a
 * uniform draw without replacement inside each cell.
 */
import { sampleWithoutReplacement } from '../core/rng.ts';
import { largestRemainder } from './allocate.ts';
import { makeSampler, sortedMembers, targetSize } from './sampler.ts';

export const stratifiedSampler = makeSampler('stratified', 'Stratified by confusion matrix', true, false, (input, params, ctx) => {
  const { trueLabels, predLabels, numClasses: k } = input;
  const n = input.latent.rows;
  const cells = k * k;
  const cellOf = new Int32Array(n);
  const sizes = new Int32Array(cells);
  for (let i = 0; i < n; i++) {
    const c = trueLabels[i] * k + predLabels[i];
    cellOf[i] = c;
    sizes[c]++;
  }
  const alloc = largestRemainder(sizes, targetSize(n, params.fraction));
  // Group row indices per cell (counting sort keeps them ascending within a cell).
  const start = new Int32Array(cells + 1);
  for (let c = 0; c < cells; c++) start[c + 1] = start[c] + sizes[c];
  const fill = start.slice(0, cells);
  const byCell = new Int32Array(n);
  for (let i = 0; i < n; i++) byCell[fill[cellOf[i]]++] = i;
  const members: number[] = [];
  let nonEmpty = 0;
  for (let c = 0; c < cells; c++) {
    if (sizes[c] === 0) continue;
    nonEmpty++;
    const pick = sampleWithoutReplacement(sizes[c], alloc[c], ctx.rng);
    for (let t = 0; t < pick.length; t++) members.push(byCell[start[c] + pick[t]]);
  }
  return { members: sortedMembers(members), diagnostics: { size: members.length, cells: nonEmpty } };
});
