/** Uniform random sampling without replacement: round(f·N) items (partial Fisher–Yates). */
import { sampleWithoutReplacement } from '../core/rng.ts';
import { makeSampler, sortedMembers, targetSize } from './sampler.ts';

export const uniformSampler = makeSampler('uniform', 'Uniform random', true, false, (input, params, ctx) => {
  const n = input.latent.rows;
  const k = targetSize(n, params.fraction);
  return { members: sortedMembers(sampleWithoutReplacement(n, k, ctx.rng)), diagnostics: { size: k } };
});
