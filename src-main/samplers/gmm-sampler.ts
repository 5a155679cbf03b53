/**
 * Algorithm 1 over a Gaussian mixture: fit one component per class (gmm-core.ts), put each item
 * in its most likely component, rank it by log P(c|x)/P(¬c|x), take a share j of each
 * component's quota from the outlier end and 1 − j from the exemplar end.
 */
import { selectTwoEnds } from './allocate.ts';
import { fitGmm, groupsAndRatios, meanLogLikelihood, scoreGmm } from './gmm-core.ts';
import { fitVariationalGmm, type VariationalFit } from './gmm-variational.ts';
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
 * The GMM fit behind the sampler and each item's group and log likelihood ratio — exported so
 * the experiments can fit once and select at many fractions and j without refitting.
 */
export function gmmScores(
  input: SamplerInput, type: CovarianceType, rng: Rng,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; fitMaxItems?: number; estimator?: GmmEstimator } = {},
): { group: Int32Array; logRatio: Float64Array; fit: GmmFit } {
  const { rows: n, cols: d } = input.latent;
  const maxIter = type === 'spherical' ? SPHERICAL_MAX_ITER : 100;
  const checkAbort = () => throwIfAborted(opts.signal);
  const fitMax = opts.fitMaxItems ?? gmmFitMaxItems(type, d, input.numClasses);
  const variational = opts.estimator === 'variational';
  if (variational && type !== 'full') throw badInput("gmmEstimator 'variational' is implemented for full covariances (gmm-full) only");
  const fitOn = (x: Float32Array, m: number, init: Int32Array): GmmFit => variational
    ? fitVariationalGmm(x, m, d, input.numClasses, init, { onProgress: opts.onProgress, checkAbort })
    : fitGmm(x, m, d, input.numClasses, init, type, rng, { maxIter, onProgress: opts.onProgress, checkAbort });
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

export function makeGmmSampler(method: SamplerMethod, label: string, type: CovarianceType): Sampler {
  return makeSampler(method, label, true, true, (input, params, ctx) => {
    const n = input.latent.rows;
    const j = params.j ?? DEFAULT_J;
    const estimator: GmmEstimator = params.gmmEstimator ?? 'em-from-labels';
    const { group, logRatio, fit } = gmmScores(input, type, ctx.rng, { signal: ctx.signal, onProgress: ctx.onProgress, estimator });
    const sel = selectTwoEnds(group, logRatio, input.numClasses, targetSize(n, params.fraction), j);
    const vb = estimator === 'variational' ? fit as VariationalFit : null;
    return {
      members: sel.members,
      params: vb
        ? { gmmEstimator: estimator, init: 'predicted-labels', covariance: type, weightPrior: 'dirichlet-distribution', weightConcentrationPrior: 1 / input.numClasses }
        : { gmmEstimator: estimator, init: 'predicted-labels', covariance: type },
      diagnostics: {
        ...(vb ? { lowerBound: vb.lowerBound, effectiveComponents: vb.effectiveComponents } : {}),
        size: sel.members.length,
        logLikelihood: fit.logLikelihood,
        iterations: fit.iterations,
        converged: fit.converged,
        outliers: sel.outliers,
        exemplars: sel.exemplars,
        groups: sel.groupsUsed,
        ...(fit.fittedOn !== undefined ? { fittedOn: fit.fittedOn } : {}),
      },
    };
  });
}
