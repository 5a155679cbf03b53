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
 * Speed (full covariance): the E- and M-step kernels are in gmm-full-em.ts (Cholesky factor per
 * component, whitened distances with pruning of components > PRUNE_GAP = 25 nats
 * behind, M-step over non-negligible responsibilities only). The final pass that produces the
 * likelihood ratios is exact (no pruning). EM is NOT accelerated (SQUAREM was measured and
 * rejected: on the demo latent it lands on a different local maximum; see README).
 */
import type { Rng } from '../core/rng.ts';
import { emSpherical } from './gmm-spherical-core.ts';
import { fullEStep, fullLayout, fullMStep, fullWorkspace, MIN_RESP, packTheta, unpackTheta, weightedSum } from './gmm-full-em.ts';
import { columnMeans, covariance, logSumExp } from './linalg.ts';

export type CovarianceType = 'full' | 'spherical';

export interface GmmOptions {
  tol?: number;
  maxIter?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Called between iterations; throws to cancel. */
  checkAbort?: () => void;
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
 * Fits the mixture to the n × d rows of x. x may be Float32 (the latent as stored): the spherical
 * fit reads it only to build its own centred Float64 copy, so no extra 7 MB copy is made for it;
 * the full fit works on a Float64 copy.
 */
export function fitGmm(
  xIn: Float32Array | Float64Array, n: number, d: number, k: number, init: Int32Array, type: CovarianceType, rng: Rng, opts: GmmOptions = {},
): GmmFit {
  const x64 = type === 'full' ? (xIn instanceof Float64Array ? xIn : new Float64Array(xIn)) : null;
  const x = x64 ?? xIn;
  const tol = opts.tol ?? 1e-4;
  const maxIter = opts.maxIter ?? 100;
  const globalMean = columnMeans(x, n, d);
  // The full global covariance is only needed to seed full-covariance components.
  const globalCov = x64 ? covariance(x64, n, d, globalMean) : diagonalCovariance(x, n, d, globalMean);
  let meanVar = 0;
  for (let a = 0; a < d; a++) meanVar += globalCov[a * d + a];
  meanVar /= d;
  const reg = 1e-6 * meanVar + 1e-12;

  if (!x64) {
    const weights = new Float64Array(k), means = new Float64Array(k * d), covs = new Float64Array(k);
    initialise(x, n, d, k, init, type, rng, globalCov, reg, weights, means, covs,
      (resp) => sphericalMStep(x, n, d, k, resp, reg, weights, means, covs));
    const r = emSpherical(x, n, d, k, { weights, means, variances: covs }, reg, {
      tol, maxIter, onIteration: (it) => { opts.onProgress?.(it, maxIter); opts.checkAbort?.(); },
    });
    return { k, d, weights, means, covariances: covs, ...r };
  }

  // Full covariance: parameters as one vector θ (log-weights, means, Cholesky factors; gmm-full-em.ts).
  const lay = fullLayout(k, d);
  const ws = fullWorkspace(n, d, k);
  const start = ws.params;
  initialise(x64, n, d, k, init, type, rng, globalCov, reg, start.weights, start.means, start.covs,
    (resp) => fullMStep(x64, resp, reg, ws, start));
  const theta = new Float64Array(lay.length);
  packTheta(start, k, d, theta, ws);
  const logJoint = new Float64Array(n * k);
  const resp = new Float64Array(n * k);
  const best = Int32Array.from(init);
  let iterations = 0, converged = false, prev = -Infinity;
  const next = new Float64Array(lay.length);
  for (;;) {
    opts.checkAbort?.();
    const l = fullEStep(x64, theta, ws, logJoint, resp, best, PRUNE_GAP);
    iterations++;
    opts.onProgress?.(iterations, maxIter);
    if (Math.abs(l - prev) <= tol * Math.abs(l)) { converged = true; break; }
    if (iterations >= maxIter) break;
    prev = l;
    fullMStep(x64, resp, reg, ws, ws.params);
    packTheta(ws.params, k, d, next, ws, ws.emptied, theta);
    theta.set(next);
  }
  // Exact log-joints (no pruning) at the final parameters, for the likelihood ratios.
  const ll = fullEStep(x64, theta, ws, logJoint, null, best, Infinity);
  const fit = unpackTheta(theta, k, d);
  return { k, d, weights: fit.weights, means: fit.means, covariances: fit.covs, logJoint, logLikelihood: ll, iterations, converged };
}

/** A d × d matrix holding only the per-feature variances on its diagonal. */
function diagonalCovariance(x: Float32Array | Float64Array, n: number, d: number, mu: Float64Array): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) { const t = x[i * d + a] - mu[a]; c[a * d + a] += t * t; }
  for (let a = 0; a < d; a++) c[a * d + a] /= n;
  return c;
}

