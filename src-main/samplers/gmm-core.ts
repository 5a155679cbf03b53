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
 * Speed (full covariance): log-densities use a Cholesky factor per component and a forward
 * substitution per item. Each item is scored first under the component it belonged to last
 * time; the Mahalanobis partial sum grows monotonically along the substitution, so another
 * component is abandoned once its log-joint is certain to be below the best by more than
 * PRUNE_GAP = 50 nats (posterior < e⁻⁵⁰ ≈ 2e-22, i.e. zero in double precision next to 1).
 * The final pass that produces the likelihood ratios is exact (no pruning). The M-step skips
 * responsibilities below 1e-10, so each item feeds essentially only its own component's sums.
 */
import type { Rng } from '../core/rng.ts';
import { emSpherical } from './gmm-spherical-core.ts';
import { choleskyInPlace, columnMeans, covariance, accumulateGram, logSumExp } from './linalg.ts';

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
}

const PRUNE_GAP = 50;
/** Responsibilities below this are left out of the M-step sums (their effect is < 1e-10 relative). */
const MIN_RESP = 1e-10;
const LOG_2PI = Math.log(2 * Math.PI);

export function fitGmm(
  x: Float64Array, n: number, d: number, k: number, init: Int32Array, type: CovarianceType, rng: Rng, opts: GmmOptions = {},
): GmmFit {
  const tol = opts.tol ?? 1e-4;
  const maxIter = opts.maxIter ?? 100;
  const globalMean = columnMeans(x, n, d);
  // The full global covariance is only needed to seed full-covariance components.
  const globalCov = type === 'full' ? covariance(x, n, d, globalMean) : diagonalCovariance(x, n, d, globalMean);
  let meanVar = 0;
  for (let a = 0; a < d; a++) meanVar += globalCov[a * d + a];
  meanVar /= d;
  const reg = 1e-6 * meanVar + 1e-12;

  const weights = new Float64Array(k);
  const means = new Float64Array(k * d);
  const covs = new Float64Array(type === 'full' ? k * d * d : k);
  const resp = new Float64Array(n * k);
  initialise(x, n, d, k, init, type, rng, globalCov, reg, weights, means, covs, resp);
  if (type === 'spherical') {
    const r = emSpherical(x, n, d, k, { weights, means, variances: covs }, reg, {
      tol, maxIter, onIteration: (it) => { opts.onProgress?.(it, maxIter); opts.checkAbort?.(); },
    });
    return { k, d, weights, means, covariances: covs, ...r };
  }

  const logJoint = new Float64Array(n * k);
  const best = Int32Array.from(init);
  let prev = -Infinity, ll = -Infinity, iterations = 0, converged = false;
  for (;;) {
    opts.checkAbort?.();
    ll = eStep(x, n, d, k, weights, means, covs, logJoint, best, PRUNE_GAP);
    iterations++;
    opts.onProgress?.(iterations, maxIter);
    if (Math.abs(ll - prev) <= tol * Math.abs(ll)) { converged = true; break; }
    if (iterations >= maxIter) break;
    prev = ll;
    responsibilities(logJoint, n, k, resp);
    mStep(x, n, d, k, type, resp, reg, weights, means, covs);
  }
  // Exact log-joints for the likelihood ratios.
  if (type === 'full') ll = eStep(x, n, d, k, weights, means, covs, logJoint, best, Infinity);
  return { k, d, weights, means, covariances: covs, logJoint, logLikelihood: ll, iterations, converged };
}

/** A d × d matrix holding only the per-feature variances on its diagonal. */
function diagonalCovariance(x: Float64Array, n: number, d: number, mu: Float64Array): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) { const t = x[i * d + a] - mu[a]; c[a * d + a] += t * t; }
  for (let a = 0; a < d; a++) c[a * d + a] /= n;
  return c;
}

