/**
 * Reusing one GMM fit across samples (issue #12.3), as MaxMargin does (fit-cache.ts): what
 * Algorithm 1 needs of a fitted mixture is each item's group and log likelihood ratio, plus the
 * fit's diagnostics, stored in fit-cache.ts's layout under a content key.
 *
 * Seed dependence. EM started from the predicted labels and the variational fit are deterministic:
 * the rng is drawn from only (a) to pick the fit's subsample when N exceeds the row budget
 * (gmmFitMaxItems) and (b) to re-seed a class nothing is predicted as (EM only, gmm-seed.ts).
 * Otherwise every seed gives the same fit, so the key leaves the seed out and one fit serves every
 * seed, fraction and j (and the experiments, which fit at seed 0). When (a) or (b) applies the
 * seed joins the key. As a guard the fit runs on a counting rng: a fit predicted seed-free that
 * drew anyway is not stored.
 *
 * GMM_FIT_REVISION is part of every key: bump it when a change to the EM or variational code
 * (gmm-core, gmm-full-em, gmm-full-estep, gmm-spherical-core, gmm-variational) changes the
 * fitted values, so fits stored by older code are never read again.
 */
import type { Rng } from '../core/rng.ts';
import { decodeRatioFit, encodeRatioFit, fitKey } from './fit-cache.ts';
import type { FitHeader } from './fit-cache.ts';
import type { CovarianceType } from './gmm-core.ts';
import type { SamplerInput } from './types.ts';

/** 2: the spherical pass skips the exp of responsibilities > 50 nats behind (gmm-spherical-core NEGLIGIBLE), which may move last bits. */
export const GMM_FIT_REVISION = 2;

/** What the GMM sampler and the experiments need of a fit. */
export interface GmmRatios {
  group: Int32Array;
  logRatio: Float64Array;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  /** Set when the mixture was fitted on a subsample of this many rows. */
  fittedOn?: number;
  /** Variational fits only. */
  lowerBound?: number;
  effectiveComponents?: number;
}

/** Every setting the fit depends on besides the data (the key's `settings`). */
export interface GmmFitSettings {
  covariance: CovarianceType;
  estimator: 'em-from-labels' | 'variational';
  tol: number;
  maxIter: number;
  /** Row budget: above it the fit runs on a seeded subsample. */
  fitMaxItems: number;
}

/** Whether the fit will draw from the rng (module comment): a subsample, or an EM class nobody is predicted as. */
export function gmmFitDrawsRandom(input: SamplerInput, s: GmmFitSettings): boolean {
  const n = input.latent.rows;
  if (n > s.fitMaxItems) return true;
  if (s.estimator === 'variational') return false;
  const seen = new Uint8Array(input.numClasses);
  for (let i = 0; i < n; i++) seen[input.predLabels[i]] = 1;
  return seen.includes(0);
}

/** The cache key: latent, true and predicted labels, settings, revision, and the seed only when the fit draws from it. */
export function gmmFitKey(input: SamplerInput, s: GmmFitSettings, seed: number | null): string {
  return fitKey(`gmm-${s.covariance}`, input, {
    estimator: s.estimator, tol: s.tol, maxIter: s.maxIter, fitMaxItems: s.fitMaxItems, init: 'predicted-labels', revision: GMM_FIT_REVISION,
    ...(seed !== null ? { seed } : {}),
  }, [input.predLabels]);
}

export function encodeGmmFit(r: GmmRatios): Uint8Array {
  const h: FitHeader = { kind: 'gmm', logLikelihood: r.logLikelihood, iterations: r.iterations, converged: r.converged };
  if (r.fittedOn !== undefined) h.fittedOn = r.fittedOn;
  if (r.lowerBound !== undefined) h.lowerBound = r.lowerBound;
  if (r.effectiveComponents !== undefined) h.effectiveComponents = r.effectiveComponents;
  return encodeRatioFit(h, r.group, r.logRatio);
}

/** The GMM fit stored in `bytes`, or null if they are not a whole one of `n` items. */
export function decodeGmmFit(bytes: Uint8Array, n: number): GmmRatios | null {
  const r = decodeRatioFit(bytes, n);
  if (!r || r.header.kind !== 'gmm' || typeof r.header.converged !== 'boolean') return null;
  const h = r.header;
  const num = (v: unknown) => (v == null ? NaN : Number(v));
  return {
    group: r.group, logRatio: r.logRatio, logLikelihood: num(h.logLikelihood), iterations: Number(h.iterations), converged: h.converged as boolean,
    ...(h.fittedOn != null ? { fittedOn: Number(h.fittedOn) } : {}),
    ...(h.lowerBound !== undefined ? { lowerBound: num(h.lowerBound) } : {}),
    ...(h.effectiveComponents != null ? { effectiveComponents: Number(h.effectiveComponents) } : {}),
  };
}

/** `rng` with a count of the numbers drawn from it. */
export function countingRng(rng: Rng): { rng: Rng; draws: () => number } {
  let draws = 0;
  return {
    rng: {
      next: () => { draws++; return rng.next(); },
      int: (m: number) => { draws++; return rng.int(m); },
      normal: () => { draws++; return rng.normal(); },
    },
    draws: () => draws,
  };
}
