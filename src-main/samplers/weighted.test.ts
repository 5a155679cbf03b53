import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { inclusionProbabilities, systematicSample, weightedDrawPerGroup, weightedSampler } from './weighted.ts';
import { largestRemainder } from './allocate.ts';
import { small } from './test-data.ts';

describe('inclusion probabilities and systematic πps', () => {
  it('π ∝ w, capped at 1, summing to n', () => {
    const pi = inclusionProbabilities(Float64Array.from([100, 1, 1, 1, 1, 1]), 2);
    expect(pi[0]).toBe(1);
    expect(pi.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 12);
    expect(pi[1]).toBeCloseTo(0.2, 12);
  });
  it('draws exactly n items with empirical inclusion frequencies ≈ π', () => {
    const pi = inclusionProbabilities(Float64Array.from([5, 1, 2, 3, 4, 1, 1, 3]), 3);
    const hits = new Float64Array(8);
    const rng = createRng(3);
    const reps = 4000;
    for (let r = 0; r < reps; r++) {
      const s = systematicSample(pi, 3, rng);
      expect(s.length).toBe(3);
      for (const i of s) hits[i]++;
    }
    for (let i = 0; i < 8; i++) expect(Math.abs(hits[i] / reps - pi[i])).toBeLessThan(0.03);
  });
});

describe('weighted sampler', () => {
  it('returns f·N items with Horvitz–Thompson weights that estimate N', () => {
    const input = small(7, 800);
    const r = weightedSampler.run(input, { fraction: 0.1, seed: 1 }, { rng: createRng(1) });
    expect(r.members.length).toBe(80);
    expect(r.weights!.length).toBe(80);
    for (const w of r.weights!) expect(w).toBeGreaterThanOrEqual(1);
    // Σ 1/π over the sample is an unbiased estimate of N; average over seeds.
    let est = 0;
    for (let s = 0; s < 10; s++) est += weightedSampler.run(input, { fraction: 0.1, seed: s }, { rng: createRng(s) }).weights!.reduce((a, b) => a + b, 0);
    expect(est / 10).toBeGreaterThan(800 * 0.8);
    expect(est / 10).toBeLessThan(800 * 1.2);
    expect(r.diagnostics.ratioCap).toBe(100);
    expect(() => weightedSampler.run(input, { fraction: 0.1, seed: 1, ratioCap: 0.5 }, { rng: createRng(1) })).toThrow(/ratioCap must be a finite number > 1/);
  });
});

describe('weighted per-group allocation', () => {
  it('draws round(f·|group|) per group (largest remainder) with in-group weights summing to ≈ the group', () => {
    const rng = createRng(2);
    const n = 300, groups = 3;
    const group = Int32Array.from({ length: n }, (_, i) => (i < 40 ? 0 : i < 140 ? 1 : 2));
    const logRatio = Float64Array.from({ length: n }, () => rng.normal() * 2);
    const r = weightedDrawPerGroup(group, logRatio, groups, 30, 100, createRng(1));
    expect(r.members.length).toBe(30);
    const want = largestRemainder([40, 100, 160], 30);
    const got = [0, 0, 0];
    const wsum = [0, 0, 0];
    r.members.forEach((i, t) => { got[group[i]]++; wsum[group[i]] += r.weights[t]; });
    expect(got).toEqual(Array.from(want));
    for (let t = 1; t < r.members.length; t++) expect(r.members[t]).toBeGreaterThan(r.members[t - 1]);
    // Each weight is 1/π within its group, π ≤ 1.
    for (const w of r.weights) expect(w).toBeGreaterThanOrEqual(1);
  });
  it('is selected by the sampler parameter and validated', () => {
    const input = small(7, 600);
    const r = weightedSampler.run(input, { fraction: 0.1, seed: 1, weightedAllocation: 'per-group' }, { rng: createRng(1) });
    expect(r.members.length).toBe(60);
    expect(r.params.allocation).toBe('per-group');
    expect(() => weightedSampler.run(input, { fraction: 0.1, seed: 1, weightedAllocation: 'x' as 'global' }, { rng: createRng(1) })).toThrow(/weightedAllocation must be 'global' or 'per-group'/);
  });
  it('is the default (measured better on three models); global stays available and draws other members', () => {
    const input = small(7, 600);
    const byDefault = weightedSampler.run(input, { fraction: 0.1, seed: 1 }, { rng: createRng(1) });
    const perGroup = weightedSampler.run(input, { fraction: 0.1, seed: 1, weightedAllocation: 'per-group' }, { rng: createRng(1) });
    const global = weightedSampler.run(input, { fraction: 0.1, seed: 1, weightedAllocation: 'global' }, { rng: createRng(1) });
    expect(byDefault.params.allocation).toBe('per-group');
    expect(Array.from(byDefault.members)).toEqual(Array.from(perGroup.members));
    expect(global.params.allocation).toBe('global');
    expect(global.members.length).toBe(60);
    expect(Array.from(global.members)).not.toEqual(Array.from(perGroup.members));
  });
});