/**
 * Parameters from the hard assignment `init` (one M-step over 0/1 responsibilities via `mStep`),
 * then components with fewer than two items are re-seeded.
 */
function initialise(
  x: Float32Array | Float64Array, n: number, d: number, k: number, init: Int32Array, type: CovarianceType, rng: Rng,
  globalCov: Float64Array, reg: number, weights: Float64Array, means: Float64Array, covs: Float64Array,
  mStep: (resp: Float64Array) => void,
): void {
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[init[i]]++;
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) resp[i * k + init[i]] = 1;
  mStep(resp);
  let globalVar = 0;
  for (let a = 0; a < d; a++) globalVar += globalCov[a * d + a];
  globalVar /= d;
  for (let c = 0; c < k; c++) {
    if (counts[c] >= 2) continue;
    if (counts[c] === 0) {
      // D² sampling against the means of the populated components (k-means++ step).
      const dmin = new Float64Array(n).fill(Infinity);
      let total = 0;
      for (let i = 0; i < n; i++) {
        for (let e = 0; e < k; e++) {
          if (counts[e] === 0) continue;
          let s = 0;
          for (let a = 0; a < d; a++) { const t = x[i * d + a] - means[e * d + a]; s += t * t; }
          if (s < dmin[i]) dmin[i] = s;
        }
        total += dmin[i];
      }
      let u = rng.next() * total, pick = n - 1;
      for (let i = 0; i < n; i++) { u -= dmin[i]; if (u < 0) { pick = i; break; } }
      means.set(x.subarray(pick * d, pick * d + d), c * d);
      weights[c] = 1 / n;
    }
    if (type === 'full') {
      const o = c * d * d;
      for (let t = 0; t < d * d; t++) covs[o + t] = globalCov[t];
      for (let a = 0; a < d; a++) covs[o + a * d + a] += reg;
    } else {
      covs[c] = globalVar + reg;
    }
  }
}

/** Spherical M-step (used for the initial parameters; the EM loop is gmm-spherical-core.ts). */
function sphericalMStep(
  x: Float32Array | Float64Array, n: number, d: number, k: number, resp: Float64Array, reg: number,
  weights: Float64Array, means: Float64Array, variances: Float64Array,
): void {
  for (let c = 0; c < k; c++) {
    const mu = new Float64Array(d);
    const nk = weightedSum(x, n, d, resp, k, c, mu);
    weights[c] = nk / n;
    if (nk < 1e-10) continue; // an emptied component keeps its previous shape with weight ≈ 0
    for (let a = 0; a < d; a++) mu[a] /= nk;
    means.set(mu, c * d);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + c];
      if (r < MIN_RESP) continue;
      const o = i * d;
      let d2 = 0;
      for (let a = 0; a < d; a++) { const t = x[o + a] - mu[a]; d2 += t * t; }
      s += r * d2;
    }
    variances[c] = s / (nk * d) + reg;
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
 * The exact log-joints log π_c + log N(x_i | μ_c, Σ_c) of every row of x (n × d) under a fitted
 * mixture — the fit's own final pass, for rows it was not fitted on (the sampler's large-N mode).
 */
export function scoreGmm(fit: GmmFit, type: CovarianceType, x: Float32Array | Float64Array, n: number, d: number, checkAbort?: () => void): Float64Array {
  const k = fit.k;
  const out = new Float64Array(n * k);
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
  const lay = fullLayout(k, d);
  const theta = new Float64Array(lay.length);
  const chunk = Math.min(n, SCORE_CHUNK);
  const ws = fullWorkspace(chunk, d, k);
  packTheta({ weights: fit.weights, means: fit.means, covs: fit.covariances }, k, d, theta, ws);
  for (let start = 0; start < n; start += chunk) {
    checkAbort?.();
    const m = Math.min(chunk, n - start);
    const part = m === chunk ? ws : fullWorkspace(m, d, k);
    const xs = Float64Array.from(x.subarray(start * d, (start + m) * d));
    fullEStep(xs, theta, part, out.subarray(start * k, (start + m) * k), null, new Int32Array(m), Infinity);
  }
  return out;
}

/** Mean log-likelihood per row from log-joints (n × k). */
export function meanLogLikelihood(logJoint: Float64Array, n: number, k: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += logSumExp(logJoint, i * k, i * k + k);
  return total / n;
}
