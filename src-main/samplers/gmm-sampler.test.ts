import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { gmmFullSampler } from './gmm-full.ts';
import { gmmSphericalSampler } from './gmm-spherical.ts';
import { fitGmm, groupsAndRatios, scoreGmm } from './gmm-core.ts';
import { gmmScores } from './gmm-sampler.ts';
import { fitVariationalGmm } from './gmm-variational.ts';
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

describe("gmm-full with gmmEstimator 'variational'", () => {
  it('ranks by the variational fit: members are its two ends of each group, sized round(f·N), recorded as such', () => {
    const fit = fitVariationalGmm(input.latent.data, 900, 8, 3, input.predLabels);
    const { group, logRatio } = groupsAndRatios(fit, 900);
    const r = gmmFullSampler.run(input, { fraction: 0.1, j: 1, seed: 1, gmmEstimator: 'variational' }, { rng: createRng(1) });
    expect(r.members.length).toBe(90);
    expect(new Set(r.members).size).toBe(90);
    expect(r.params).toMatchObject({ gmmEstimator: 'variational', covariance: 'full', weightPrior: 'dirichlet-distribution' });
    expect(r.diagnostics.lowerBound).toBe(fit.lowerBound);
    expect(r.diagnostics.effectiveComponents).toBe(3);
    // j = 1: every member is among the lowest-ratio items of its variational group.
    for (let c = 0; c < 3; c++) {
      const inGroup = Array.from(logRatio.keys()).filter((i) => group[i] === c).sort((a, b) => logRatio[a] - logRatio[b]);
      const taken = Array.from(r.members).filter((i) => group[i] === c);
      expect(new Set(taken)).toEqual(new Set(inGroup.slice(0, taken.length)));
    }
    const em = gmmFullSampler.run(input, { fraction: 0.1, j: 1, seed: 1 }, { rng: createRng(1) });
    expect(em.params.gmmEstimator).toBe('em-from-labels');
  });

  it("scoreGmm reproduces the variational fit's own final log ρ (what the subsample mode scores with)", () => {
    const fit = fitVariationalGmm(input.latent.data, 900, 8, 3, input.predLabels);
    const again = scoreGmm(fit, 'full', input.latent.data, 900, 8);
    for (let t = 0; t < again.length; t++) expect(Math.abs(again[t] - fit.logJoint[t])).toBeLessThan(1e-8 * Math.max(1, Math.abs(fit.logJoint[t])));
  });

  it('fits on a subsample above fitMaxItems and scores every item under it', () => {
    const s = gmmScores(input, 'full', createRng(2), { estimator: 'variational', fitMaxItems: 300 });
    expect(s.fit.fittedOn).toBe(300);
    expect(s.group.length).toBe(900);
    for (const v of s.logRatio) expect(Number.isFinite(v)).toBe(true);
  });

  it('refuses variational spherical components and an unknown estimator', () => {
    expect(() => gmmScores(input, 'spherical', createRng(1), { estimator: 'variational' })).toThrow(/full covariances/);
    expect(() => gmmFullSampler.run(input, { fraction: 0.1, seed: 1, gmmEstimator: 'bayes' as never }, { rng: createRng(1) })).toThrow(/gmmEstimator must be/);
  });
});
