/**
 * Percentile bootstrap for a sample's answers: how much would the answer move if the sample
 * had drawn other items like these? Each resample draws |rows| items from the sample's rows with
 * replacement (injected Rng), recomputes the answer, and the CI is the (α/2, 1−α/2) percentiles
 * of the B replicates (linear interpolation between order statistics).
 *   S2: per-unit CI of the mean activation.
 *   S1: per-neuron frequency of being in the top-K across replicates (a stability score).
 *   S3: per-bin CI of the argmax distribution (argmaxes are computed once, then resampled).
 */
import type { Matrix } from '../core/matrix.ts';
import type { Rng } from '../core/rng.ts';
import { badInput } from '../shared/errors.ts';
import { argmaxPerRow, columnMax, columnMean, topK } from './aggregates.ts';
import { answerS1 } from './querysets.ts';
import type { S1Options } from './querysets.ts';
import { checkMatrix, checkPositiveInt, checkRows } from './validate.ts';

export interface BootstrapOptions {
  rng: Rng;
  /** Number of resamples B; default 200. */
  resamples?: number;
  /** Confidence level of the interval; default 0.95. */
  level?: number;
}

export interface BootstrapInterval {
  /** The answer on the sample itself. */
  estimate: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  resamples: number;
  level: number;
}

export interface BootstrapTopK {
  /** The top-K on the sample itself. */
  top: Int32Array;
  /** Per neuron, the share of replicates whose top-K contains it (in [0, 1]). */
  frequency: Float64Array;
  resamples: number;
}

function setup(m: Matrix, rows: Int32Array | undefined, options: BootstrapOptions) {
  checkMatrix(m, 'matrix');
  if (rows !== undefined) checkRows(rows, m.rows, 'rows');
  const base = rows ?? Int32Array.from({ length: m.rows }, (_, i) => i);
  if (base.length === 0) throw badInput('rows selects no items: nothing to resample; check the subset filter');
  if (!options || typeof options.rng?.int !== 'function') throw badInput('options.rng must be an Rng (createRng(seed))');
  const resamples = options.resamples ?? 200;
  checkPositiveInt(resamples, 'resamples');
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw badInput(`level must be in (0, 1), got ${level}`);
  return { base, resamples, level, rng: options.rng };
}

function drawInto(base: Int32Array, out: Int32Array, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = base[rng.int(base.length)];
}

/** Linear-interpolated quantile of an ascending-sorted array (Hyndman–Fan type 7). */
function quantileSorted(s: Float64Array, q: number): number {
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Per-column percentile interval of B replicate vectors stored row-major (B × cols). */
function intervals(reps: Float64Array, b: number, cols: number, level: number): { lo: Float64Array; hi: Float64Array } {
  const lo = new Float64Array(cols), hi = new Float64Array(cols);
  const col = new Float64Array(b);
  const a = (1 - level) / 2;
  for (let j = 0; j < cols; j++) {
    for (let r = 0; r < b; r++) col[r] = reps[r * cols + j];
    col.sort();
    lo[j] = quantileSorted(col, a);
    hi[j] = quantileSorted(col, 1 - a);
  }
  return { lo, hi };
}

/** S2: percentile CI of each unit's mean activation over the rows (all rows if undefined). */
export function bootstrapS2(m: Matrix, rows: Int32Array | undefined, options: BootstrapOptions): BootstrapInterval {
  const { base, resamples, level, rng } = setup(m, rows, options);
  const estimate = columnMean(m, base);
  const reps = new Float64Array(resamples * m.cols);
  const draw = new Int32Array(base.length);
  for (let r = 0; r < resamples; r++) {
    drawInto(base, draw, rng);
    reps.set(columnMean(m, draw), r * m.cols);
  }
  return { estimate, ...intervals(reps, resamples, m.cols, level), resamples, level };
}

/** S1: how often each neuron lands in the top-K when the sample is resampled. */
export function bootstrapS1(m: Matrix, rows: Int32Array | undefined, s1: S1Options, options: BootstrapOptions): BootstrapTopK {
  const { base, resamples, rng } = setup(m, rows, options);
  const top = answerS1(m, base, s1); // also validates k and by
  const frequency = new Float64Array(m.cols);
  const draw = new Int32Array(base.length);
  for (let r = 0; r < resamples; r++) {
    drawInto(base, draw, rng);
    const v = s1.by === 'max' ? columnMax(m, draw) : columnMean(m, draw);
    const t = topK(v, s1.k);
    for (let i = 0; i < t.length; i++) frequency[t[i]] += 1;
  }
  for (let j = 0; j < frequency.length; j++) frequency[j] /= resamples;
  return { top, frequency, resamples };
}

/** S3: percentile CI of each bin of the argmax distribution. */
export function bootstrapS3(m: Matrix, rows: Int32Array | undefined, options: BootstrapOptions): BootstrapInterval {
  const { base, resamples, level, rng } = setup(m, rows, options);
  if (m.cols === 0) throw badInput('matrix has no columns: a layer needs at least one unit for an argmax');
  // The argmax of an item does not change between replicates: compute it once per sample row.
  const arg = argmaxPerRow(m, base);
  const n = arg.length;
  const estimate = new Float64Array(m.cols);
  for (let i = 0; i < n; i++) estimate[arg[i]] += 1 / n;
  const reps = new Float64Array(resamples * m.cols);
  for (let r = 0; r < resamples; r++) {
    const o = r * m.cols;
    for (let i = 0; i < n; i++) reps[o + arg[rng.int(n)]] += 1 / n;
  }
  return { estimate, ...intervals(reps, resamples, m.cols, level), resamples, level };
}

/**
 * S1's interval: for the given columns (the sample's top-K neurons), the percentile CI of each
 * one's score (mean or max over the rows). Only those columns are resampled, so this costs
 * B·|rows|·K rather than B·|rows|·cols.
 */
export function bootstrapScores(
  m: Matrix, rows: Int32Array | undefined, columns: Int32Array, by: 'mean' | 'max', options: BootstrapOptions,
): BootstrapInterval {
  const { base, resamples, level, rng } = setup(m, rows, options);
  if (by !== 'mean' && by !== 'max') throw badInput(`by must be 'mean' or 'max', got ${String(by)}`);
  if (!(columns instanceof Int32Array)) throw badInput('columns must be an Int32Array of column indices');
  for (const c of columns) if (!(c >= 0 && c < m.cols)) throw badInput(`columns holds ${c}, outside the matrix's columns [0, ${m.cols})`);
  const k = columns.length;
  const score = (draw: Int32Array, out: Float64Array, o: number) => {
    for (let c = 0; c < k; c++) {
      let acc = by === 'mean' ? 0 : -Infinity;
      for (let i = 0; i < draw.length; i++) {
        const v = m.data[draw[i] * m.cols + columns[c]];
        acc = by === 'mean' ? acc + v : Math.max(acc, v);
      }
      out[o + c] = by === 'mean' ? acc / draw.length : acc;
    }
  };
  const estimate = new Float64Array(k);
  score(base, estimate, 0);
  const reps = new Float64Array(resamples * k);
  const draw = new Int32Array(base.length);
  for (let r = 0; r < resamples; r++) {
    drawInto(base, draw, rng);
    score(draw, reps, r * k);
  }
  return { estimate, ...intervals(reps, resamples, k, level), resamples, level };
}
