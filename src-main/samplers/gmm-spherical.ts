/** GMM sampling with spherical covariances σ_c²·I (paper §IV-B, Algorithm 1); fit in gmm-core.ts. */
import { makeGmmSampler } from './gmm-sampler.ts';

export const gmmSphericalSampler = makeGmmSampler('gmm-spherical', 'GMM (spherical covariance)', 'spherical');
