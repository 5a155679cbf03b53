/**
 * The full-covariance E-step (gmm-full-em.ts holds θ and the M-step), written as a kernel over a
 * RANGE of items so that the pool of helper threads (src-main/system/worker-pool.ts, kernels in
 * gmm-pool-kernels.ts) can share it: each item's log-joints, responsibilities and log-likelihood
 * depend on that item and θ only, so any split of the items gives bit-identical results, and the
 * total is summed on the calling thread in item order.
 *
 * Per E-step, once: each component is whitened (W_c = L_c⁻¹ explicitly, d³/6 operations) and its
 * constant log π_c − ½(d log 2π + log det Σ_c) computed (`prepareEStep`).
 * Per item range: the Mahalanobis distance ‖W_c(x − μ_c)‖² is computed for four items at a time
 * with two rows of W per pass (a 2 × 4 register tile). Pass 1 scores every item under the
 * component it belonged to last time; pass 2 the other components, abandoning a component once its
 * log-joint is certain to be more than `gap` nats below a reference: the best log-joint found so
 * far (`relativeTo: 'best'`, EM's pruning: the responsibility is then < e^−gap), or the SECOND
 * best found so far (`'second'`, the final pass): a component > gap = 50 nats below the second best
 * changes neither the best, nor log Σ_{z≠best} p(x, z) (by < k·e⁻⁵⁰ relative, below double
 * precision), nor the log-likelihood — so the likelihood ratios are exact to rounding while most
 * components are abandoned after a few rows of W.
 *
 * The distance kernel runs as WebAssembly SIMD (gmm-wasm.ts, `mahal` in wasm/gmm-full-kernels.wat) when
 * the E-step is given `wasm` (x, θ and W then live in the caller's arena), else as the JavaScript
 * mahalanobisBlock below; the two compute the same numbers bit for bit.
 */
import { kernelsFor, type WasmRef } from './gmm-wasm.ts';

/**
 * Where the WebAssembly kernel finds its operands: byte offsets of x, θ and W in the arena, and
 * per-chunk scratch (chunk c's at scratch + c·scratchStride: 4·d doubles of centred items, then
 * 4 doubles of output).
 */
export interface WasmEStep extends WasmRef {
  x: number;
  theta: number;
  whiten: number;
  scratch: number;
  scratchStride: number;
}

/** Bytes of one chunk's scratch for the WebAssembly E-step. */
export const wasmEScratchBytes = (d: number): number => 8 * (4 * d + 4);

/** The buffers mahalanobisBlock reads and writes. */
export interface BlockScratch {
  d: number;
  whiten: Float64Array; // k × d × d: W_c = L_c⁻¹ (lower triangular)
  centred: Float64Array; // 4 × d: a block of items minus a mean
  blockItems: Int32Array; // 4
  limits: Float64Array; // 4
  sums: Float64Array; // 4
}

/** Per-range scratch (one per thread): arrays of at least the range's length. */
export interface RangeScratch extends BlockScratch {
  top: Float64Array; // best log-joint found so far per item of the range
  second: Float64Array; // second best (relativeTo 'second')
  order: Int32Array; // the range's items grouped by their previous best component
  groupStart: Int32Array; // k + 1
  fill: Int32Array; // k
}

export function rangeScratch(len: number, d: number, k: number, whiten: Float64Array): RangeScratch {
  return {
    d, whiten, centred: new Float64Array(4 * d), blockItems: new Int32Array(4), limits: new Float64Array(4), sums: new Float64Array(4),
    top: new Float64Array(len), second: new Float64Array(len), order: new Int32Array(len), groupStart: new Int32Array(k + 1), fill: new Int32Array(k),
  };
}

const LOG_2PI = Math.log(2 * Math.PI);
/** θ's layout (as gmm-full-em.ts fullLayout): log-weights, means, log-Cholesky factors. */
const cholOffset = (k: number, d: number) => k + k * d;

/**
 * Writes each component's constant and whitening matrix for θ. Returns false when θ holds a
 * non-finite number (the E-step then reports −∞).
 */
