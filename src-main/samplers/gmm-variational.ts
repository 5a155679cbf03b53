/**
 * Variational Bayesian Gaussian mixture with full covariances — the paper's estimator (§IV-B:
 * "we utilize variational estimation for the GMM [6]"), Bishop, PRML §10.2, as scikit-learn's
 * BayesianGaussianMixture(covariance_type='full', weight_concentration_prior_type=
 * 'dirichlet_distribution') computes it.
 *
 * Model: π ~ Dir(α₀), Λ_c ~ Wishart(W₀, ν₀), μ_c | Λ_c ~ N(m₀, (β₀Λ_c)⁻¹), x | z = c ~ N(μ_c, Λ_c⁻¹).
 * Priors (scikit-learn's defaults): α₀ = 1/k, β₀ = 1, m₀ = the data mean, ν₀ = d,
 * W₀⁻¹ = the data covariance (n − 1 denominator).
 *
 * Coordinate ascent on the factorised posterior q(z)·q(π)·Π_c q(μ_c, Λ_c):
 *   M-step (statistics N_c, x̄_c, S_c of the responsibilities, S_c + reg·I):
 *     α_c = α₀ + N_c,  β_c = β₀ + N_c,  m_c = (β₀m₀ + N_c x̄_c)/β_c,  ν_c = ν₀ + N_c,
 *     W_c⁻¹ = W₀⁻¹ + N_c S_c + (β₀N_c/β_c)(x̄_c − m₀)(x̄_c − m₀)ᵀ.
 *     We keep C_c = W_c⁻¹/ν_c (scikit-learn's covariances_, the posterior's expected covariance).
 *   E-step: log ρ_ic = E[log π_c] + ½E[log |Λ_c|] − ½d log 2π − ½(d/β_c + ν_c (x − m_c)ᵀW_c(x − m_c)),
 *     E[log π_c] = ψ(α_c) − ψ(Σα), E[log |Λ_c|] = d log 2 + log |W_c| + Σ_{i<d} ψ((ν_c − i)/2).
 *     That is log N(x | m_c, C_c) + a per-component constant, so the E-step reuses the EM's fast
 *     full-covariance kernel (gmm-full-em.ts) with the constant in the log-weight slot.
 *   Stopping: |Δ lower bound| < tol (scikit-learn: absolute 1e-3 on the total bound), at most
 *     maxIter (100) iterations; then one exact E-step gives the log ρ the sampler ranks by.
 *
 * Differences from scikit-learn, on purpose: initialisation from the model's PREDICTED labels (as
 * the EM estimator; scikit-learn runs k-means) — a class nothing is predicted as starts empty and
 * keeps the prior's parameters, which is how the variational fit switches components off;
 * reg_covar scale-free (1e-6 × the mean feature variance) unless given. With the same start and
 * reg they agree (gmm-variational.test.ts against scripts/python/vbgmm_reference.py).
 */
import { allShared, fullEStep, fullLayout, fullMStep, fullWorkspace, packTheta, sharedF64 } from './gmm-full-em.ts';
import { gmmPool } from './gmm-pool-kernels.ts';
import type { SyncPool } from '../system/worker-pool.ts';
import type { GmmFit } from './gmm-core.ts';
import { choleskyJittered, columnMeans, covariance } from './linalg.ts';
import { digamma, logGamma } from './special-functions.ts';

const LOG_2 = Math.log(2);
/** As in the EM: a component more than 25 nats behind for an item gets responsibility < 1.4e-11, skipped. */
const PRUNE_GAP = 25;

export interface VariationalPrior {
  /** α₀ of the Dirichlet over the weights; default 1/k. */
  weightConcentration: number;
  /** β₀; default 1. */
  meanPrecision: number;
  /** m₀ (d); default the data mean. */
  mean: Float64Array;
  /** ν₀ (> d − 1); default d. */
  degreesOfFreedom: number;
  /** W₀⁻¹ (d × d); default the data covariance with the n − 1 denominator. */
  covariance: Float64Array;
}

/** The factorised posterior's parameters. */
export interface VariationalPosterior {
  k: number;
  d: number;
  /** α_c (k). */
  weightConcentration: Float64Array;
  /** β_c (k). */
  meanPrecision: Float64Array;
  /** m_c (k × d). */
  means: Float64Array;
  /** ν_c (k). */
  degreesOfFreedom: Float64Array;
  /** C_c = W_c⁻¹/ν_c (k × d × d). */
  covariances: Float64Array;
}

export interface VariationalOptions {
  prior?: Partial<VariationalPrior>;
  /** Added to each S_c's diagonal; default 1e-6 × the mean feature variance. */
  regCovar?: number;
  /** Absolute change of the lower bound that stops the iterations; default 1e-3 (scikit-learn's). */
  tol?: number;
  /** Default 100 (scikit-learn's). */
  maxIter?: number;
  /** E-step pruning during the iterations (nats); default 25, Infinity = exact. The final pass is exact. */
  pruneGap?: number;
  onProgress?: (done: number, total: number) => void;
  /** Called between iterations; throws to cancel. */
  checkAbort?: () => void;
  /** Spread the E- and M-steps over this pool's threads (as the EM does); null: this thread only. Default: gmmPool(). */
  pool?: SyncPool | null;
}

