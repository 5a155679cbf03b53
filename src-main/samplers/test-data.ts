/** Small shared fixtures for the sampler tests. */
import type { SamplerInput } from './types.ts';
import { makeBlobs } from './synthetic.ts';

export const small = (seed = 1, n = 600): SamplerInput => makeBlobs({ n, d: 8, k: 3, seed, separation: 4 });
