import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { fitGmm, meanLogLikelihood, scoreGmm } from './gmm-core.ts';
import { GMM_FIT_MAX_ITEMS, gmmFitMaxItems, gmmScores } from './gmm-sampler.ts';
import { makeBlobs } from './synthetic.ts';
import { selectTwoEnds } from './allocate.ts';

describe('GMM for large N: fit on a subsample, score every item', () => {
  const input = makeBlobs({ n: 1200, d: 6, k: 3, seed: 9, separation: 3 });
  const { rows: n, cols: d, data } = input.latent;

  for (const type of ['full', 'spherical'] as const) {
    it(`scoreGmm reproduces the fit's own final log-joints (${type})`, () => {
      const fit = fitGmm(data, n, d, 3, input.predLabels, type, createRng(1));
      const again = scoreGmm(fit, type, data, n, d);
      for (let t = 0; t < again.length; t++) expect(again[t]).toBeCloseTo(fit.logJoint[t], 7);
      expect(meanLogLikelihood(again, n, 3)).toBeCloseTo(fit.logLikelihood, 8);
    });

    it(`a subsample fit ranks the items nearly as the full fit does (${type})`, () => {
      const full = gmmScores(input, type, createRng(2));
      const sub = gmmScores(input, type, createRng(2), { fitMaxItems: 400 });
      expect(sub.fit.fittedOn).toBe(400);
      expect(full.fit.fittedOn).toBeUndefined();
      expect(sub.logRatio.length).toBe(n);
      expect(sub.fit.logJoint.length).toBe(n * 3);
      let agree = 0;
      for (let i = 0; i < n; i++) if (sub.group[i] === full.group[i]) agree++;
      expect(agree / n).toBeGreaterThan(0.8); // misaligned rows would agree on ~1/3
      const a = selectTwoEnds(full.group, full.logRatio, 3, 60, 0.7).members, b = new Set(selectTwoEnds(sub.group, sub.logRatio, 3, 60, 0.7).members);
      const shared = Array.from(a).filter((i) => b.has(i)).length;
      expect(shared).toBeGreaterThan(15); // 5× the ~3 that two unrelated 60-item samples of 1,200 share
      // Same seed → same result.
      const again = gmmScores(input, type, createRng(2), { fitMaxItems: 400 });
      expect(Array.from(again.logRatio)).toEqual(Array.from(sub.logRatio));
    });
  }
});

describe('gmmFitMaxItems', () => {
  it('keeps 100,000 rows up to d = 84 and for spherical, scales full covariance by (84/d)² with ≥ 10·d rows per component', () => {
    expect(gmmFitMaxItems('full', 84, 10)).toBe(GMM_FIT_MAX_ITEMS);
    expect(gmmFitMaxItems('spherical', 512, 10)).toBe(GMM_FIT_MAX_ITEMS);
    expect(gmmFitMaxItems('full', 128, 10)).toBe(Math.round(100_000 * (84 / 128) ** 2));
    expect(gmmFitMaxItems('full', 512, 10)).toBe(51_200);
    expect(gmmFitMaxItems('full', 512, 100)).toBe(GMM_FIT_MAX_ITEMS);
  });
});
