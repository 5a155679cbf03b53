import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { inclusionProbabilities, systematicSample, weightedSampler } from './weighted.ts';
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
