/**
 * Q4's arithmetic in blocks (the local answer and the Dask cluster's use this one file, so the two
 * agree bit for bit): Pearson r between logit a (y) and each unit of a layer (X), and linear CKA
 * between the logit column and the layer, over m items in scan order, p units.
 *
 *   pass 1  x̄ per unit: subsetAggregates' blocked column sums / m (the S2 arithmetic, so a cluster
 *           computes it as it does S2); ȳ the same way over the logits (on the workstation).
 *   pass 2  per SUM_BLOCK block b of the scan, from zero, with dx = x − x̄ and dy = y − ȳ:
 *             Sxy_b[j] = Σ dx_j·dy,  Sxx_b[j] = Σ dx_j²,  Syy_b = Σ dy²,
 *           and one of two forms of ‖XᵀX‖²_F, chosen by q4Form(m, p) alike on both sides:
 *             feature (p ≤ m): C_b = Σ dx·dxᵀ (upper triangle, p(p+1)/2 doubles per block);
 *                              ‖Σ_b C_b‖²_F once every block is added in order;
 *             gram    (p > m): for each block pair a ≤ b, G_ab = Σ_{k∈a, l∈b} (dx_k·dx_l)²
 *                              (one number); ‖XᵀX‖²_F = ‖XXᵀ‖²_F = Σ_{a≤b} (a = b ? 1 : 2)·G_ab.
 *           Totals are added in block (pair) order: r_j = Sxy_j / √(Sxx_j·Syy),
 *           CKA = ‖Sxy‖² / (Syy · ‖XᵀX‖_F) — what linearCka(y, X) computes, up to the last bits.
 */
import type { Matrix } from '../core/matrix.ts';
import { badInput } from '../shared/errors.ts';
import { SUM_BLOCK, subsetAggregates, topK } from './aggregates.ts';
import { checkFiniteVector } from './validate.ts';

export type Q4Form = 'feature' | 'gram';

/** The cheaper form of ‖XᵀX‖_F for m items × p units: p×p moments per block when p ≤ m, else block-pair Gram sums. */
export function q4Form(items: number, units: number): Q4Form {
  return units > items ? 'gram' : 'feature';
}

export function blockCount(items: number): number {
  return Math.ceil(items / SUM_BLOCK);
}

/** ȳ: each SUM_BLOCK block summed from zero, the block sums added in order, divided by the count. */
export function blockedMean(v: ArrayLike<number>): number {
  let total = 0;
  for (let from = 0; from < v.length; from += SUM_BLOCK) {
    let s = 0;
    for (let k = from, to = Math.min(v.length, from + SUM_BLOCK); k < to; k++) s += v[k];
    total += s;
  }
  return total / v.length;
}

/** dy = y − ȳ (blockedMean), after refusing a non-finite logit. */
export function centredLogits(y: Float64Array): Float64Array {
  checkFiniteVector(y, 'logits');
  const mean = blockedMean(y);
  return Float64Array.from(y, (v) => v - mean);
}

/** Scan positions [from, to) of `rows` (all rows of `m` if undefined), centred by `mean`: Float64 row-major. */
export function centreBlock(m: Matrix, rows: Int32Array | undefined, from: number, to: number, mean: Float64Array): Float64Array {
  const p = m.cols;
  const out = new Float64Array((to - from) * p);
  for (let k = from; k < to; k++) {
    const o = (rows ? rows[k] : k) * p;
    const d = (k - from) * p;
    for (let j = 0; j < p; j++) out[d + j] = m.data[o + j] - mean[j];
  }
  return out;
}

/** One block's share of pass 2 (sxy, sxx per unit; the feature form's cross-moments). */
export interface Q4BlockMoments {
  count: number;
  sxy: Float64Array;
  sxx: Float64Array;
  /** Feature form: Σ dx·dxᵀ over the block's rows, upper triangle row by row; null in the gram form. */
  cross: Float64Array | null;
}

