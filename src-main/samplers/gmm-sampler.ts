/**
 * Algorithm 1 over a Gaussian mixture: fit one component per class (gmm-core.ts), put each item
 * in its most likely component, rank it by log P(c|x)/P(¬c|x), take a share j of each
 * component's quota from the outlier end and 1 − j from the exemplar end.
 */
import { selectTwoEnds } from './allocate.ts';
import { fitGmm, groupsAndRatios, meanLogLikelihood, scoreGmm } from './gmm-core.ts';
import { fitVariationalGmm, type VariationalFit } from './gmm-variational.ts';
import { countingRng, decodeGmmFit, encodeGmmFit, gmmFitDrawsRandom, gmmFitKey } from './gmm-fit-cache.ts';
import type { GmmFitSettings, GmmRatios } from './gmm-fit-cache.ts';
import type { FitCache } from './fit-cache.ts';
import type { CovarianceType, GmmFit } from './gmm-core.ts';
import { sampleWithoutReplacement, type Rng } from '../core/rng.ts';
import { badInput } from '../shared/errors.ts';
import { makeSampler, targetSize, throwIfAborted } from './sampler.ts';
import type { Sampler, SamplerInput, SamplerMethod } from './types.ts';
import { DEFAULT_J } from './validate.ts';

/**
 * Spherical EM is capped at 12 iterations. Spherical components are misspecified for real
 * latent spaces (elongated classes), so EM keeps creeping for 100+ iterations: on the 10,000 × 84
 * benchmark blobs the mean log-likelihood moves 1.1 % from iteration 12 to 100 while the
 * components drift AWAY from the classes they were initialised on (component c ↔ class c is what
 * Algorithm 1 groups by). A dozen iterations refine the predicted-label start and keep the
 * sampler within its 0.2 s budget. Full covariance converges in ~3 iterations and is not capped.
 */
export const SPHERICAL_MAX_ITER = 12;

/**
 * Above this many items the mixture is FITTED on a seeded uniform subsample of this many rows and
 * then every item is scored under it (one exact pass, scoreGmm): 100,000 rows pin down k means and
 * covariances of 84 (or 512) dimensions as well as a million do, while EM on a million rows costs
 * 10× as much per iteration. Up to this size nothing changes (no rng draw, same samples).
 */
export const GMM_FIT_MAX_ITEMS = 100_000;

/**
 * The fit's row budget for a full-covariance mixture in d dimensions: EM costs ∝ n·d² per
 * iteration, so the 100,000 rows of d = 84 become 100,000·(84/d)² rows (36,000 at d = 128), but
 * never fewer than 10·d rows per component (51,200 at d = 512, k = 10), so each covariance is still
 * estimated from several times d items. Spherical EM costs ∝ n·d·k: it keeps GMM_FIT_MAX_ITEMS.
 * At d ≤ 84 nothing changes.
 */
export function gmmFitMaxItems(type: CovarianceType, d: number, k: number): number {
  if (type === 'spherical' || d <= 84) return GMM_FIT_MAX_ITEMS;
  return Math.min(GMM_FIT_MAX_ITEMS, Math.max(Math.round(GMM_FIT_MAX_ITEMS * (84 / d) ** 2), 10 * d * k));
}

/**
 * How the mixture is estimated (issue 13: the paper uses variational Bayes; Margin's default is
 * maximum-likelihood EM started from the predicted labels, measured better on another model:
 * S1 0.672 against 0.579). 'variational' is gmm-variational.ts, full covariances only.
 */
export type GmmEstimator = 'em-from-labels' | 'variational';

/**
 * The stopping rule and row budget of a fit: EM relative tolerance 1e-4 with at most 100
 * iterations (SPHERICAL_MAX_ITER spherical); variational absolute 1e-3 on the bound, 100
 * iterations (scikit-learn's). Passed to the fits explicitly, so the fit cache's key
 * (gmm-fit-cache.ts) names what the fit ran with.
 */
export function gmmFitSettings(type: CovarianceType, estimator: GmmEstimator, d: number, k: number, fitMaxItems?: number): GmmFitSettings {
  const variational = estimator === 'variational';
  return {
    covariance: type, estimator,
    tol: variational ? 1e-3 : 1e-4,
    maxIter: type === 'spherical' ? SPHERICAL_MAX_ITER : 100,
    fitMaxItems: fitMaxItems ?? gmmFitMaxItems(type, d, k),
  };
}

/**
 * The GMM fit behind the sampler and each item's group and log likelihood ratio — exported so
 * the experiments can fit once and select at many fractions and j without refitting.
 */
