/** GMM sampling with full covariances (paper §IV-B, Algorithm 1); the fit is in gmm-core.ts. */
import { makeGmmSampler } from './gmm-sampler.ts';

export const gmmFullSampler = makeGmmSampler('gmm-full', 'GMM (full covariance)', 'full');