export function prepareEStep(theta: Float64Array, k: number, d: number, constant: Float64Array, whiten: Float64Array): boolean {
  const len = k + k * d + k * d * d, oc0 = cholOffset(k, d);
  for (let t = 0; t < len; t++) if (!Number.isFinite(theta[t])) return false;
  let wTop = -Infinity;
  for (let c = 0; c < k; c++) wTop = Math.max(wTop, theta[c]);
  let wSum = 0;
  for (let c = 0; c < k; c++) wSum += Math.exp(theta[c] - wTop);
  const logNorm = wTop + Math.log(wSum);
  for (let c = 0; c < k; c++) {
    let logDet = 0;
    for (let a = 0; a < d; a++) logDet += 2 * theta[oc0 + c * d * d + a * d + a];
    constant[c] = theta[c] - logNorm - 0.5 * (d * LOG_2PI + logDet);
    invertFactor(theta, oc0 + c * d * d, d, whiten, c * d * d);
  }
  return true;
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
 * Squared Mahalanobis distances ‖W_c(x_i − μ_c)‖² of up to four items (s.blockItems[0..count))
 * under one component, accumulated two rows of W at a time over the four items (a 2 × 4 register
 * tile: six loads feed eight multiply-adds, and no add waits on the previous one). An item whose
 * partial sum exceeds s.limits[j] is certain to be pruned; the block stops once all four are.
 * Leaves the sums in s.sums (partial for pruned items).
 */
function mahalanobisBlock(x: Float64Array, theta: Float64Array, om: number, s: BlockScratch, ow: number, count: number): void {
  const { d, whiten: w, centred: cb, blockItems, limits, sums } = s;
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
 * The block distance function of a range: mahalanobisBlock, or the same computation by the
 * WebAssembly kernel (operands in the arena; s.blockItems / s.limits in, s.sums out).
 */
function distanceKernel(e: EStepRange, s: RangeScratch, chunk: number): (om: number, ow: number, count: number) => void {
  const { x, theta, d } = e;
  const w = e.wasm;
  if (!w) return (om, ow, count) => mahalanobisBlock(x, theta, om, s, ow, count);
  const kern = kernelsFor(w);
  const cb = w.scratch + chunk * w.scratchStride, outAt = cb + 32 * d;
  const out = new Float64Array(w.memory.buffer, outAt, 4);
  const { blockItems, limits, sums } = s;
  return (om, ow, count) => {
    for (let j = count; j < 4; j++) limits[j] = -1; // padding: never holds the block open
    const i0 = blockItems[0];
    kern.mahal(w.x, w.theta + 8 * om, w.whiten + 8 * ow, cb, d, i0, count > 1 ? blockItems[1] : i0, count > 2 ? blockItems[2] : i0,
      count > 3 ? blockItems[3] : i0, limits[0], limits[1], limits[2], limits[3], outAt);
    sums[0] = out[0]; sums[1] = out[1]; sums[2] = out[2]; sums[3] = out[3];
  };
}

export interface EStepRange {
  x: Float64Array; theta: Float64Array; constant: Float64Array;
  n: number; d: number; k: number;
  /** n × k log-joints (pruned entries −∞). */
  logJoint: Float64Array;
  /** n × k responsibilities, or null (not needed). */
  resp: Float64Array | null;
  /** n: each item's previous best component in, its best component out. */
  best: Int32Array;
  /** n: each item's log p(x_i). */
  itemLL: Float64Array;
  gap: number;
  relativeTo: 'best' | 'second';
  /** Run the distance kernel as WebAssembly over these operands (null: JavaScript). */
  wasm?: WasmEStep | null;
}

/**
 * The E-step for items [from, to) (prepareEStep must have run for θ). `chunk` picks the
 * WebAssembly scratch (each concurrently running range needs its own).
 */
export function eStepRange(e: EStepRange, s: RangeScratch, from: number, to: number, chunk = 0): void {
  const { x, theta, constant, d, k, logJoint, resp, best, itemLL, gap } = e;
  const { top, second, order, groupStart, fill, blockItems, limits, sums } = s;
  const distances = distanceKernel(e, s, chunk);
  const vsSecond = e.relativeTo === 'second';
  const om0 = k, len = to - from;
  // The range's items grouped by their previous best component (counting sort); local index p = i − from.
  groupStart.fill(0);
  for (let i = from; i < to; i++) groupStart[best[i] + 1]++;
  for (let c = 0; c < k; c++) groupStart[c + 1] += groupStart[c];
  for (let c = 0; c < k; c++) fill[c] = groupStart[c];
  for (let i = from; i < to; i++) order[fill[best[i]]++] = i;
  for (let p = 0; p < len; p++) second[p] = -Infinity;

  // Pass 1: the previous best component, no pruning.
  for (let c = 0; c < k; c++) {
    const om = om0 + c * d, ow = c * d * d;
    for (let p = groupStart[c]; p < groupStart[c + 1]; p += 4) {
      const count = Math.min(4, groupStart[c + 1] - p);
      for (let j = 0; j < 4; j++) { blockItems[j] = j < count ? order[p + j] : 0; limits[j] = Infinity; }
      distances(om, ow, count);
      for (let j = 0; j < count; j++) {
        const i = blockItems[j], lj = constant[c] - 0.5 * sums[j];
        logJoint[i * k + c] = lj;
        top[i - from] = lj;
      }
    }
  }
  // Pass 2: every other component, four items of one group at a time, a block abandoned once all
  // four are certain to be > `gap` nats below their reference (best or second best so far).
  for (let g = 0; g < k; g++) {
    for (let p = groupStart[g]; p < groupStart[g + 1]; p += 4) {
      const count = Math.min(4, groupStart[g + 1] - p);
      for (let j = 0; j < 4; j++) blockItems[j] = j < count ? order[p + j] : 0;
      for (let c = 0; c < k; c++) {
        if (c === g) continue;
        // Item i is dropped for c once constant − acc/2 < reference − gap.
        for (let j = 0; j < count; j++) {
          const q = blockItems[j] - from;
          limits[j] = 2 * (constant[c] - (vsSecond ? second[q] : top[q]) + gap);
        }
        distances(om0 + c * d, c * d * d, count);
        for (let j = 0; j < count; j++) {
          const i = blockItems[j], q = i - from;
          const lj = sums[j] > limits[j] ? -Infinity : constant[c] - 0.5 * sums[j];
          logJoint[i * k + c] = lj;
          if (lj > top[q]) { second[q] = top[q]; top[q] = lj; } else if (lj > second[q]) second[q] = lj;
        }
      }
    }
  }
  for (let i = from; i < to; i++) {
    const ol = i * k, t = top[i - from];
    // log p(x_i) by log-sum-exp around the top log-joint; responsibilities from the same sums.
    let arg = 0, sum = 0;
    for (let c = 0; c < k; c++) {
      const lj = logJoint[ol + c];
      if (lj > logJoint[ol + arg]) arg = c;
      sum += Math.exp(lj - t);
    }
    best[i] = arg;
    itemLL[i] = t + Math.log(sum);
    if (resp) {
      const is = 1 / sum;
      for (let c = 0; c < k; c++) resp[ol + c] = Math.exp(logJoint[ol + c] - t) * is;
    }
  }
}
