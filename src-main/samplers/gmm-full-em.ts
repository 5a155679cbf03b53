/**
 * One EM step of a full-covariance Gaussian mixture: the E-step (log-joints, responsibilities,
 * mean log-likelihood) and the M-step (weights, means, covariances). Pure math over Float64Array;
 * the EM loop is in gmm-core.ts.
 *
 * Parameter vector θ = [log-weights (k) | means (k × d) | log-Cholesky factors (k × d × d)]: each
 * covariance Σ_c = L_c·L_cᵀ stored as L_c's lower triangle with the LOG of its diagonal, so any
 * vector θ is a valid mixture (positive weights after normalisation, positive-definite
 * covariances). The M-step factorises each Σ_c once.
 *
 * E-step: each component is whitened once (W_c = L_c⁻¹ explicitly, d³/6 operations) and the
 * Mahalanobis distance is ‖W_c(x − μ_c)‖², computed for four items at a time with two rows of W
 * per pass (a register-tiled matrix product: ~1.6 G multiply-adds/s measured, about twice a
 * forward substitution per item, whose steps depend on each other). Each item is scored first
 * under the component it belonged to last time; the partial sum over rows of W grows
 * monotonically, so another component is abandoned once its log-joint is certain to be more than
 * `gap` nats below the best (gmm-core.ts uses 25 during EM, ∞ for the final exact pass).
 *
 * M-step: responsibilities below MIN_RESP are skipped (effect < 1e-10 relative), so each item
 * feeds essentially only its own component's sums; the weighted scatter is a blocked Gram update
 * (2 × 4 register tiles, linalg.ts), then Σ_c + reg·I is factorised into θ.
 */
import { accumulateGram, choleskyInPlace } from './linalg.ts';

/** Responsibilities below this are left out of the M-step sums (their effect is < 1e-10 relative). */
export const MIN_RESP = 1e-10;

/**
 * Component c's responsibility-weighted sum of the rows of x into `into` (zeroed first), skipping
 * responsibilities below MIN_RESP; returns the total responsibility n_c. into / n_c is the mean.
 */
export function weightedSum(
  x: Float32Array | Float64Array, n: number, d: number, resp: Float64Array, k: number, c: number, into: Float64Array,
): number {
  let nk = 0;
  into.fill(0);
  for (let i = 0; i < n; i++) {
    const r = resp[i * k + c];
    if (r < MIN_RESP) continue;
    nk += r;
    const o = i * d;
    for (let a = 0; a < d; a++) into[a] += r * x[o + a];
  }
  return nk;
}
const LOG_2PI = Math.log(2 * Math.PI);
/** Floor for a weight before its log is taken (an emptied component). */
const MIN_WEIGHT = 1e-300;
const GRAM_BLOCK = 512;

export function fullLayout(k: number, d: number): { means: number; chol: number; length: number } {
  return { means: k, chol: k + k * d, length: k + k * d + k * d * d };
}

/** Mixture parameters in their natural form: weights (k), means (k × d), covariances (k × d × d). */
export interface FullParams {
  weights: Float64Array;
  means: Float64Array;
  covs: Float64Array;
}

/** Scratch buffers reused across steps (allocated once per fit). */
export interface FullWorkspace {
  n: number; d: number; k: number;
  constant: Float64Array; // k: log π_c − ½(d log 2π + log det Σ_c)
  block: Float64Array; // d × GRAM_BLOCK, M-step scatter rows
  scatter: Float64Array; // d × d
  mu: Float64Array; // d
  factor: Float64Array; // d × d
  params: FullParams; // the M-step's output before packing
  emptied: Uint8Array; // k: the M-step left this component unchanged
  whiten: Float64Array; // k × d × d: W_c = L_c⁻¹ (lower triangular)
  top: Float64Array; // n: best log-joint found so far per item
  order: Int32Array; // n: items grouped by their previous best component
  groupStart: Int32Array; // k + 1
  centred: Float64Array; // 4 × d: a block of items minus a mean
  blockItems: Int32Array; // 4
  limits: Float64Array; // 4
  sums: Float64Array; // 4
}

export function fullWorkspace(n: number, d: number, k: number): FullWorkspace {
  return {
    n, d, k,
    constant: new Float64Array(k),
    block: new Float64Array(d * GRAM_BLOCK), scatter: new Float64Array(d * d), mu: new Float64Array(d),
    factor: new Float64Array(d * d),
    params: { weights: new Float64Array(k), means: new Float64Array(k * d), covs: new Float64Array(k * d * d) },
    emptied: new Uint8Array(k),
    whiten: new Float64Array(k * d * d), top: new Float64Array(n), order: new Int32Array(n), groupStart: new Int32Array(k + 1),
    centred: new Float64Array(4 * d), blockItems: new Int32Array(4), limits: new Float64Array(4), sums: new Float64Array(4),
  };
}