export interface VariationalFit extends GmmFit {
  posterior: VariationalPosterior;
  /** The evidence lower bound (total over the items, scikit-learn's lower_bound_ up to its constant terms). */
  lowerBound: number;
  /** Components whose expected weight α_c / Σα exceeds a tenth of an equal share, 1 / (10 k). */
  effectiveComponents: number;
}

/** scikit-learn's default priors for the n × d rows of x. */
export function defaultPrior(x: Float64Array, n: number, d: number, k: number): VariationalPrior {
  const mean = columnMeans(x, n, d);
  const cov = covariance(x, n, d, mean);
  const scale = n > 1 ? n / (n - 1) : 1;
  for (let t = 0; t < d * d; t++) cov[t] *= scale;
  return { weightConcentration: 1 / k, meanPrecision: 1, mean, degreesOfFreedom: d, covariance: cov };
}

/**
 * The M-step's closed-form update from the responsibility statistics: counts N_c (k), means
 * x̄_c (k × d) and covariances S_c (k × d × d, reg included). A component with N_c < 1e-10 gets
 * the prior's parameters (its x̄_c, S_c are not read).
 */
export function posteriorFromStats(
  prior: VariationalPrior, k: number, d: number, counts: Float64Array, xbar: Float64Array, scatter: Float64Array,
): VariationalPosterior {
  const post: VariationalPosterior = {
    k, d,
    weightConcentration: new Float64Array(k), meanPrecision: new Float64Array(k), means: new Float64Array(k * d),
    degreesOfFreedom: new Float64Array(k), covariances: new Float64Array(k * d * d),
  };
  const diff = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    const empty = !(counts[c] >= 1e-10);
    const nk = empty ? 0 : counts[c];
    const beta = prior.meanPrecision + nk;
    const nu = prior.degreesOfFreedom + nk;
    post.weightConcentration[c] = prior.weightConcentration + nk;
    post.meanPrecision[c] = beta;
    post.degreesOfFreedom[c] = nu;
    for (let a = 0; a < d; a++) {
      const xa = empty ? prior.mean[a] : xbar[c * d + a];
      diff[a] = xa - prior.mean[a];
      post.means[c * d + a] = (prior.meanPrecision * prior.mean[a] + nk * xa) / beta;
    }
    const shrink = nk * prior.meanPrecision / beta;
    const oc = c * d * d;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        const s = empty ? 0 : scatter[oc + a * d + b];
        post.covariances[oc + a * d + b] = (prior.covariance[a * d + b] + nk * s + shrink * diff[a] * diff[b]) / nu;
      }
    }
  }
  return post;
}

/** The per-component constant log ρ_ic − log N(x_i | m_c, C_c) = E[log π_c] + ½(E[log|Λ_c|] − log|ν_c W_c|) − ½d/β_c. */
export function logRhoOffsets(post: VariationalPosterior): Float64Array {
  const { k, d } = post;
  let alphaSum = 0;
  for (let c = 0; c < k; c++) alphaSum += post.weightConcentration[c];
  const psiSum = digamma(alphaSum);
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const nu = post.degreesOfFreedom[c];
    let logLambda = d * LOG_2;
    for (let i = 0; i < d; i++) logLambda += digamma(0.5 * (nu - i));
    // log N(x | m, C) already holds ½ log|C⁻¹| = ½(d log ν + log|W|); E[log|Λ|] − log|νW| = logLambda − d log ν.
    out[c] = digamma(post.weightConcentration[c]) - psiSum - 0.5 * d * Math.log(nu) + 0.5 * (logLambda - d / post.meanPrecision[c]);
  }
  return out;
}

/** log |C_c| of each component (k), from a Cholesky factor (with jitter if C_c is numerically indefinite). */
function logDets(post: VariationalPosterior): Float64Array {
  const { k, d } = post;
  const f = new Float64Array(d * d);
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const src = post.covariances.subarray(c * d * d, (c + 1) * d * d);
    choleskyJittered(src, f, d);
    let s = 0;
    for (let a = 0; a < d; a++) s += 2 * Math.log(f[a * d + a]);
    out[c] = s;
  }
  return out;
}

/**
 * The lower bound as scikit-learn computes it (up to terms constant in the parameters):
 * −Σ r log r − Σ_c log B(W_c, ν_c) − log C(α) − ½d Σ_c log β_c.
 */
