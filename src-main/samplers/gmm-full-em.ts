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
 *
 * WebAssembly: a workspace made with an arena (gmm-wasm.ts) runs both kernels — the E-step's
 * distances and the M-step's Gram update — as WebAssembly SIMD, with the same results bit for bit
 * (the Gram kernel reads its block row-major, JavaScript's column-major; both sum each entry over
 * the block's rows in order).
 */
import type { SyncPool } from '../system/worker-pool.ts';
import { eStepRange, prepareEStep, rangeScratch, wasmEScratchBytes } from './gmm-full-estep.ts';
import type { EStepRange, RangeScratch, WasmEStep } from './gmm-full-estep.ts';
import { kernelsFor, wasmRef, type WasmArena, type WasmRef } from './gmm-wasm.ts';
import { accumulateGram, choleskyJittered } from './linalg.ts';

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
export interface FullWorkspace extends RangeScratch {
  n: number; d: number; k: number;
  constant: Float64Array; // k: log π_c − ½(d log 2π + log det Σ_c)
  block: Float64Array; // d × GRAM_BLOCK, M-step scatter rows
  scatter: Float64Array; // d × d
  mu: Float64Array; // d
  factor: Float64Array; // d × d
  params: FullParams; // the M-step's output before packing
  emptied: Uint8Array; // k: the M-step left this component unchanged
  itemLL: Float64Array; // n: log p(x_i)
  /** The WebAssembly kernels' scratch in the arena, or null (JavaScript kernels). */
  wasm: WorkspaceWasm | null;
}

/** A workspace's arena scratch: E-step chunks (see WasmEStep) and one M-step block per component. */
export interface WorkspaceWasm extends WasmRef {
  arena: WasmArena;
  eScratch: number;
  eStride: number;
  /** Component c's Gram block (GRAM_BLOCK × d, row-major), its d × d scatter and its mean (d), at mScratch + c·mStride. */
  mScratch: number;
  mStride: number;
}

/** A Float64Array on a SharedArrayBuffer (readable by the pool's helper threads). */
export function sharedF64(len: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * len));
}

/** Whether every array is on a SharedArrayBuffer (the pool can only share those). */
export function allShared(...arrays: (ArrayBufferView | null)[]): boolean {
  return arrays.every((a) => a === null || a.buffer instanceof SharedArrayBuffer);
}

/**
 * Buffers of a fit of n items. With an arena, W and the WebAssembly scratch are allocated in it
 * (then the kernels run as WebAssembly whenever x and θ are in the arena too); if the arena
 * cannot grow that far, the workspace falls back to the JavaScript kernels.
 */
export function fullWorkspace(n: number, d: number, k: number, arena?: WasmArena | null): FullWorkspace {
  let wasm: WorkspaceWasm | null = null;
  let whiten: Float64Array | null = null;
  if (arena) {
    const eStride = wasmEScratchBytes(d), mStride = 8 * (GRAM_BLOCK * d + d * d + d);
    whiten = arena.f64(k * d * d);
    const eScratch = whiten && arena.bytes(eStride * Math.max(1, Math.ceil(n / E_CHUNK)));
    const mScratch = eScratch !== null && arena.bytes(mStride * k);
    if (whiten && eScratch !== null && typeof mScratch === 'number') wasm = { ...wasmRef(arena), arena, eScratch, eStride, mScratch, mStride };
    else whiten = null;
  }
  whiten ??= sharedF64(k * d * d);
  return {
    ...rangeScratch(n, d, k, whiten),
    n, d, k,
    constant: sharedF64(k),
    block: new Float64Array(d * GRAM_BLOCK), scatter: new Float64Array(d * d), mu: new Float64Array(d),
    factor: new Float64Array(d * d),
    params: { weights: sharedF64(k), means: sharedF64(k * d), covs: sharedF64(k * d * d) },
    emptied: new Uint8Array(new SharedArrayBuffer(k)),
    itemLL: sharedF64(n),
    wasm,
  };
}

/**
 * Items per chunk of a pooled E-step (each item's results depend on it and θ only, so the chunking
 * never changes a number). 1,024 splits the demo's 10,000 items into 10 chunks, which two threads
 * share 5 : 5 (2,048 gave 5 chunks, shared 3 : 2).
 */
export const E_CHUNK = 1024;

/**
 * E-step at θ: fills logJoint (n × k; pruned entries −∞) and, if `resp` is given, the
 * responsibilities; updates best[i] (each item's most likely component). Returns the mean
 * log-likelihood, or −∞ when θ holds a non-finite number. The work is eStepRange
 * (gmm-full-estep.ts) over chunks of E_CHUNK items, on the pool's threads when `pool` is given
 * and every array is shared; the total is summed here in item order (identical either way).
 */
