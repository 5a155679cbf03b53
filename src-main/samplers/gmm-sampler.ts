/**
 * Algorithm 1 over a Gaussian mixture: fit one component per class (gmm-core.ts), put each item
 * in its most likely component, rank it by log P(c|x)/P(¬c|x), take a share j of each
 * component's quota from the outlier end and 1 − j from the exemplar end.
 */
import { selectTwoEnds } from './allocate.ts';
import { fitGmm, groupsAndRatios } from './gmm-core.ts';
import type { CovarianceType } from './gmm-core.ts';
import { toF64 } from './linalg.ts';
import { makeSampler, targetSize, throwIfAborted } from './sampler.ts';
import type { Sampler, SamplerMethod } from './types.ts';
import { DEFAULT_J } from './validate.ts';

export function makeGmmSampler(method: SamplerMethod, label: string, type: CovarianceType): Sampler {
  return makeSampler(method, label, true, true, (input, params, ctx) => {
    const { rows: n, cols: d } = input.latent;
    const j = params.j ?? DEFAULT_J;
    const fit = fitGmm(toF64(input.latent), n, d, input.numClasses, input.predLabels, type, ctx.rng, {
      onProgress: ctx.onProgress,
      checkAbort: () => throwIfAborted(ctx.signal),
    });
    const { group, logRatio } = groupsAndRatios(fit, n);
    const sel = selectTwoEnds(group, logRatio, input.numClasses, targetSize(n, params.fraction), j);
    return {
      members: sel.members,
      params: { estimation: 'EM', init: 'predicted-labels', covariance: type },
      diagnostics: {
        size: sel.members.length,
        logLikelihood: fit.logLikelihood,
        iterations: fit.iterations,
        converged: fit.converged,
        outliers: sel.outliers,
        exemplars: sel.exemplars,
        groups: sel.groupsUsed,
      },
    };
  });
}
