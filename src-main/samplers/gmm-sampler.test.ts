import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { gmmFullSampler } from './gmm-full.ts';
import { gmmSphericalSampler } from './gmm-spherical.ts';
import { fitGmm, groupsAndRatios } from './gmm-core.ts';
import { toF64 } from './linalg.ts';
import { small } from './test-data.ts';

const input = small(8, 900);

describe('GMM samplers (Algorithm 1)', () => {
  for (const s of [gmmFullSampler, gmmSphericalSampler]) {
    it(`${s.method}: size round(f·N), diagnostics, and j moves the sample between the ends`, () => {
      const type = s.method === 'gmm-full' ? 'full' : 'spherical';
      const fit = fitGmm(toF64(input.latent), 900, 8, 3, input.predLabels, type, createRng(1));
      const { group, logRatio } = groupsAndRatios(fit, 900);
      const median = new Map<number, number>();
      for (let c = 0; c < 3; c++) {
        const v = Array.from(logRatio).filter((_, i) => group[i] === c).sort((a, b) => a - b);
        median.set(c, v[v.length >> 1]);
      }
      const r0 = s.run(input, { fraction: 0.1, j: 0, seed: 1 }, { rng: createRng(1) });
      const r1 = s.run(input, { fraction: 0.1, j: 1, seed: 1 }, { rng: createRng(1) });
      for (const r of [r0, r1]) {
        expect(r.members.length).toBe(90);
        expect(r.diagnostics.converged).toBe(true);
        expect(Number.isFinite(r.diagnostics.logLikelihood as number)).toBe(true);
        expect(r.diagnostics.iterations).toBeGreaterThan(0);
      }
      // j = 0: only exemplars (above the group median); j = 1: only outliers (below).
      for (const i of r0.members) expect(logRatio[i]).toBeGreaterThan(median.get(group[i])!);
      for (const i of r1.members) expect(logRatio[i]).toBeLessThan(median.get(group[i])!);
      expect(r0.diagnostics.outliers).toBe(0);
      expect(r1.diagnostics.exemplars).toBe(0);
      const rd = s.run(input, { fraction: 0.1, seed: 1 }, { rng: createRng(1) });
      expect(rd.params.j).toBe(0.7);
      // round(0.7 · n_g) per group: within half an item per group (3 groups) of 0.7 · 90 = 63.
      expect(Math.abs((rd.diagnostics.outliers as number) - 63)).toBeLessThanOrEqual(1.5);
    });
  }
});
