/**
 * Simple latent-space sampling (paper §IV-A): PCA to 5 dimensions (fewer if the latent has
 * fewer), each dimension split in two, giving up to 32 cells; an equal number of items from
 * every non-empty cell, a cell smaller than that quota giving all of its items.
 *
 * Two choices the paper leaves open are parameters (issue 13):
 *   gridSplit — 'median' (default: every axis halves the data even when the scores are skewed,
 *     so no cell is empty by construction) or 'mean' (the PCA scores are centred, so the split
 *     is at 0; skewed axes give lopsided cells).
 *   gridTopUp — true (default): the quota is found by water-filling so the total is round(f·N)
 *     whenever the cells hold enough items: the largest q with Σ min(q, |cell|) ≤ target, then
 *     the few units left over go to randomly chosen cells that still have items (so cells
 *     differ by at most one). false: every non-empty cell gets the same share
 *     ⌊target / cells⌋ (capped at its size) and nothing is redistributed, so the sample
 *     is smaller than f·N when some cells are small (the literal reading of "equal number of
 *     instances from each grid").
 */
import { sampleWithoutReplacement, shuffleInPlace } from '../core/rng.ts';
import type { Rng } from '../core/rng.ts';
import { pcaScores, toF64 } from './linalg.ts';
import { makeSampler, sortedMembers, targetSize } from './sampler.ts';

export const GRID_DIMS = 5;

export type GridSplit = 'median' | 'mean';

/** Cell index (bit c set when PCA score c is above that component's median, or mean) for each row. */
export function gridCells(x: Float64Array, n: number, d: number, dims: number, split: GridSplit = 'median'): Int32Array {
  const { scores } = pcaScores(x, n, d, dims);
  const cell = new Int32Array(n);
  const col = new Float64Array(n);
  for (let c = 0; c < dims; c++) {
    let sum = 0;
    for (let i = 0; i < n; i++) { col[i] = scores[i * dims + c]; sum += col[i]; }
    let cut: number;
    if (split === 'mean') cut = sum / n;
    else {
      const sorted = Float64Array.from(col).sort();
      cut = n % 2 ? sorted[(n - 1) >> 1] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
    for (let i = 0; i < n; i++) if (col[i] > cut) cell[i] |= 1 << c;
  }
  return cell;
}

/** Without top-up: each non-empty cell gets ⌊target / cells⌋ (at least 1), capped at its size; no redistribution. */
export function fixedQuotas(sizes: Int32Array, target: number): Int32Array {
  let nonEmpty = 0;
  for (const s of sizes) if (s > 0) nonEmpty++;
  const share = nonEmpty === 0 ? 0 : Math.max(1, Math.floor(target / nonEmpty));
  return Int32Array.from(sizes, (s) => Math.min(share, s));
}

/** Equal quotas per cell summing to min(target, Σ sizes); extra units go to random cells. */
export function equalQuotas(sizes: Int32Array, target: number, rng: Rng): Int32Array {
  let total = 0, maxSize = 0;
  for (const s of sizes) { total += s; if (s > maxSize) maxSize = s; }
  const t = Math.min(target, total);
  const filled = (q: number): number => { let s = 0; for (const z of sizes) s += Math.min(q, z); return s; };
  let lo = 0, hi = maxSize; // binary search the largest q with filled(q) ≤ t
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (filled(mid) <= t) lo = mid; else hi = mid - 1;
  }
  const quota = Int32Array.from(sizes, (s) => Math.min(lo, s));
  let left = t - filled(lo);
  const open = shuffleInPlace(Array.from(sizes.keys()).filter((c) => sizes[c] > lo), rng);
  for (let k = 0; left > 0 && k < open.length; k++, left--) quota[open[k]]++;
  return quota;
}

export const latentGridSampler = makeSampler('latent-grid', 'Simple latent space (PCA grid)', true, false, (input, params, ctx) => {
  const { rows: n, cols: d } = input.latent;
  const dims = Math.min(GRID_DIMS, d);
  const split: GridSplit = params.gridSplit ?? 'median';
  const topUp = params.gridTopUp ?? true;
  const cell = gridCells(toF64(input.latent), n, d, dims, split);
  const cells = 1 << dims;
  const sizes = new Int32Array(cells);
  for (let i = 0; i < n; i++) sizes[cell[i]]++;
  const target = targetSize(n, params.fraction);
  const quota = topUp ? equalQuotas(sizes, target, ctx.rng) : fixedQuotas(sizes, target);
  const start = new Int32Array(cells + 1);
  for (let c = 0; c < cells; c++) start[c + 1] = start[c] + sizes[c];
  const fill = start.slice(0, cells);
  const byCell = new Int32Array(n);
  for (let i = 0; i < n; i++) byCell[fill[cell[i]]++] = i;
  const members: number[] = [];
  let nonEmpty = 0, perCell = 0;
  for (let c = 0; c < cells; c++) {
    if (sizes[c] === 0) continue;
    nonEmpty++;
    perCell = Math.max(perCell, quota[c]);
    const pick = sampleWithoutReplacement(sizes[c], quota[c], ctx.rng);
    for (let t = 0; t < pick.length; t++) members.push(byCell[start[c] + pick[t]]);
  }
  return {
    members: sortedMembers(members),
    params: { dims, gridSplit: split, gridTopUp: topUp },
    diagnostics: { size: members.length, target, dims, cells: nonEmpty, perCell },
  };
});