function initialise(
  x: Float64Array, n: number, d: number, k: number, init: Int32Array, type: CovarianceType, rng: Rng,
  globalCov: Float64Array, reg: number, weights: Float64Array, means: Float64Array, covs: Float64Array, resp: Float64Array,
): void {
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[init[i]]++;
  for (let i = 0; i < n; i++) resp[i * k + init[i]] = 1;
  mStep(x, n, d, k, type, resp, reg, weights, means, covs);
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

/** Full-covariance E-step: fills logJoint (n × k), returns the mean log-likelihood, updates `best`. */
function eStep(
  x: Float64Array, n: number, d: number, k: number,
  weights: Float64Array, means: Float64Array, covs: Float64Array, logJoint: Float64Array, best: Int32Array, gap: number,
): number {
  const constant = new Float64Array(k);
  let total = 0;
  // Full covariances: Cholesky factors (copies) with reciprocal diagonals.
  const chol = Float64Array.from(covs);
  const inv = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    const o = c * d * d;
    const f = chol.subarray(o, o + d * d);
    let jitter = 0;
    while (!choleskyInPlace(f, d)) {
      // Numerically indefinite: add a little more to the diagonal and retry.
      jitter = jitter === 0 ? 1e-10 * (1 + Math.abs(covs[o])) : jitter * 10;
      for (let t = 0; t < d * d; t++) f[t] = covs[o + t];
      for (let a = 0; a < d; a++) f[a * d + a] += jitter;
    }
    let logDet = 0;
    for (let a = 0; a < d; a++) { const l = f[a * d + a]; inv[c * d + a] = 1 / l; logDet += 2 * Math.log(l); }
    constant[c] = Math.log(weights[c]) - 0.5 * (d * LOG_2PI + logDet);
  }
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    const first = best[i];
    let top = -Infinity;
    for (let step = 0; step < k; step++) {
      const c = step === 0 ? first : step <= first ? step - 1 : step;
      const om = c * d, oc = c * d * d;
      // The item is dropped for c once constant − acc/2 < top − gap.
      const limit = 2 * (constant[c] - top + gap);
      let acc = 0, pruned = false;
      for (let a = 0; a < d; a++) {
        const row = oc + a * d;
        let s = x[o + a] - means[om + a];
        for (let b = 0; b < a; b++) s -= chol[row + b] * z[b];
        const za = s * inv[om + a];
        z[a] = za;
        acc += za * za;
        if (acc > limit) { pruned = true; break; }
      }
      const lj = pruned ? -Infinity : constant[c] - 0.5 * acc;
      logJoint[i * k + c] = lj;
      if (lj > top) top = lj;
    }
    total += finishRow(logJoint, i, k, best);
  }
  return total / n;
}

/** log p(x_i) of row i; records its most likely component in best[i]. */
function finishRow(logJoint: Float64Array, i: number, k: number, best: Int32Array): number {
  const o = i * k;
  let arg = 0;
  for (let c = 1; c < k; c++) if (logJoint[o + c] > logJoint[o + arg]) arg = c;
  best[i] = arg;
  return logSumExp(logJoint, o, o + k);
}

function responsibilities(logJoint: Float64Array, n: number, k: number, resp: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * k;
    const lse = logSumExp(logJoint, o, o + k);
    for (let c = 0; c < k; c++) resp[o + c] = Math.exp(logJoint[o + c] - lse);
  }
}

function mStep(
  x: Float64Array, n: number, d: number, k: number, type: CovarianceType, resp: Float64Array, reg: number,
  weights: Float64Array, means: Float64Array, covs: Float64Array,
): void {
  const B = 512;
  const block = type === 'full' ? new Float64Array(d * B) : new Float64Array(0);
  for (let c = 0; c < k; c++) {
    let nk = 0;
    const mu = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + c];
      if (r < MIN_RESP) continue;
      nk += r;
      const o = i * d;
      for (let a = 0; a < d; a++) mu[a] += r * x[o + a];
    }
    weights[c] = nk / n;
    if (nk < 1e-10) continue; // an emptied component keeps its previous shape with weight ≈ 0
    for (let a = 0; a < d; a++) mu[a] /= nk;
    means.set(mu, c * d);
    if (type === 'spherical') {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const r = resp[i * k + c];
        if (r < MIN_RESP) continue;
        const o = i * d;
        let d2 = 0;
        for (let a = 0; a < d; a++) { const t = x[o + a] - mu[a]; d2 += t * t; }
        s += r * d2;
      }
      covs[c] = s / (nk * d) + reg;
      continue;
    }
    // Weighted scatter: rows √r·(x − μ) gathered column-major in blocks, then a Gram update.
    const cov = new Float64Array(d * d);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + c];
      if (r < MIN_RESP) continue;
      const w = Math.sqrt(r), o = i * d;
      for (let a = 0; a < d; a++) block[a * B + m] = w * (x[o + a] - mu[a]);
      if (++m === B) { accumulateGram(block, B, m, d, cov); m = 0; }
    }
    if (m > 0) accumulateGram(block, B, m, d, cov);
    const oc = c * d * d;
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        const v = cov[a * d + b] / nk + (a === b ? reg : 0);
        covs[oc + a * d + b] = v;
        covs[oc + b * d + a] = v;
      }
    }
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
