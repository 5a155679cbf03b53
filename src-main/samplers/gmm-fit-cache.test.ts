import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { decodeMaxMarginFit, encodeMaxMarginFit } from './fit-cache.ts';
import { countingRng, decodeGmmFit, encodeGmmFit, gmmFitDrawsRandom, gmmFitKey } from './gmm-fit-cache.ts';
import { gmmFitSettings, gmmScores } from './gmm-sampler.ts';
import { runSampler } from './index.ts';
import { maxMarginScores } from './maxmargin.ts';
import { memoryFitCache, small } from './test-data.ts';
import type { SamplerMethod, SamplerParams } from './types.ts';

const input = small(8, 900);
const FIT_DIAGNOSTICS = ['logLikelihood', 'iterations', 'converged', 'lowerBound', 'effectiveComponents', 'fittedOn'];

describe('GMM fit cache', () => {
  const cases: Array<{ method: SamplerMethod; options: Partial<SamplerParams> }> = [
    { method: 'gmm-full', options: {} },
    { method: 'gmm-spherical', options: {} },
    { method: 'gmm-full', options: { gmmEstimator: 'variational' } },
  ];
  for (const { method, options } of cases) {
    it(`${method} ${options.gmmEstimator ?? 'em'}: another seed, fraction or j reuses the fit and gives an uncached run's members and diagnostics`, () => {
      const { cache, stats } = memoryFitCache();
      const first = runSampler(method, input, { ...options, fraction: 0.1, j: 0.7, seed: 1 }, { fitCache: cache });
      expect(first.diagnostics.fitCached).toBe(false);
      expect(stats).toEqual({ hits: 0, misses: 1, sets: 1 });
      for (const p of [{ fraction: 0.1, j: 0.7, seed: 2 }, { fraction: 0.25, j: 0.3, seed: 9 }, { fraction: 0.05, seed: 1 }]) {
        const params = { ...options, ...p };
        const again = runSampler(method, input, params, { fitCache: cache });
        const fresh = runSampler(method, input, params);
        expect(again.diagnostics.fitCached).toBe(true);
        expect(Array.from(again.members)).toEqual(Array.from(fresh.members));
        expect(fresh.diagnostics.fitCached).toBeUndefined();
        for (const k of FIT_DIAGNOSTICS) expect(again.diagnostics[k]).toEqual(fresh.diagnostics[k]);
        expect(again.params).toEqual(fresh.params);
      }
      expect(stats.sets).toBe(1);
    });
  }

  it('the three fits have three keys; MaxMargin\'s fit is not read as a GMM one', () => {
    const { cache, map } = memoryFitCache();
    for (const { method, options } of cases) runSampler(method, input, { ...options, fraction: 0.1, seed: 1 }, { fitCache: cache });
    runSampler('maxmargin', input, { fraction: 0.1, seed: 1 }, { fitCache: cache });
    expect(map.size).toBe(4);
    const mm = encodeMaxMarginFit(maxMarginScores(input));
    expect(decodeGmmFit(mm, 900)).toBeNull();
    const g = gmmScores(input, 'full', createRng(0));
    const bytes = encodeGmmFit({ group: g.group, logRatio: g.logRatio, logLikelihood: g.fit.logLikelihood, iterations: 3, converged: true });
    expect(decodeMaxMarginFit(bytes, 900)).toBeNull();
  });

  it('EM from labels and the variational fit draw nothing from the rng when every class is predicted: every seed gives the same fit', () => {
    expect(gmmFitDrawsRandom(input, gmmFitSettings('full', 'em-from-labels', 8, 3))).toBe(false);
    for (const [type, estimator] of [['full', 'em-from-labels'], ['spherical', 'em-from-labels'], ['full', 'variational']] as const) {
      const a = countingRng(createRng(1)), b = countingRng(createRng(12345));
      const fa = gmmScores(input, type, a.rng, { estimator }), fb = gmmScores(input, type, b.rng, { estimator });
      expect(a.draws()).toBe(0);
      expect(b.draws()).toBe(0);
      expect(Array.from(fa.logRatio)).toEqual(Array.from(fb.logRatio));
    }
  });

  it('a class nobody is predicted as makes EM seed-dependent: the seed joins the key and each seed gets its own fit', () => {
    // Class 2 is never predicted: EM re-seeds its component at a D²-drawn item.
    const pred = Int32Array.from(input.predLabels, (c) => (c === 2 ? 1 : c));
    const odd = { ...input, predLabels: pred };
    const settings = gmmFitSettings('full', 'em-from-labels', 8, 3);
    expect(gmmFitDrawsRandom(odd, settings)).toBe(true);
    expect(gmmFitDrawsRandom(odd, gmmFitSettings('full', 'variational', 8, 3))).toBe(false);
    const counted = countingRng(createRng(1));
    gmmScores(odd, 'full', counted.rng);
    expect(counted.draws()).toBeGreaterThan(0);
    expect(gmmFitKey(odd, settings, 1)).not.toBe(gmmFitKey(odd, settings, 2));
    const { cache, stats } = memoryFitCache();
    for (const [seed, hit] of [[1, false], [2, false], [1, true], [2, true]] as const) {
      const r = runSampler('gmm-full', odd, { fraction: 0.1, seed }, { fitCache: cache });
      expect(r.diagnostics.fitCached).toBe(hit);
      expect(Array.from(r.members)).toEqual(Array.from(runSampler('gmm-full', odd, { fraction: 0.1, seed }).members));
    }
    expect(stats.sets).toBe(2);
    // A budget below N (the subsampled fit) draws too.
    expect(gmmFitDrawsRandom(input, { ...settings, fitMaxItems: 500 })).toBe(true);
  });

  it('the key changes with the predicted labels, the estimator, the covariance and the stopping rule', () => {
    const s = gmmFitSettings('full', 'em-from-labels', 8, 3);
    const k0 = gmmFitKey(input, s, null);
    expect(gmmFitKey(input, s, null)).toBe(k0);
    const pred = Int32Array.from(input.predLabels); pred[3] = (pred[3] + 1) % 3;
    expect(gmmFitKey({ ...input, predLabels: pred }, s, null)).not.toBe(k0);
    expect(gmmFitKey(input, gmmFitSettings('full', 'variational', 8, 3), null)).not.toBe(k0);
    expect(gmmFitKey(input, gmmFitSettings('spherical', 'em-from-labels', 8, 3), null)).not.toBe(k0);
    expect(gmmFitKey(input, { ...s, tol: 1e-5 }, null)).not.toBe(k0);
    expect(gmmFitKey(input, s, 0)).not.toBe(k0);
  });

  it('encodes and decodes a fit exactly, non-finite diagnostics included', () => {
    const g = gmmScores(input, 'spherical', createRng(0));
    const r = { group: g.group, logRatio: g.logRatio, logLikelihood: g.fit.logLikelihood, iterations: 7, converged: false, fittedOn: 500, lowerBound: NaN, effectiveComponents: 3 };
    const back = decodeGmmFit(encodeGmmFit(r), 900)!;
    expect(Array.from(back.logRatio)).toEqual(Array.from(r.logRatio));
    expect(Array.from(back.group)).toEqual(Array.from(r.group));
    expect(back).toMatchObject({ logLikelihood: r.logLikelihood, iterations: 7, converged: false, fittedOn: 500, effectiveComponents: 3 });
    expect(back.lowerBound).toBeNaN();
    const plain = decodeGmmFit(encodeGmmFit({ ...r, fittedOn: undefined, lowerBound: undefined, effectiveComponents: undefined }), 900)!;
    expect('fittedOn' in plain || 'lowerBound' in plain || 'effectiveComponents' in plain).toBe(false);
    expect(decodeGmmFit(encodeGmmFit(r), 899)).toBeNull();
  });
});