/** Pass 2 over one block: `dx` its centred rows (count × p), `dy` its centred logits. */
export function q4BlockMoments(dx: Float64Array, dy: ArrayLike<number>, p: number, form: Q4Form): Q4BlockMoments {
  const n = dy.length;
  if (dx.length !== n * p) throw badInput(`the block has ${dx.length / p} rows of activations but ${n} logits`);
  const sxy = new Float64Array(p), sxx = new Float64Array(p);
  for (let k = 0; k < n; k++) {
    const o = k * p, d = dy[k];
    for (let j = 0; j < p; j++) {
      const v = dx[o + j];
      sxy[j] += v * d;
      sxx[j] += v * v;
    }
  }
  let cross: Float64Array | null = null;
  if (form === 'feature') {
    cross = new Float64Array((p * (p + 1)) / 2);
    for (let k = 0; k < n; k++) {
      const o = k * p;
      let t = 0;
      for (let a = 0; a < p; a++) {
        const xa = dx[o + a];
        // Adding ±0 never changes a sum that started at +0, so skipping exact zeros (dead units) is exact.
        if (xa === 0) { t += p - a; continue; }
        for (let b = a; b < p; b++) cross[t++] += xa * dx[o + b];
      }
    }
  }
  return { count: n, sxy, sxx, cross };
}

/**
 * The gram form's share of a block pair: Σ over k in block A, l in block B of (dx_k·dx_l)²; for
 * a diagonal pair (A = B) over every ordered pair (k, l), i.e. k = l once and k ≠ l twice. Each
 * dot product is one sequential sum over the units; a 2×2 tile of them shares the loads.
 */
export function q4PairSum(a: Float64Array, na: number, b: Float64Array, nb: number, p: number, diagonal: boolean): number {
  const w = (k: number, l: number) => (!diagonal ? 1 : k === l ? 1 : k < l ? 2 : 0);
  let s = 0;
  for (let k = 0; k < na; k += 2) {
    const two = k + 1 < na;
    const a0 = k * p, a1 = two ? a0 + p : a0;
    for (let l = diagonal ? k : 0; l < nb; l += 2) {
      const twoL = l + 1 < nb;
      const b0 = l * p, b1 = twoL ? b0 + p : b0;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let j = 0; j < p; j++) {
        const x0 = a[a0 + j], x1 = a[a1 + j], y0 = b[b0 + j], y1 = b[b1 + j];
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      s += w(k, l) * s00 * s00;
      if (twoL) s += w(k, l + 1) * s01 * s01;
      if (two) s += w(k + 1, l) * s10 * s10;
      if (two && twoL) s += w(k + 1, l + 1) * s11 * s11;
    }
  }
  return s;
}

/** The gram form's block pairs (a ≤ b), in the order their sums are added. */
export function q4Pairs(blocks: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = 0; a < blocks; a++) for (let b = a; b < blocks; b++) out.push([a, b]);
  return out;
}

/** Pass 2's totals. */
export interface Q4Moments {
  count: number;
  sxy: Float64Array;
  sxx: Float64Array;
  syy: number;
  /** ‖XᵀX‖²_F of the centred layer. */
  selfSq: number;
}

/**
 * Adds the blocks' moments in block order (and, in the gram form, the pair sums in q4Pairs
 * order) into the totals. `block(b)` and `pair(a, b)` give the shares (a loader may read them
 * from disk one at a time); `dy` is the centred logits of all m items in scan order.
 */
