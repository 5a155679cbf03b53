/**
 * Per-item scores of a checkpoint (issue 13.3; the scores FiftyOne users know), pure math over
 * the model's probabilities and the latent vectors. All four lie in [0, 1]:
 *   hardness            normalised entropy of the model's probabilities, −Σ p log p / log k
 *                       (0 = one class certain, 1 = uniform over the k classes);
 *   mistakenness        the model's confidence in a label OTHER than the true one, max_{c ≠ y} p_c
 *                       (high = the model confidently says something else: a likely label error
 *                       or a confident mistake);
 *   uniqueness          mean Euclidean distance to the k nearest other items in the latent space,
 *                       divided by the largest such mean over the items (1 = the most isolated item);
 *   representativeness  closeness to the centre of the item's predicted-class cluster in the latent
 *                       space, 1 − ‖x − μ_ĉ‖ / max_{x' with ĉ} ‖x' − μ_ĉ‖ (1 = at the centre).
 */
import type { Matrix } from '../core/matrix.ts';
import { badInput } from '../shared/errors.ts';

export const DEFAULT_SCORE_K = 5;

export interface ItemScores {
  hardness: Float64Array;
  mistakenness: Float64Array;
  uniqueness: Float64Array;
  representativeness: Float64Array;
  /** Neighbours used for uniqueness. */
  k: number;
}

export const SCORE_NAMES = ['hardness', 'mistakenness', 'uniqueness', 'representativeness'] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];

export function hardness(probs: Matrix<Float32Array | Float64Array>): Float64Array {
  const { rows: n, cols: k, data } = probs;
  const out = new Float64Array(n);
  const norm = k > 1 ? Math.log(k) : 1;
  for (let i = 0; i < n; i++) {
    let s = 0, h = 0;
    for (let c = 0; c < k; c++) s += Math.max(0, data[i * k + c]);
    if (s <= 0) { out[i] = 1; continue; }
    for (let c = 0; c < k; c++) {
      const p = Math.max(0, data[i * k + c]) / s;
      if (p > 0) h -= p * Math.log(p);
    }
    out[i] = Math.min(1, Math.max(0, h / norm));
  }
  return out;
}

export function mistakenness(probs: Matrix<Float32Array | Float64Array>, trueLabels: Int32Array): Float64Array {
  const { rows: n, cols: k, data } = probs;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let c = 0; c < k; c++) if (c !== trueLabels[i] && data[i * k + c] > m) m = data[i * k + c];
    out[i] = Math.min(1, m);
  }
  return out;
}

/** Mean distance to the k nearest other rows (exact, blocked ‖a‖² + ‖b‖² − 2a·b), before normalisation. */
export function meanKnnDistance(latent: Matrix<Float32Array>, k: number, signal?: AbortSignal): Float64Array {
  const { rows: n, cols: d, data } = latent;
  const kk = Math.min(k, n - 1);
  const out = new Float64Array(n);
  if (kk < 1) return out;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) { let s = 0; for (let a = 0; a < d; a++) s += data[i * d + a] ** 2; sq[i] = s; }
  // Per row: the kk smallest squared distances in a small sorted buffer.
  const best = new Float64Array(n * kk).fill(Infinity);
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) {
    if (signal?.aborted) throw new Error('cancelled');
    const i1 = Math.min(n, i0 + B);
    for (let j = 0; j < n; j++) {
      const oj = j * d;
      for (let i = i0; i < i1; i++) {
        if (i === j) continue;
        const oi = i * d;
        let dot0 = 0, dot1 = 0, a = 0;
        for (; a + 1 < d; a += 2) { dot0 += data[oi + a] * data[oj + a]; dot1 += data[oi + a + 1] * data[oj + a + 1]; }
        if (a < d) dot0 += data[oi + a] * data[oj + a];
        const dist = sq[i] + sq[j] - 2 * (dot0 + dot1);
        const o = i * kk;
        if (dist < best[o + kk - 1]) {
          let p = kk - 1;
          while (p > 0 && best[o + p - 1] > dist) { best[o + p] = best[o + p - 1]; p--; }
          best[o + p] = dist;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < kk; t++) s += Math.sqrt(Math.max(0, best[i * kk + t]));
    out[i] = s / kk;
  }
  return out;
}

export function uniqueness(latent: Matrix<Float32Array>, k: number = DEFAULT_SCORE_K, signal?: AbortSignal): Float64Array {
  const m = meanKnnDistance(latent, k, signal);
  let max = 0;
  for (const v of m) if (v > max) max = v;
  if (max > 0) for (let i = 0; i < m.length; i++) m[i] /= max;
  return m;
}

export function representativeness(latent: Matrix<Float32Array>, predLabels: Int32Array, numClasses: number): Float64Array {
  const { rows: n, cols: d, data } = latent;
  const mu = new Float64Array(numClasses * d), cnt = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    const c = predLabels[i];
    cnt[c]++;
    for (let a = 0; a < d; a++) mu[c * d + a] += data[i * d + a];
  }
  for (let c = 0; c < numClasses; c++) if (cnt[c] > 0) for (let a = 0; a < d; a++) mu[c * d + a] /= cnt[c];
  const dist = new Float64Array(n), max = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    const c = predLabels[i];
    let s = 0;
    for (let a = 0; a < d; a++) s += (data[i * d + a] - mu[c * d + a]) ** 2;
    dist[i] = Math.sqrt(s);
    if (dist[i] > max[c]) max[c] = dist[i];
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) { const m = max[predLabels[i]]; out[i] = m > 0 ? 1 - dist[i] / m : 1; }
  return out;
}

export interface ScoreInput {
  latent: Matrix<Float32Array>;
  probs: Matrix<Float32Array>;
  trueLabels: Int32Array;
  predLabels: Int32Array;
  numClasses: number;
}

export function computeItemScores(input: ScoreInput, opts: { k?: number; signal?: AbortSignal } = {}): ItemScores {
  const { latent, probs, trueLabels, predLabels, numClasses } = input;
  const n = latent.rows;
  if (n === 0) throw badInput('latent is empty: extract the checkpoint first, then compute its scores');
  if (probs.rows !== n || probs.cols !== numClasses) throw badInput(`probs must be ${n} × ${numClasses}, got ${probs.rows} × ${probs.cols}`);
  if (trueLabels.length !== n || predLabels.length !== n) throw badInput(`trueLabels and predLabels need ${n} entries (one per latent row)`);
  const k = opts.k ?? DEFAULT_SCORE_K;
  if (!Number.isInteger(k) || k < 1) throw badInput(`k must be an integer ≥ 1, got ${k}`);
  for (let i = 0; i < n; i++) {
    if (predLabels[i] < 0 || predLabels[i] >= numClasses) throw badInput(`predLabels[${i}] = ${predLabels[i]} is outside [0, ${numClasses})`);
  }
  return {
    hardness: hardness(probs),
    mistakenness: mistakenness(probs, trueLabels),
    uniqueness: uniqueness(latent, k, opts.signal),
    representativeness: representativeness(latent, predLabels, numClasses),
    k,
  };
}
