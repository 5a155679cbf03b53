/**
 * Gaussian mixture fitting by EM (maximum likelihood), one component per class, with full or
 * spherical covariances. Pure math over Float64Array; the samplers in gmm-full.ts and
 * gmm-spherical.ts wrap it.
 *
 * Estimation: EM rather than the paper's variational Bayes. With the number of components
 * fixed to the number of classes, VB's extra benefit (switching off surplus components) is not
 * used, while EM is simpler, deterministic and faster. Stopping rule: RELATIVE change of the mean
 * log-likelihood per item |Δℓ| ≤ tol·|ℓ| (tol 1e-4; scale-free, unlike scikit-learn's absolute
 * 1e-3), at most maxIter (100) iterations. Spherical EM runs as one fused pass per iteration
 * (gmm-spherical-core.ts).
 *
 * Initialisation: from the model's PREDICTED labels — component c starts at the mean and
 * covariance of the items predicted as c. The model's own partition of the latent space is
 * the best available guess of where its classes sit, it needs no random restarts (k-means++
 * would need several to be reliable) and it makes component c correspond to class c. A class
 * that nothing is predicted as starts at a k-means++-style D²-sampled item (seeded rng) with
 * the global covariance.
 *
 * Regularisation: reg = 1e-6 × (mean per-feature variance) is added to every variance /
 * covariance diagonal (scikit-learn's reg_covar, made scale-free), so dead ReLU units and
 * components with fewer items than dimensions stay positive definite.
 *
 * Speed (full covariance): the E- and M-step kernels are in gmm-full-em.ts / gmm-full-estep.ts
 * (Cholesky factor per component, whitened distances with pruning of components > PRUNE_GAP = 25
 * nats behind, M-step over non-negligible responsibilities only). The final pass that produces the
 * likelihood ratios prunes only what cannot change them in double precision (FINAL_GAP). Both
 * steps and the spherical fused pass run over fixed chunks on the worker pool's threads
 * (gmm-pool-kernels.ts): the same fit, bit for bit, with or without helpers.
 * EM is NOT accelerated: SQUAREM was measured twice and rejected (README: on the demo latent EM's
 * 37 iterations are components collapsing onto degenerate directions one after another, which
 * extrapolation does not shortcut; it took as many E-steps and stopped at a lower ℓ).
 */
import type { Rng } from '../core/rng.ts';
import { fitSpherical } from './gmm-spherical-core.ts';
import { allShared, fullEStep, fullLayout, fullMStep, fullWorkspace, MIN_RESP, packTheta, sharedF64, unpackTheta, weightedSum } from './gmm-full-em.ts';
import { gmmPool } from './gmm-pool-kernels.ts';
import type { SyncPool } from '../system/worker-pool.ts';
import { columnMeans, covariance, logSumExp } from './linalg.ts';
import { seedEmptyComponent } from './gmm-seed.ts';
import { threadArena, type WasmArena } from './gmm-wasm.ts';

export type CovarianceType = 'full' | 'spherical';

export interface GmmOptions {
  tol?: number;
  maxIter?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Called between iterations; throws to cancel. */
  checkAbort?: () => void;
  /** Spread the E- and M-steps over this pool's threads (gmm-pool-kernels.ts); null: this thread only. Default: gmmPool(). */
  pool?: SyncPool | null;
  /** false: the JavaScript kernels even where WebAssembly SIMD is available (same results; tests and benchmarks compare). */
  wasm?: boolean;
}

export interface GmmFit {
  k: number;
  d: number;
  weights: Float64Array;
  means: Float64Array; // k × d
  /** full: k × d × d covariances; spherical: k variances. */
  covariances: Float64Array;
  /** n × k log p(x_i, z = c) = log π_c + log N(x_i | μ_c, Σ_c). */
  logJoint: Float64Array;
  /** Mean log-likelihood per item at the final parameters. */
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  /** Set when the mixture was fitted on a subsample of this many rows and the rest only scored. */
  fittedOn?: number;
}