/**
 * Writes `p` into θ form. A numerically indefinite covariance gets a growing diagonal jitter until
 * it factorises. Components flagged in `keep` are copied unchanged from `prev` (a θ vector).
 */
export function packTheta(p: FullParams, k: number, d: number, out: Float64Array, ws: FullWorkspace, keep?: Uint8Array, prev?: Float64Array): void {
  const lay = fullLayout(k, d);
  const f = ws.factor;
  for (let c = 0; c < k; c++) {
    out[c] = Math.log(Math.max(p.weights[c], MIN_WEIGHT));
    const om = lay.means + c * d, oc = lay.chol + c * d * d;
    if (keep?.[c] && prev) {
      out.set(prev.subarray(om, om + d), om);
      out.set(prev.subarray(oc, oc + d * d), oc);
      continue;
    }
    out.set(p.means.subarray(c * d, c * d + d), om);
    const src = p.covs.subarray(c * d * d, (c + 1) * d * d);
    f.set(src);
    let jitter = 0;
    while (!choleskyInPlace(f, d)) {
      jitter = jitter === 0 ? 1e-10 * (1 + Math.abs(src[0])) : jitter * 10;
      f.set(src);
      for (let a = 0; a < d; a++) f[a * d + a] += jitter;
    }
    for (let a = 0; a < d; a++) f[a * d + a] = Math.log(f[a * d + a]);
    out.set(f, oc);
  }
}

/** θ back to natural parameters: normalised weights, means, Σ_c = L_c·L_cᵀ. */
export function unpackTheta(theta: Float64Array, k: number, d: number): FullParams {
  const lay = fullLayout(k, d);
  let top = -Infinity;
  for (let c = 0; c < k; c++) top = Math.max(top, theta[c]);
  let sum = 0;
  const weights = new Float64Array(k);
  for (let c = 0; c < k; c++) { weights[c] = Math.exp(theta[c] - top); sum += weights[c]; }
  for (let c = 0; c < k; c++) weights[c] /= sum;
  const covs = new Float64Array(k * d * d);
  const l = new Float64Array(d * d);
  for (let c = 0; c < k; c++) {
    const oc = lay.chol + c * d * d;
    l.set(theta.subarray(oc, oc + d * d));
    for (let a = 0; a < d; a++) l[a * d + a] = Math.exp(l[a * d + a]);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let t = 0; t <= b; t++) s += l[a * d + t] * l[b * d + t];
        covs[c * d * d + a * d + b] = s;
        covs[c * d * d + b * d + a] = s;
      }
    }
  }
  return { weights, means: theta.slice(lay.means, lay.chol), covs };
}

/** W = L⁻¹ for the factor in θ at `oc` (log diagonal), written to w at `ow`; both d × d lower triangular. */
function invertFactor(theta: Float64Array, oc: number, d: number, w: Float64Array, ow: number): void {
  // Column j of W solves L·w_j = e_j by forward substitution (entries above the diagonal are 0).
  for (let j = 0; j < d; j++) {
    for (let a = 0; a < j; a++) w[ow + a * d + j] = 0;
    w[ow + j * d + j] = Math.exp(-theta[oc + j * d + j]);
    for (let a = j + 1; a < d; a++) {
      let s = 0;
      for (let b = j; b < a; b++) s -= theta[oc + a * d + b] * w[ow + b * d + j];
      w[ow + a * d + j] = s * Math.exp(-theta[oc + a * d + a]);
    }
  }
}

/**
 * Squared Mahalanobis distances ‖W_c(x_i − μ_c)‖² of up to four items (ws.blockItems[0..count))
 * under one component, accumulated two rows of W at a time over the four items (a 2 × 4 register
 * tile: six loads feed eight multiply-adds, and no add waits on the previous one). An item whose
 * partial sum exceeds ws.limits[j] is certain to be pruned; the block stops once all four are.
 * Leaves the sums in ws.sums (partial for pruned items).
 */
