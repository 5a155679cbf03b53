import { describe, it, expect } from 'vitest';
import { decodeMaxMarginFit, encodeMaxMarginFit, fitKey } from './fit-cache.ts';
import { runSampler } from './index.ts';
import { maxMarginScores } from './maxmargin.ts';
import { makeBlobs } from './synthetic.ts';
import { memoryFitCache } from './test-data.ts';

describe('MaxMargin fit cache', () => {
  const input = makeBlobs({ n: 900, d: 6, k: 3, seed: 21, separation: 1.5 });

  it('a second sample reuses the fit (any seed, fraction, j; weighted too) and gives the members of a fresh fit', () => {
    const { cache, stats } = memoryFitCache();
    const first = runSampler('maxmargin', input, { fraction: 0.1, j: 0.7, seed: 1 }, { fitCache: cache });
    expect(first.diagnostics.fitCached).toBe(false);
    expect(stats).toEqual({ hits: 0, misses: 1, sets: 1 });
    for (const params of [{ fraction: 0.1, j: 0.7, seed: 1 }, { fraction: 0.2, j: 0.3, seed: 5 }]) {
      const again = runSampler('maxmargin', input, params, { fitCache: cache });
      expect(again.diagnostics.fitCached).toBe(true);
      expect(Array.from(again.members)).toEqual(Array.from(runSampler('maxmargin', input, params).members));
      expect(again.diagnostics.trainAccuracy).toBe(first.diagnostics.trainAccuracy);
    }
    const w = runSampler('weighted', input, { fraction: 0.1, seed: 3 }, { fitCache: cache });
    expect(w.diagnostics.fitCached).toBe(true);
    const fresh = runSampler('weighted', input, { fraction: 0.1, seed: 3 });
    expect(Array.from(w.members)).toEqual(Array.from(fresh.members));
    expect(Array.from(w.weights!)).toEqual(Array.from(fresh.weights!));
    expect(stats.sets).toBe(1);
    // Another C is another fit.
    const c01 = runSampler('maxmargin', input, { fraction: 0.1, seed: 1, svmC: 0.1 }, { fitCache: cache });
    expect(c01.diagnostics.fitCached).toBe(false);
    expect(stats.sets).toBe(2);
  });

  it('the key changes with the latent, the labels and the settings, and is stable otherwise', () => {
    const k0 = fitKey('maxmargin', input, { c: 1 });
    expect(fitKey('maxmargin', input, { c: 1 })).toBe(k0);
    expect(fitKey('maxmargin', input, { c: 0.1 })).not.toBe(k0);
    const labels = Int32Array.from(input.trueLabels); labels[0] = (labels[0] + 1) % 3;
    expect(fitKey('maxmargin', { ...input, trueLabels: labels }, { c: 1 })).not.toBe(k0);
    const data = Float32Array.from(input.latent.data); data[5] += 1e-3;
    expect(fitKey('maxmargin', { ...input, latent: { ...input.latent, data } }, { c: 1 })).not.toBe(k0);
    expect(k0).toMatch(/^[0-9a-f]{32}$/);
  });

  it('encodes and decodes a fit exactly; refuses bytes of another size or damaged ones', () => {
    const s = maxMarginScores(input);
    const bytes = encodeMaxMarginFit(s);
    const back = decodeMaxMarginFit(bytes, 900)!;
    expect(Array.from(back.group)).toEqual(Array.from(s.group));
    expect(Array.from(back.logRatio)).toEqual(Array.from(s.logRatio));
    expect(back).toMatchObject({ trainAccuracy: s.trainAccuracy, cvAccuracy: s.cvAccuracy, solver: 'newton', iterations: s.iterations, fittedOn: 900 });
    expect(decodeMaxMarginFit(bytes, 899)).toBeNull();
    expect(decodeMaxMarginFit(bytes.subarray(0, bytes.length - 8), 900)).toBeNull();
    const bad = Uint8Array.from(bytes); bad[0] = 0;
    expect(decodeMaxMarginFit(bad, 900)).toBeNull();
    const noCv = decodeMaxMarginFit(encodeMaxMarginFit({ ...s, cvAccuracy: NaN }), 900)!;
    expect(noCv.cvAccuracy).toBeNaN();
  });
});