/**
 * During EM a component is pruned for an item once it is certain to be > 25 nats behind the best:
 * its responsibility would be < e⁻²⁵ ≈ 1.4e-11, below MIN_RESP = 1e-10, so the M-step would skip it
 * anyway (the other responsibilities change by < 1e-10 relative). 25 instead of 50 saves ~18 % of
 * the E-step on the demo latent. The final pass is exact.
 */
const PRUNE_GAP = 25;
/**
 * The final pass abandons a component once it is certain to be > 50 nats below the item's SECOND
 * best (gmm-full-estep.ts): it then changes log Σ_{z≠best} p(x, z) and log p(x) by < k·e⁻⁵⁰ ≈ 2e-21
 * relative — nothing in double precision — so the likelihood ratios equal the unpruned pass's.
 * Such entries of logJoint are −∞.
 */
export const FINAL_GAP = 50;

/**
 * Below this many multiply-adds per pass (n·d² full, n·d·k spherical) a fit stays on its own thread
 * by default: small fits (tests, tiny projects) finish before a helper thread would have loaded.
 */
const POOL_MIN_WORK = 5e6;

/** A Float64 copy of x on a SharedArrayBuffer: in the arena when there is room, so the WebAssembly kernels can read it. */
function sharedCopy(x: Float32Array | Float64Array, arena: WasmArena | null): Float64Array {
  const out = arena?.f64(x.length, false) ?? sharedF64(x.length);
  out.set(x);
  return out;
}

/** A zeroed shared Float64Array, in the arena when there is room. */
function arenaF64(len: number, arena: WasmArena | null): Float64Array {
  return arena?.f64(len) ?? sharedF64(len);
}

/**
 * Fits the mixture to the n × d rows of x. x may be Float32 (the latent as stored): the spherical
 * fit reads it only to build its own centred Float64 copy, so no extra 7 MB copy is made for it;
 * the full fit works on a Float64 copy.
 */
export function fitGmm(
  xIn: Float32Array | Float64Array, n: number, d: number, k: number, init: Int32Array, type: CovarianceType, rng: Rng, opts: GmmOptions = {},
): GmmFit {
  const pool = opts.pool !== undefined ? opts.pool : (type === 'full' ? n * d * d : n * d * k) >= POOL_MIN_WORK ? gmmPool() : null;
  if (type === 'full') {
    // The full fit's latent copy, θ and workspace live in this thread's WebAssembly arena (gmm-wasm.ts)
    // while it runs; everything it returns is outside it.
    const arena = opts.wasm === false ? null : threadArena();
    const mark = arena?.mark() ?? 0;
    try {
      return fitFull(xIn, n, d, k, init, rng, opts, pool, arena);
    } finally {
      arena?.release(mark);
    }
  }
  const tol = opts.tol ?? 1e-4;
  const maxIter = opts.maxIter ?? 100;
  const r = fitSpherical(xIn, n, d, k, init, rng, {
    tol, maxIter, pool, arena: opts.wasm === false ? null : threadArena(), onIteration: (it) => { opts.onProgress?.(it, maxIter); opts.checkAbort?.(); },
  });
  const { variances, ...rest } = r;
  return { k, d, covariances: variances, ...rest };
}