function mahalanobisBlock(x: Float64Array, theta: Float64Array, om: number, ws: FullWorkspace, ow: number, count: number): void {
  const { d, whiten: w, centred: cb, blockItems, limits, sums } = ws;
  const d1 = d, d2 = 2 * d, d3 = 3 * d;
  const i0 = blockItems[0] * d, i1 = blockItems[count > 1 ? 1 : 0] * d;
  const i2 = blockItems[count > 2 ? 2 : 0] * d, i3 = blockItems[count > 3 ? 3 : 0] * d;
  for (let j = count; j < 4; j++) limits[j] = -1; // padding: never holds the block open
  const l0 = limits[0], l1 = limits[1], l2 = limits[2], l3 = limits[3];
  let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
  let a = 0;
  for (; a + 1 < d; a += 2) {
    // The items are centred lazily, two columns per pass: a pruned block never centres the rest.
    for (let e = a; e < a + 2; e++) {
      const m = theta[om + e];
      cb[e] = x[i0 + e] - m; cb[d1 + e] = x[i1 + e] - m; cb[d2 + e] = x[i2 + e] - m; cb[d3 + e] = x[i3 + e] - m;
    }
    const r0 = ow + a * d, r1 = r0 + d;
    let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    for (let b = 0; b <= a; b++) {
      const w0 = w[r0 + b], w1 = w[r1 + b];
      const x0 = cb[b], x1 = cb[d1 + b], x2 = cb[d2 + b], x3 = cb[d3 + b];
      s00 += w0 * x0; s01 += w0 * x1; s02 += w0 * x2; s03 += w0 * x3;
      s10 += w1 * x0; s11 += w1 * x1; s12 += w1 * x2; s13 += w1 * x3;
    }
    const wd = w[r1 + a + 1], e = a + 1;
    s10 += wd * cb[e]; s11 += wd * cb[d1 + e]; s12 += wd * cb[d2 + e]; s13 += wd * cb[d3 + e];
    q0 += s00 * s00 + s10 * s10; q1 += s01 * s01 + s11 * s11;
    q2 += s02 * s02 + s12 * s12; q3 += s03 * s03 + s13 * s13;
    if (q0 > l0 && q1 > l1 && q2 > l2 && q3 > l3) { a = d + 1; break; }
  }
  if (a === d - 1) {
    // d odd: the last row.
    const m = theta[om + a];
    cb[a] = x[i0 + a] - m; cb[d1 + a] = x[i1 + a] - m; cb[d2 + a] = x[i2 + a] - m; cb[d3 + a] = x[i3 + a] - m;
    const r0 = ow + a * d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let b = 0; b <= a; b++) {
      const w0 = w[r0 + b];
      s0 += w0 * cb[b]; s1 += w0 * cb[d1 + b]; s2 += w0 * cb[d2 + b]; s3 += w0 * cb[d3 + b];
    }
    q0 += s0 * s0; q1 += s1 * s1; q2 += s2 * s2; q3 += s3 * s3;
  }
  sums[0] = q0; sums[1] = q1; sums[2] = q2; sums[3] = q3;
}

/**
 * E-step at θ: fills logJoint (n × k; pruned entries −∞) and, if `resp` is given, the
 * responsibilities; updates best[i] (each item's most likely component). Returns the mean
 * log-likelihood, or −∞ when θ holds a non-finite number.
 *
 * Pass 1 scores every item under its previous best component (exact); pass 2 scores the other
 * components, pruning an item once it is certain to be > `gap` nats below its best so far.
 * Items go through the kernel four at a time, grouped by component.
 */