export function gmmScores(
  input: SamplerInput, type: CovarianceType, rng: Rng,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; fitMaxItems?: number; estimator?: GmmEstimator } = {},
): { group: Int32Array; logRatio: Float64Array; fit: GmmFit } {
  const { rows: n, cols: d } = input.latent;
  const { tol, maxIter, fitMaxItems: fitMax } = gmmFitSettings(type, opts.estimator ?? 'em-from-labels', d, input.numClasses, opts.fitMaxItems);
  const checkAbort = () => throwIfAborted(opts.signal);
  const variational = opts.estimator === 'variational';
  if (variational && type !== 'full') throw badInput("gmmEstimator 'variational' is implemented for full covariances (gmm-full) only");
  const fitOn = (x: Float32Array, m: number, init: Int32Array): GmmFit => variational
    ? fitVariationalGmm(x, m, d, input.numClasses, init, { tol, maxIter, onProgress: opts.onProgress, checkAbort })
    : fitGmm(x, m, d, input.numClasses, init, type, rng, { tol, maxIter, onProgress: opts.onProgress, checkAbort });
  if (n > fitMax) {
    const rows = sampleWithoutReplacement(n, fitMax, rng).sort();
    const m = rows.length, sub = new Float32Array(m * d), init = new Int32Array(m);
    for (let t = 0; t < m; t++) {
      sub.set(input.latent.data.subarray(rows[t] * d, rows[t] * d + d), t * d);
      init[t] = input.predLabels[rows[t]];
    }
    const sfit = fitOn(sub, m, init);
    const logJoint = scoreGmm(sfit, type, input.latent.data, n, d, checkAbort, { guess: input.predLabels });
    const fit: GmmFit = { ...sfit, logJoint, logLikelihood: meanLogLikelihood(logJoint, n, sfit.k), fittedOn: m };
    return { ...groupsAndRatios(fit, n), fit };
  }
  // Spherical EM makes its own centred Float64 copy; the full fit converts (fitGmm).
  const fit = fitOn(input.latent.data, n, input.predLabels);
  return { ...groupsAndRatios(fit, n), fit };
}

/**
 * gmmScores' groups, ratios and diagnostics, from `cache` when it holds this fit (fitCached: true),
 * else fitted and stored there. `seed` is the one `rng` was made from: it joins the key only when
 * the fit draws from the rng (gmm-fit-cache.ts), so members equal an uncached run's at that seed.
 */
export function gmmFitCached(
  input: SamplerInput, type: CovarianceType, rng: Rng, seed: number,
  opts: { cache?: FitCache; signal?: AbortSignal; onProgress?: (done: number, total: number) => void; estimator?: GmmEstimator } = {},
): GmmRatios & { fitCached: boolean } {
  const settings = gmmFitSettings(type, opts.estimator ?? 'em-from-labels', input.latent.cols, input.numClasses);
  if (opts.estimator === 'variational' && type !== 'full') throw badInput("gmmEstimator 'variational' is implemented for full covariances (gmm-full) only");
  const seedFree = !gmmFitDrawsRandom(input, settings);
  const key = opts.cache ? gmmFitKey(input, settings, seedFree ? null : seed) : '';
  const hit = opts.cache?.get(key);
  const cached = hit ? decodeGmmFit(hit, input.latent.rows) : null;
  if (cached) {
    opts.onProgress?.(1, 1);
    return { ...cached, fitCached: true };
  }
  const counted = countingRng(rng);
  const { group, logRatio, fit } = gmmScores(input, type, counted.rng, { signal: opts.signal, onProgress: opts.onProgress, estimator: settings.estimator });
  const vb = settings.estimator === 'variational' ? fit as VariationalFit : null;
  const r: GmmRatios = {
    group, logRatio, logLikelihood: fit.logLikelihood, iterations: fit.iterations, converged: fit.converged,
    ...(fit.fittedOn !== undefined ? { fittedOn: fit.fittedOn } : {}),
    ...(vb ? { lowerBound: vb.lowerBound, effectiveComponents: vb.effectiveComponents } : {}),
  };
  // A fit predicted seed-free that drew from the rng anyway is not stored under a seed-free key.
  if (opts.cache && (!seedFree || counted.draws() === 0)) opts.cache.set(key, encodeGmmFit(r));
  return { ...r, fitCached: false };
}

export function makeGmmSampler(method: SamplerMethod, label: string, type: CovarianceType): Sampler {
  return makeSampler(method, label, true, true, (input, params, ctx) => {
    const n = input.latent.rows;
    const j = params.j ?? DEFAULT_J;
    const estimator: GmmEstimator = params.gmmEstimator ?? 'em-from-labels';
    const fit = gmmFitCached(input, type, ctx.rng, params.seed, { cache: ctx.fitCache, signal: ctx.signal, onProgress: ctx.onProgress, estimator });
    const sel = selectTwoEnds(fit.group, fit.logRatio, input.numClasses, targetSize(n, params.fraction), j);
    const vb = estimator === 'variational';
    return {
      members: sel.members,
      params: vb
        ? { gmmEstimator: estimator, init: 'predicted-labels', covariance: type, weightPrior: 'dirichlet-distribution', weightConcentrationPrior: 1 / input.numClasses }
        : { gmmEstimator: estimator, init: 'predicted-labels', covariance: type },
      diagnostics: {
        ...(vb ? { lowerBound: fit.lowerBound, effectiveComponents: fit.effectiveComponents } : {}),
        size: sel.members.length,
        logLikelihood: fit.logLikelihood,
        iterations: fit.iterations,
        converged: fit.converged,
        outliers: sel.outliers,
        exemplars: sel.exemplars,
        groups: sel.groupsUsed,
        ...(fit.fittedOn !== undefined ? { fittedOn: fit.fittedOn } : {}),
        ...(ctx.fitCache ? { fitCached: fit.fitCached } : {}),
      },
    };
  });
}