/** The full-covariance EM of fitGmm; x64, θ and the workspace in `arena` when given. */
function fitFull(
  xIn: Float32Array | Float64Array, n: number, d: number, k: number, init: Int32Array, rng: Rng, opts: GmmOptions, pool: SyncPool | null, arena: WasmArena | null,
): GmmFit {
  const tol = opts.tol ?? 1e-4;
  const maxIter = opts.maxIter ?? 100;
  // A Float64 copy on a SharedArrayBuffer (the pool's helpers read it; the arena's when possible).
  const x64 = allShared(xIn) && xIn instanceof Float64Array && (!arena || arena.owns(xIn)) ? xIn : sharedCopy(xIn, arena);
  const globalMean = columnMeans(x64, n, d);
  const globalCov = covariance(x64, n, d, globalMean);
  let meanVar = 0;
  for (let a = 0; a < d; a++) meanVar += globalCov[a * d + a];
  meanVar /= d;
  const reg = 1e-6 * meanVar + 1e-12;

  // Full covariance: parameters as one vector θ (log-weights, means, Cholesky factors; gmm-full-em.ts).
  const lay = fullLayout(k, d);
  const ws = fullWorkspace(n, d, k, arena);
  const start = ws.params;
  initialise(x64, n, d, k, init, rng, globalCov, reg, start.weights, start.means, start.covs,
    arenaF64(n * k, arena), (resp) => fullMStep(x64, resp, reg, ws, start, pool));
  const theta = arenaF64(lay.length, arena);
  packTheta(start, k, d, theta, ws);
  const logJoint = sharedF64(n * k);
  const resp = arenaF64(n * k, arena);
  const best = new Int32Array(new SharedArrayBuffer(4 * n));
  best.set(init);
  let iterations = 0, converged = false, prev = -Infinity;
  const next = new Float64Array(lay.length);
  for (;;) {
    opts.checkAbort?.();
    const l = fullEStep(x64, theta, ws, logJoint, resp, best, PRUNE_GAP, { pool });
    iterations++;
    opts.onProgress?.(iterations, maxIter);
    if (Math.abs(l - prev) <= tol * Math.abs(l)) { converged = true; break; }
    if (iterations >= maxIter) break;
    prev = l;
    fullMStep(x64, resp, reg, ws, ws.params, pool);
    packTheta(ws.params, k, d, next, ws, ws.emptied, theta);
    theta.set(next);
  }
  // Log-joints at the final parameters, exact to rounding for the likelihood ratios (FINAL_GAP).
  const ll = fullEStep(x64, theta, ws, logJoint, null, best, FINAL_GAP, { pool, relativeTo: 'second' });
  const fit = unpackTheta(theta, k, d);
  return { k, d, weights: fit.weights, means: fit.means, covariances: fit.covs, logJoint, logLikelihood: ll, iterations, converged };
}

/**
 * Parameters from the hard assignment `init` (one M-step over the 0/1 responsibilities written into
 * `resp`, n × k and zeroed, via `mStep`), then components with fewer than two items are re-seeded.
 */
function initialise(
  x: Float64Array, n: number, d: number, k: number, init: Int32Array, rng: Rng,
  globalCov: Float64Array, reg: number, weights: Float64Array, means: Float64Array, covs: Float64Array,
  resp: Float64Array, mStep: (resp: Float64Array) => void,
): void {
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[init[i]]++;
  for (let i = 0; i < n; i++) resp[i * k + init[i]] = 1;
  mStep(resp);
  for (let c = 0; c < k; c++) {
    if (counts[c] >= 2) continue;
    if (counts[c] === 0) {
      seedEmptyComponent(x, n, d, k, counts, means, c, rng);
      weights[c] = 1 / n;
    }
    const o = c * d * d;
    for (let t = 0; t < d * d; t++) covs[o + t] = globalCov[t];
    for (let a = 0; a < d; a++) covs[o + a * d + a] += reg;
  }
}

/**
 * Each item's most likely component and its log likelihood ratio
 * log P(c|x) − log P(¬c|x) = logJoint_c − logsumexp_{z≠c} logJoint_z.
 */
export function groupsAndRatios(fit: GmmFit, n: number): { group: Int32Array; logRatio: Float64Array } {
  const { k, logJoint } = fit;
  const group = new Int32Array(n);
  const logRatio = new Float64Array(n);
  const rest = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let arg = 0;
    for (let c = 1; c < k; c++) if (logJoint[o + c] > logJoint[o + arg]) arg = c;
    let m = 0;
    for (let c = 0; c < k; c++) if (c !== arg) rest[m++] = logJoint[o + c];
    group[i] = arg;
    logRatio[i] = logJoint[o + arg] - logSumExp(rest, 0, m);
  }
  return { group, logRatio };
}