export function q4CombineMoments(input: {
  form: Q4Form; units: number; dy: Float64Array;
  block: (b: number) => Q4BlockMoments; pair: (a: number, b: number) => number;
}): Q4Moments {
  const { form, units: p, dy } = input;
  const m = dy.length;
  if (m < 2) throw badInput(`Q4 needs at least 2 items, got ${m}`);
  if (q4Form(m, p) !== form) throw badInput(`Q4 over ${m} items × ${p} units uses the ${q4Form(m, p)} form, not ${form}`);
  const blocks = blockCount(m);
  const sxy = new Float64Array(p), sxx = new Float64Array(p);
  const cross = form === 'feature' ? new Float64Array((p * (p + 1)) / 2) : null;
  let syy = 0;
  for (let b = 0; b < blocks; b++) {
    const from = b * SUM_BLOCK, to = Math.min(m, from + SUM_BLOCK);
    const part = input.block(b);
    if (part.count !== to - from || part.sxy.length !== p || part.sxx.length !== p) {
      throw badInput(`block ${b} of Q4 holds ${part.count} rows × ${part.sxy.length} units, expected ${to - from} × ${p}`);
    }
    let s = 0;
    for (let k = from; k < to; k++) s += dy[k] * dy[k];
    syy += s;
    for (let j = 0; j < p; j++) { sxy[j] += part.sxy[j]; sxx[j] += part.sxx[j]; }
    if (cross) {
      if (!part.cross || part.cross.length !== cross.length) throw badInput(`block ${b} of Q4 lacks its ${p}×${p} cross-moments`);
      for (let t = 0; t < cross.length; t++) cross[t] += part.cross[t];
    }
  }
  let selfSq = 0;
  if (cross) {
    let t = 0;
    for (let a = 0; a < p; a++) {
      selfSq += cross[t] * cross[t];
      t++;
      for (let b = a + 1; b < p; b++, t++) selfSq += 2 * cross[t] * cross[t];
    }
  } else {
    for (const [a, b] of q4Pairs(blocks)) selfSq += (a === b ? 1 : 2) * input.pair(a, b);
  }
  if (!Number.isFinite(selfSq) || sxy.some((v) => !Number.isFinite(v))) throw badInput('Q4: the layer has a non-finite activation among the items: re-extract the checkpoint');
  return { count: m, sxy, sxx, syy, selfSq };
}

/** Correlations (0 for a constant unit), units by |r|, and CKA (NaN if either side is constant). */
export function q4FromMoments(mom: Q4Moments): { correlation: Float64Array; strongest: Int32Array; cka: number } {
  const p = mom.sxy.length;
  const correlation = new Float64Array(p);
  let num = 0;
  for (let j = 0; j < p; j++) {
    const den = Math.sqrt(mom.sxx[j] * mom.syy);
    correlation[j] = den > 0 ? Math.max(-1, Math.min(1, mom.sxy[j] / den)) : 0;
    num += mom.sxy[j] * mom.sxy[j];
  }
  const strongest = topK(Float64Array.from(correlation, Math.abs), p);
  // Rounding can push a perfect match a hair above 1.
  const cka = mom.syy > 0 && mom.selfSq > 0 ? Math.min(1, Math.max(0, num / (mom.syy * Math.sqrt(mom.selfSq)))) : Number.NaN;
  return { correlation, strongest, cka };
}

/** x̄ (pass 1) of the scan's rows: subsetAggregates' blocked means, refusing a non-finite activation. */
export function q4LayerMean(x: Matrix, rows: Int32Array | undefined): Float64Array {
  return subsetAggregates(x, rows, {}).mean;
}

/** Both passes here, over the rows of `x` (scan order; all if undefined) and their logits `y`. */
export function q4Moments(x: Matrix, rows: Int32Array | undefined, y: Float64Array): Q4Moments {
  const m = rows ? rows.length : x.rows;
  if (y.length !== m) throw badInput(`Q4 has ${m} rows of activations but ${y.length} logits`);
  const dy = centredLogits(y);
  const mean = q4LayerMean(x, rows);
  const p = x.cols, form = q4Form(m, p);
  // The feature form centres one block at a time; the gram form's pairs need every block, kept once centred.
  const kept = new Map<number, Float64Array>();
  const centred = (b: number) => {
    let c = kept.get(b);
    if (!c) {
      c = centreBlock(x, rows, b * SUM_BLOCK, Math.min(m, (b + 1) * SUM_BLOCK), mean);
      if (form === 'gram') kept.set(b, c);
    }
    return c;
  };
  const size = (b: number) => Math.min(m, (b + 1) * SUM_BLOCK) - b * SUM_BLOCK;
  return q4CombineMoments({
    form, units: p, dy,
    block: (b) => q4BlockMoments(centred(b), dy.subarray(b * SUM_BLOCK, b * SUM_BLOCK + size(b)), p, form),
    pair: (a, b) => q4PairSum(centred(a), size(a), centred(b), size(b), p, a === b),
  });
}
