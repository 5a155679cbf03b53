import { describe, it, expect } from 'vitest';
import type { FitCache } from '../samplers/index.ts';
import { runE1, runE3, runE4 } from './index.ts';
import { fitStats } from './scoring.ts';
import { makeExperimentData } from './synthetic.ts';

function memoryCache() {
  const map = new Map<string, Uint8Array>();
  const stats = { gets: 0, sets: 0 };
  const cache: FitCache = {
    get(key) { stats.gets++; return map.get(key) ?? null; },
    set(key, bytes) { stats.sets++; map.set(key, bytes); },
  };
  return { cache, map, stats };
}

// Each call makes new arrays with the same contents: a new run over the same checkpoint (new sources, empty memory).
const make = () => makeExperimentData({ n: 400, d: 6, k: 3, seed: 5, widths: [24, 12] });
const fast = { seeds: 2, fractions: [0.1, 0.5], js: [0, 1] };

describe('experiments and the fit cache', () => {
  it('a second run over the same data reuses every MaxMargin and GMM fit and gives the same rows', () => {
    const { cache, map } = memoryCache();
    const first = make();
    const rows1 = runE1(first, { ...fast, fitCache: cache });
    // maxmargin (shared by weighted), gmm-full, gmm-spherical: each fitted once, stored once.
    expect(fitStats(first)).toEqual({ reused: 0, computed: 3 });
    expect(map.size).toBe(3);
    runE3(first, { ...fast, fitCache: cache });
    expect(fitStats(first)).toEqual({ reused: 0, computed: 3 }); // E3 shares the run's fits in memory

    const second = make();
    const rows2 = runE1(second, { ...fast, fitCache: cache });
    expect(fitStats(second)).toEqual({ reused: 3, computed: 0 });
    expect(rows2).toEqual(rows1);
    // Without any cache: the same rows (a cached fit is the fit).
    expect(runE1(make(), fast)).toEqual(rows1);
    expect(map.size).toBe(3);
  });

  it('other sampler options are other fits', () => {
    const { cache } = memoryCache();
    const a = make();
    runE1(a, { ...fast, seeds: 1, fractions: [0.1], fitCache: cache });
    const b = make();
    runE1(b, { ...fast, seeds: 1, fractions: [0.1], fitCache: cache, samplerOptions: { maxmargin: { svmC: 0.1 }, 'gmm-full': { gmmEstimator: 'variational' } } });
    // maxmargin at C = 0.1 and the variational gmm-full are new; weighted's default SVM and gmm-spherical are reused.
    expect(fitStats(b)).toEqual({ reused: 2, computed: 2 });
  });

  it('E4 never reads or writes cached fits: it times the samplers, fits included', () => {
    const { cache, stats } = memoryCache();
    const data = make();
    runE1(data, { ...fast, seeds: 1, fractions: [0.1], fitCache: cache });
    const before = { ...stats };
    const rows = runE4(data, { fitCache: cache });
    expect(rows.length).toBeGreaterThan(0);
    expect(stats).toEqual(before);
  });
});