export function lowerBound(post: VariationalPosterior, resp: Float64Array, n: number): number {
  const { k, d } = post;
  let entropy = 0;
  for (let t = 0; t < n * k; t++) { const r = resp[t]; if (r > 0) entropy -= r * Math.log(r); }
  const ld = logDets(post);
  let logWishart = 0, alphaSum = 0, logGammaAlpha = 0, logBeta = 0;
  for (let c = 0; c < k; c++) {
    const nu = post.degreesOfFreedom[c];
    // log-det of the precision's Cholesky factor of (νW)… minus ½d log ν = ½ log |W_c|.
    const ldPrecChol = -0.5 * ld[c] - 0.5 * d * Math.log(nu);
    let g = 0;
    for (let i = 0; i < d; i++) g += logGamma(0.5 * (nu - i));
    logWishart += -(nu * ldPrecChol + nu * d * 0.5 * LOG_2 + g);
    alphaSum += post.weightConcentration[c];
    logGammaAlpha += logGamma(post.weightConcentration[c]);
    logBeta += Math.log(post.meanPrecision[c]);
  }
  const logNormWeight = logGamma(alphaSum) - logGammaAlpha;
  return entropy - logWishart - logNormWeight - 0.5 * d * logBeta;
}

/**
 * Fits the variational mixture to the n × d rows of x, k components, starting from the hard
 * assignment `init` (labels in [0, k)).
 */
export function fitVariationalGmm(
  xIn: Float32Array | Float64Array, n: number, d: number, k: number, init: Int32Array, opts: VariationalOptions = {},
): VariationalFit {
  const pool = opts.pool === undefined ? gmmPool() : opts.pool;
  // A Float64 copy on a SharedArrayBuffer, which the pool's helpers read (as fitGmm does).
  const x = xIn instanceof Float64Array && allShared(xIn) ? xIn : (() => { const c = sharedF64(xIn.length); c.set(xIn); return c; })();
  const base = defaultPrior(x, n, d, k);
  const prior: VariationalPrior = { ...base, ...opts.prior };
  let meanVar = 0;
  for (let a = 0; a < d; a++) meanVar += base.covariance[a * d + a];
  meanVar /= d;
  const reg = opts.regCovar ?? 1e-6 * meanVar + 1e-12;
  const tol = opts.tol ?? 1e-3;
  const maxIter = opts.maxIter ?? 100;
  const gap = opts.pruneGap ?? PRUNE_GAP;

  const lay = fullLayout(k, d);
  const ws = fullWorkspace(n, d, k);
  const resp = sharedF64(n * k);
  for (let i = 0; i < n; i++) resp[i * k + init[i]] = 1;
  const counts = new Float64Array(k);
  const mStep = (): VariationalPosterior => {
    fullMStep(x, resp, reg, ws, ws.params, pool);
    for (let c = 0; c < k; c++) counts[c] = ws.emptied[c] ? 0 : ws.params.weights[c] * n;
    return posteriorFromStats(prior, k, d, counts, ws.params.means, ws.params.covs);
  };
  const theta = sharedF64(lay.length);
  const toTheta = (post: VariationalPosterior): void => {
    packTheta({ weights: ws.params.weights, means: post.means, covs: post.covariances }, k, d, theta, ws);
    theta.set(logRhoOffsets(post), 0);
  };

  let post = mStep();
  const logJoint = sharedF64(n * k);
  const best = new Int32Array(new SharedArrayBuffer(4 * n));
  best.set(init);
  let bound = -Infinity, iterations = 0, converged = false;
  while (iterations < maxIter) {
    opts.checkAbort?.();
    toTheta(post);
    fullEStep(x, theta, ws, logJoint, resp, best, gap, { pool });
    post = mStep();
    const prev = bound;
    bound = lowerBound(post, resp, n);
    iterations++;
    opts.onProgress?.(iterations, maxIter);
    if (Math.abs(bound - prev) < tol) { converged = true; break; }
  }
  // Exact log ρ at the final posterior (no pruning); fullEStep normalises the offsets like
  // log-weights, which shifts every log ρ by one constant (ratios and responsibilities unchanged).
  toTheta(post);
  const meanLogNorm = fullEStep(x, theta, ws, logJoint, null, best, Infinity, { pool });
  let top = -Infinity;
  for (let c = 0; c < k; c++) top = Math.max(top, theta[c]);
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(theta[c] - top);
  const weights = new Float64Array(k);
  for (let c = 0; c < k; c++) weights[c] = Math.exp(theta[c] - top) / sum;
  let alphaSum = 0, effective = 0;
  for (let c = 0; c < k; c++) alphaSum += post.weightConcentration[c];
  for (let c = 0; c < k; c++) if (post.weightConcentration[c] / alphaSum > 1 / (10 * k)) effective++;
  return {
    k, d, weights, means: post.means, covariances: post.covariances, logJoint,
    logLikelihood: meanLogNorm + top + Math.log(sum), iterations, converged,
    posterior: post, lowerBound: bound, effectiveComponents: effective,
  };
}
