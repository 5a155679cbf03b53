/**
 * VAS's scalable mode: the interchange run separately in locality cells.
 *
 * The exact interchange (vas.ts) streams all N items past a reservoir of K = f·N members, so it
 * costs N·K·d = f·N²·d: 0.4 s at 10,000 items, but ~100× that at 100,000 and ~10,000× at 1,000,000.
 * Truncating the Gaussian kernel skips nothing in 84 dimensions (vas-geometry.ts), so locality has
 * to come from a partition instead: a kd split (the coordinate of largest variance, at its median,
 * recursively) cuts the latent into cells of at most `cellSize` items, each cell gets its share of
 * the K members by largest remainder, and the interchange runs inside each cell with ONE global
 * bandwidth σ (the spacing of a uniform K-sample of all items, as in vas.ts). Cost: N·(f·cellSize)·d
 * + N·d·log N for the split — linear in N at a fixed cell size.
 *
 * What it gives up: pairs in different cells never repel, so two members on either side of a cell
 * boundary may crowd. The loss Σ κ over ALL member pairs of the result is compared with the exact
 * interchange's by `npm run bench:samplers` (vasLoss; the factor is in the samplers README).
 *
 * With a given bandwidth and cellSize ≥ N there is one cell in row order, and the result is exactly
 * vasInterchange's for the same rng (tested).
 */
import type { Matrix } from '../core/matrix.ts';
import { sampleWithoutReplacement, type Rng } from '../core/rng.ts';
import { largestRemainder } from './allocate.ts';
import { sortedMembers, throwIfAborted } from './sampler.ts';
import type { CoreResult } from './types.ts';
import { ruleBandwidth, vasInterchange, type BandwidthRule } from './vas.ts';
import { directGeometry } from './vas-geometry.ts';

/** Default cell size of the scalable mode (see the samplers README for the loss it costs at 10k). */
export const VAS_CELL_SIZE = 2048;
/** Above this many items the VAS sampler switches from the exact interchange to the cells. */
export const VAS_EXACT_MAX_ITEMS = 50_000;

/** The rows `rows` of the latent, gathered into their own matrix. */
function gather(latent: Matrix, rows: Int32Array): Matrix<Float32Array> {
  const d = latent.cols, out = new Float32Array(rows.length * d);
  for (let t = 0; t < rows.length; t++) {
    const o = rows[t] * d;
    for (let a = 0; a < d; a++) out[t * d + a] = latent.data[o + a];
  }
  return { rows: rows.length, cols: d, data: out };
}

/**
 * kd cells: the row indices split at the median of their widest coordinate (largest variance)
 * until every cell holds at most cellSize rows. Cells come out in depth-first order; a cell keeps
 * its rows in ascending index order when it is not split.
 */
export function kdCells(latent: Matrix, cellSize: number): Int32Array[] {
  const { rows: n, cols: d, data: x } = latent;
  const cells: Int32Array[] = [];
  const stack: Int32Array[] = [Int32Array.from({ length: n }, (_, i) => i)];
  const mean = new Float64Array(d), sq = new Float64Array(d);
  while (stack.length) {
    const rows = stack.pop()!;
    const m = rows.length;
    if (m <= cellSize) { cells.push(rows); continue; }
    mean.fill(0); sq.fill(0);
    for (let t = 0; t < m; t++) {
      const o = rows[t] * d;
      for (let a = 0; a < d; a++) { const v = x[o + a]; mean[a] += v; sq[a] += v * v; }
    }
    let axis = 0, best = -Infinity;
    for (let a = 0; a < d; a++) {
      const v = sq[a] / m - (mean[a] / m) ** 2;
      if (v > best) { best = v; axis = a; }
    }
    // Sort by the axis value (ties by row index, so the split is deterministic), halve.
    const key = new Float64Array(m);
    for (let t = 0; t < m; t++) key[t] = x[rows[t] * d + axis];
    const idx = Int32Array.from({ length: m }, (_, t) => t).sort((p, q) => key[p] - key[q] || rows[p] - rows[q]);
    const half = m >> 1;
    const left = new Int32Array(half), right = new Int32Array(m - half);
    for (let t = 0; t < half; t++) left[t] = rows[idx[t]];
    for (let t = half; t < m; t++) right[t - half] = rows[idx[t]];
    left.sort(); right.sort();
    stack.push(right, left); // left is split (or emitted) first
  }
  return cells;
}

export interface PartitionedVasOptions {
  cellSize?: number;
  bandwidth?: number;
  bandwidthRule?: BandwidthRule;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** K members out of the latent's rows by the interchange inside kd cells (see the file comment). */
export function vasPartitioned(latent: Matrix, k: number, rng: Rng, opts: PartitionedVasOptions = {}): CoreResult {
  const n = latent.rows;
  const cellSize = Math.max(2, Math.floor(opts.cellSize ?? VAS_CELL_SIZE));
  let sigma = opts.bandwidth;
  if (sigma === undefined) {
    // The spacing of a uniform K-sample of ALL items, as vas.ts measures it on its first reservoir.
    const probe = sampleWithoutReplacement(n, k, rng);
    sigma = ruleBandwidth(opts.bandwidthRule ?? 'median-nn', directGeometry(gather(latent, probe)), Int32Array.from({ length: k }, (_, t) => t));
  }
  const cells = kdCells(latent, cellSize);
  const quota = largestRemainder(cells.map((c) => c.length), k);
  const members = new Int32Array(k);
  let filled = 0, swaps = 0, cellLoss = 0, done = 0;
  for (let b = 0; b < cells.length; b++) {
    throwIfAborted(opts.signal);
    const rows = cells[b];
    if (quota[b] > 0) {
      const r = vasInterchange(directGeometry(gather(latent, rows)), quota[b], rng, { bandwidth: sigma, signal: opts.signal });
      for (const t of r.members) members[filled++] = rows[t];
      swaps += r.diagnostics.swaps as number;
      cellLoss += r.diagnostics.loss as number;
    }
    done += rows.length;
    opts.onProgress?.(done, n);
  }
  return {
    members: sortedMembers(members.subarray(0, filled)),
    params: { bandwidth: sigma, bandwidthRule: opts.bandwidth !== undefined ? 'explicit' : (opts.bandwidthRule ?? 'median-nn'), mode: 'partitioned', cellSize },
    diagnostics: { size: filled, bandwidth: sigma, mode: 'partitioned', cells: cells.length, cellSize, swaps, cellLoss },
  };
}

/** VAS's objective Σ_{pairs s < s'} κ(s, s') over the members, κ = exp(−‖a − b‖² / 2σ²) (float64). */
export function vasLoss(latent: Matrix, members: Int32Array, sigma: number): number {
  const d = latent.cols, x = latent.data, g = -1 / (2 * sigma * sigma);
  let loss = 0;
  for (let p = 0; p < members.length; p++) {
    const op = members[p] * d;
    for (let q = p + 1; q < members.length; q++) {
      const oq = members[q] * d;
      let s = 0;
      for (let a = 0; a < d; a++) { const t = x[op + a] - x[oq + a]; s += t * t; }
      loss += Math.exp(g * s);
    }
  }
  return loss;
}
