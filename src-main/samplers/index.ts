/**
 * The samplers' public API: the registry of all methods and runSampler, which validates,
 * seeds the rng from params.seed and times the run.
 */
import { createRng } from '../core/rng.ts';
import type { FitCache } from './fit-cache.ts';
import { badInput } from '../shared/errors.ts';
import { boundaryTreeSampler } from './boundary-tree.ts';
import { gmmFullSampler } from './gmm-full.ts';
import { gmmSphericalSampler } from './gmm-spherical.ts';
import { latentGridSampler } from './latent-grid.ts';
import { maxMarginSampler } from './maxmargin.ts';
import { queryStrataSampler } from './query-strata.ts';
import { stratifiedSampler } from './stratified.ts';
import type { SampleResult, Sampler, SamplerInput, SamplerMethod, SamplerParams } from './types.ts';
import { uniformSampler } from './uniform.ts';
import { validateParams } from './validate.ts';
import { vasSampler } from './vas.ts';
import { weightedSampler } from './weighted.ts';

export type { SampleResult, Sampler, SamplerContext, SamplerInput, SamplerMethod, SamplerParams } from './types.ts';
export { DEFAULT_J } from './validate.ts';
// Building blocks for callers that reuse one fit across fractions, j and seeds (the experiments).
export { selectTwoEnds } from './allocate.ts';
export { gmmFitCached, gmmScores } from './gmm-sampler.ts';
export { DEFAULT_SVM_C, maxMarginFitCached, maxMarginScores } from './maxmargin.ts';
export { DEFAULT_RATIO_CAP, weightedDraw } from './weighted.ts';
export type { FitCache } from './fit-cache.ts';
export { targetSize } from './sampler.ts';
export { DEFAULT_ALLOCATION_POWER, DEFAULT_BALANCE_DRAWS, queryStrataSample } from './query-strata.ts';
export { vasInterchange } from './vas.ts';
export { DEFAULT_MAX_TABLE_BYTES, directGeometry, pairwiseGeometry } from './vas-geometry.ts';
export type { VasGeometry } from './vas-geometry.ts';

export const SAMPLERS: Record<SamplerMethod, Sampler> = {
  uniform: uniformSampler,
  stratified: stratifiedSampler,
  'latent-grid': latentGridSampler,
  vas: vasSampler,
  'boundary-tree': boundaryTreeSampler,
  'gmm-full': gmmFullSampler,
  'gmm-spherical': gmmSphericalSampler,
  maxmargin: maxMarginSampler,
  weighted: weightedSampler,
  'query-strata': queryStrataSampler,
};

export const SAMPLER_METHODS: readonly SamplerMethod[] = Object.freeze(Object.keys(SAMPLERS) as SamplerMethod[]);

export function runSampler(
  method: SamplerMethod,
  input: SamplerInput,
  params: SamplerParams,
  opts: { now?: () => number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal; fitCache?: FitCache } = {},
): SampleResult {
  const sampler = Object.hasOwn(SAMPLERS, method) ? SAMPLERS[method] : undefined;
  if (!sampler) throw badInput(`method must be one of ${SAMPLER_METHODS.join(', ')}; got ${String(method)}`);
  validateParams(params);
  return sampler.run(input, params, {
    rng: createRng(params.seed),
    now: opts.now ?? (() => performance.now()),
    onProgress: opts.onProgress,
    signal: opts.signal,
    fitCache: opts.fitCache,
  });
}