export function fullEStep(
  x: Float64Array, theta: Float64Array, ws: FullWorkspace, logJoint: Float64Array, resp: Float64Array | null,
  best: Int32Array, gap: number, opts: { pool?: SyncPool | null; relativeTo?: 'best' | 'second' } = {},
): number {
  const { n, d, k, constant, whiten, itemLL } = ws;
  if (!prepareEStep(theta, k, d, constant, whiten)) return -Infinity;
  const w = ws.wasm;
  const wasm: WasmEStep | null = w && w.arena.owns(x, theta, whiten)
    ? { memory: w.memory, id: w.id, x: x.byteOffset, theta: theta.byteOffset, whiten: whiten.byteOffset, scratch: w.eScratch, scratchStride: w.eStride }
    : null;
  const e: EStepRange = { x, theta, constant, n, d, k, logJoint, resp, best, itemLL, gap, relativeTo: opts.relativeTo ?? 'best', wasm };
  const pool = opts.pool;
  if (pool && n > E_CHUNK && allShared(x, theta, logJoint, resp, best)) {
    pool.run('fullE', { ...e, whiten, chunkSize: E_CHUNK }, Math.ceil(n / E_CHUNK));
  } else {
    eStepRange(e, ws, 0, n, 0);
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += itemLL[i];
  return total / n;
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
    choleskyJittered(src, f, d);
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

/**
 * M-step: the maximum-likelihood parameters for responsibilities `resp` (n × k), written to `p`.
 * `reg` is added to every covariance diagonal. A component whose responsibilities sum to < 1e-10
 * gets weight ≈ 0, is left untouched in `p` and is flagged in ws.emptied (it keeps its shape).
 * Components are independent: with a pool (and shared arrays) they are spread over its threads.
 */
export function fullMStep(x: Float64Array, resp: Float64Array, reg: number, ws: FullWorkspace, p: FullParams, pool?: SyncPool | null): void {
  const { n, d, k, emptied } = ws;
  const w = ws.wasm;
  const wasm: WasmMStep | null = w && w.arena.owns(x, resp)
    ? { memory: w.memory, id: w.id, scratch: w.mScratch, stride: w.mStride, x: x.byteOffset, resp: resp.byteOffset }
    : null;
  if (pool && allShared(x, resp, p.weights, p.means, p.covs, emptied)) {
    pool.run('fullM', { x, resp, reg, n, d, k, weights: p.weights, means: p.means, covs: p.covs, emptied, wasm }, k);
    return;
  }
  for (let c = 0; c < k; c++) mStepComponent(x, n, d, k, resp, reg, c, ws, p, emptied, wasm);
}

/**
 * The WebAssembly M-step's operands, when x and the responsibilities are in the workspace's arena:
 * their byte offsets, and where component c's Gram block, scatter and mean are (scratch + c·stride).
 * A component's whole M-step (weighted sum, gathering, Gram update) then runs as WebAssembly.
 */
export interface WasmMStep extends WasmRef { scratch: number; stride: number; x: number; resp: number }

/** Scratch of one M-step component: d × GRAM_BLOCK rows, d × d scatter, d mean. */
export interface MScratch { block: Float64Array; scatter: Float64Array; mu: Float64Array }

export function mScratch(d: number): MScratch {
  return { block: new Float64Array(d * GRAM_BLOCK), scatter: new Float64Array(d * d), mu: new Float64Array(d) };
}

/**
 * Component c's weighted scatter Σ r_i (x_i − μ)(x_i − μ)ᵀ (upper triangle) into s.scatter, over
 * rows with r ≥ MIN_RESP, gathered column-major as √r·(x − μ) in blocks of GRAM_BLOCK rows for
 * linalg.ts accumulateGram (the WebAssembly `mscatter` does the same row-major).
 */
function weightedScatter(x: Float64Array, n: number, d: number, k: number, resp: Float64Array, c: number, mu: Float64Array, s: MScratch): Float64Array {
  const B = GRAM_BLOCK;
  const { block, scatter } = s;
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
  return scatter;
}

/** Component c's weight, mean and covariance (see fullMStep). */
export function mStepComponent(
  x: Float64Array, n: number, d: number, k: number, resp: Float64Array, reg: number, c: number, s: MScratch, p: FullParams, emptied: Uint8Array,
  wasm?: WasmMStep | null,
): void {
  let mu = s.mu, nk: number;
  const kern = wasm ? kernelsFor(wasm) : null;
  const blockAt = wasm ? wasm.scratch + c * wasm.stride : 0, scatterAt = blockAt + 8 * GRAM_BLOCK * d, muAt = scatterAt + 8 * d * d;
  if (wasm && kern) {
    mu = new Float64Array(wasm.memory.buffer, muAt, d);
    nk = kern.wsum(wasm.x, wasm.resp, n, k, c, d, muAt, MIN_RESP);
  } else {
    nk = weightedSum(x, n, d, resp, k, c, mu);
  }
  p.weights[c] = nk / n;
  emptied[c] = nk < 1e-10 ? 1 : 0;
  if (emptied[c]) return;
  for (let a = 0; a < d; a++) mu[a] /= nk;
  p.means.set(mu, c * d);
  let scatter: Float64Array;
  if (wasm && kern) {
    kern.mscatter(wasm.x, wasm.resp, n, k, c, d, muAt, blockAt, GRAM_BLOCK, scatterAt, MIN_RESP);
    scatter = new Float64Array(wasm.memory.buffer, scatterAt, d * d);
  } else {
    scatter = weightedScatter(x, n, d, k, resp, c, mu, s);
  }
  const oc = c * d * d;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = scatter[a * d + b] / nk + (a === b ? reg : 0);
      p.covs[oc + a * d + b] = v;
      p.covs[oc + b * d + a] = v;
    }
  }
}