export function fullEStep(
  x: Float64Array, theta: Float64Array, ws: FullWorkspace, logJoint: Float64Array, resp: Float64Array | null,
  best: Int32Array, gap: number,
): number {
  const { n, d, k, constant, top, order, groupStart, blockItems, limits, sums } = ws;
  const lay = fullLayout(k, d);
  for (let t = 0; t < lay.length; t++) if (!Number.isFinite(theta[t])) return -Infinity;
  let wTop = -Infinity;
  for (let c = 0; c < k; c++) wTop = Math.max(wTop, theta[c]);
  let wSum = 0;
  for (let c = 0; c < k; c++) wSum += Math.exp(theta[c] - wTop);
  const logNorm = wTop + Math.log(wSum);
  for (let c = 0; c < k; c++) {
    let logDet = 0;
    for (let a = 0; a < d; a++) logDet += 2 * theta[lay.chol + c * d * d + a * d + a];
    constant[c] = theta[c] - logNorm - 0.5 * (d * LOG_2PI + logDet);
    invertFactor(theta, lay.chol + c * d * d, d, ws.whiten, c * d * d);
  }
  // Items grouped by their previous best component (counting sort).
  groupStart.fill(0);
  for (let i = 0; i < n; i++) groupStart[best[i] + 1]++;
  for (let c = 0; c < k; c++) groupStart[c + 1] += groupStart[c];
  const fill = Int32Array.from(groupStart.subarray(0, k));
  for (let i = 0; i < n; i++) order[fill[best[i]]++] = i;

  // Pass 1: the previous best component, no pruning.
  for (let c = 0; c < k; c++) {
    const om = lay.means + c * d, ow = c * d * d;
    for (let p = groupStart[c]; p < groupStart[c + 1]; p += 4) {
      const count = Math.min(4, groupStart[c + 1] - p);
      for (let j = 0; j < 4; j++) { blockItems[j] = j < count ? order[p + j] : 0; limits[j] = Infinity; }
      mahalanobisBlock(x, theta, om, ws, ow, count);
      for (let j = 0; j < count; j++) {
        const i = blockItems[j], lj = constant[c] - 0.5 * sums[j];
        logJoint[i * k + c] = lj;
        top[i] = lj;
      }
    }
  }
  // Pass 2: every other component, four items of one group at a time (the same 2 × 4 tile),
  // a block abandoned once all four are certain to be > `gap` nats below their best so far.
  for (let g = 0; g < k; g++) {
    for (let p = groupStart[g]; p < groupStart[g + 1]; p += 4) {
      const count = Math.min(4, groupStart[g + 1] - p);
      for (let j = 0; j < 4; j++) blockItems[j] = j < count ? order[p + j] : 0;
      for (let c = 0; c < k; c++) {
        if (c === g) continue;
        // Item i is dropped for c once constant − acc/2 < top − gap.
        for (let j = 0; j < count; j++) limits[j] = 2 * (constant[c] - top[blockItems[j]] + gap);
        mahalanobisBlock(x, theta, lay.means + c * d, ws, c * d * d, count);
        for (let j = 0; j < count; j++) {
          const i = blockItems[j];
          const lj = sums[j] > limits[j] ? -Infinity : constant[c] - 0.5 * sums[j];
          logJoint[i * k + c] = lj;
          if (lj > top[i]) top[i] = lj;
        }
      }
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const ol = i * k, t = top[i];
    // log p(x_i) by log-sum-exp around the top log-joint; responsibilities from the same sums.
    let arg = 0, s = 0;
    for (let c = 0; c < k; c++) {
      const lj = logJoint[ol + c];
      if (lj > logJoint[ol + arg]) arg = c;
      s += Math.exp(lj - t);
    }
    best[i] = arg;
    total += t + Math.log(s);
    if (resp) {
      const is = 1 / s;
      for (let c = 0; c < k; c++) resp[ol + c] = Math.exp(logJoint[ol + c] - t) * is;
    }
  }
  return total / n;
}

/**
 * M-step: the maximum-likelihood parameters for responsibilities `resp` (n × k), written to `p`.
 * `reg` is added to every covariance diagonal. A component whose responsibilities sum to < 1e-10
 * gets weight ≈ 0, is left untouched in `p` and is flagged in ws.emptied (it keeps its shape).
 */
export function fullMStep(x: Float64Array, resp: Float64Array, reg: number, ws: FullWorkspace, p: FullParams): void {
  const { n, d, k, block, scatter, mu, emptied } = ws;
  const B = GRAM_BLOCK;
  for (let c = 0; c < k; c++) {
    const nk = weightedSum(x, n, d, resp, k, c, mu);
    p.weights[c] = nk / n;
    emptied[c] = nk < 1e-10 ? 1 : 0;
    if (emptied[c]) continue;
    for (let a = 0; a < d; a++) mu[a] /= nk;
    p.means.set(mu, c * d);
    // Weighted scatter: rows √r·(x − μ) gathered column-major in blocks, then a Gram update.
    scatter.fill(0);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + c];
      if (r < MIN_RESP) continue;
      const w = Math.sqrt(r), o = i * d;
      for (let a = 0; a < d; a++) block[a * B + m] = w * (x[o + a] - mu[a]);
      if (++m === B) { accumulateGram(block, B, m, d, scatter); m = 0; }
    }
    if (m > 0) accumulateGram(block, B, m, d, scatter);
    const oc = c * d * d;
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        const v = scatter[a * d + b] / nk + (a === b ? reg : 0);
        p.covs[oc + a * d + b] = v;
        p.covs[oc + b * d + a] = v;
      }
    }
  }
}