/** Rows scored per chunk by scoreGmm (a Float64 copy of one chunk at a time, not of the whole latent). */
const SCORE_CHUNK = 65_536;

/**
 * The log-joints log π_c + log N(x_i | μ_c, Σ_c) of every row of x (n × d) under a fitted
 * mixture — the fit's own final pass, for rows it was not fitted on (the sampler's large-N mode).
 * Full covariance: exact to rounding for the likelihood ratios (FINAL_GAP; entries far below an
 * item's second best are −∞), each row scored first under `guess[i]` (e.g. its predicted class:
 * the better the guess, the sooner the other components are abandoned), over the pool's threads.
 */
export function scoreGmm(
  fit: GmmFit, type: CovarianceType, x: Float32Array | Float64Array, n: number, d: number, checkAbort?: () => void,
  opts: { guess?: Int32Array; pool?: SyncPool | null } = {},
): Float64Array {
  const k = fit.k;
  const out = type === 'full' ? sharedF64(n * k) : new Float64Array(n * k);
  if (type === 'spherical') {
    const constant = new Float64Array(k);
    for (let c = 0; c < k; c++) constant[c] = Math.log(Math.max(fit.weights[c], 1e-300)) - 0.5 * d * (Math.log(2 * Math.PI) + Math.log(fit.covariances[c]));
    for (let i = 0; i < n; i++) {
      if ((i & 0xffff) === 0) checkAbort?.();
      const o = i * d;
      for (let c = 0; c < k; c++) {
        const m = c * d;
        let s = 0;
        for (let a = 0; a < d; a++) { const t = x[o + a] - fit.means[m + a]; s += t * t; }
        out[i * k + c] = constant[c] - s / (2 * fit.covariances[c]);
      }
    }
    return out;
  }
  const pool = opts.pool !== undefined ? opts.pool : n * d * d >= POOL_MIN_WORK ? gmmPool() : null;
  const arena = threadArena();
  const mark = arena?.mark() ?? 0;
  try {
    scoreFull(fit, x, n, d, out, checkAbort, opts.guess, pool, arena);
  } finally {
    arena?.release(mark);
  }
  return out;
}

/** scoreGmm's full-covariance pass, θ, the chunk's rows and the workspace in `arena` when given. */
function scoreFull(
  fit: GmmFit, x: Float32Array | Float64Array, n: number, d: number, out: Float64Array, checkAbort: (() => void) | undefined,
  guess: Int32Array | undefined, pool: SyncPool | null, arena: WasmArena | null,
): void {
  const k = fit.k;
  const lay = fullLayout(k, d);
  const theta = arenaF64(lay.length, arena);
  const chunk = Math.min(n, SCORE_CHUNK);
  const ws = fullWorkspace(chunk, d, k, arena);
  packTheta({ weights: fit.weights, means: fit.means, covs: fit.covariances }, k, d, theta, ws);
  const xsAll = arenaF64(chunk * d, arena);
  const bestAll = new Int32Array(new SharedArrayBuffer(4 * chunk));
  for (let start = 0; start < n; start += chunk) {
    checkAbort?.();
    const m = Math.min(chunk, n - start);
    const part = m === chunk ? ws : fullWorkspace(m, d, k, arena);
    const xs = xsAll.subarray(0, m * d), best = bestAll.subarray(0, m);
    xs.set(x.subarray(start * d, (start + m) * d));
    if (guess) best.set(guess.subarray(start, start + m)); else best.fill(0);
    fullEStep(xs, theta, part, out.subarray(start * k, (start + m) * k), null, best, FINAL_GAP, { pool, relativeTo: 'second' });
  }
}

/** Mean log-likelihood per row from log-joints (n × k). */
export function meanLogLikelihood(logJoint: Float64Array, n: number, k: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += logSumExp(logJoint, i * k, i * k + k);
  return total / n;
}
