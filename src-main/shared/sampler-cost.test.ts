import { describe, it, expect } from 'vitest';
import { estimateSamplerCost, type CostModel } from './sampler-cost.ts';
import measured from '../samplers/cost-model.json';

const model: CostModel = {
  fraction: 0.05,
  measured: '2026-01-01',
  methods: {
    quad: { points: [{ n: 1_000, d: 84, seconds: 1, peakMB: 100 }, { n: 10_000, d: 84, seconds: 100, peakMB: 200 }, { n: 1_000, d: 512, seconds: 5, peakMB: 300 }], exponentD: 1 },
    vas: { points: [{ n: 1_000, d: 84, seconds: 2, peakMB: 100 }, { n: 10_000, d: 84, seconds: 20, peakMB: 100 }] },
  },
};

describe('estimateSamplerCost', () => {
  it('reproduces the measured points and interpolates log-log between them', () => {
    expect(estimateSamplerCost(model, 'quad', 1_000, 84, 0.05)!.seconds).toBeCloseTo(1, 9);
    expect(estimateSamplerCost(model, 'quad', 10_000, 84, 0.05)!.seconds).toBeCloseTo(100, 9);
    expect(estimateSamplerCost(model, 'quad', 3_000, 84, 0.05)!.seconds).toBeCloseTo(9, 9); // exponent 2
    expect(estimateSamplerCost(model, 'quad', 100_000, 84, 0.05)!.seconds).toBeCloseTo(10_000, 6); // extrapolated
  });
  it('scales with d by the dimension exponent and VAS with the fraction', () => {
    expect(estimateSamplerCost(model, 'quad', 1_000, 168, 0.05)!.seconds).toBeCloseTo(2, 9);
    expect(estimateSamplerCost(model, 'vas', 1_000, 84, 0.5)!.seconds).toBeCloseTo(20, 9);
    expect(estimateSamplerCost(model, 'quad', 1_000, 84, 0.5)!.seconds).toBeCloseTo(1, 9);
  });
  it('is null for an unknown method or a checkpoint without latents', () => {
    expect(estimateSamplerCost(model, 'nope', 1_000, 84, 0.05)).toBeNull();
    expect(estimateSamplerCost(model, 'quad', 0, 84, 0.05)).toBeNull();
  });
  it('the committed model (bench:samplers --scale --cost-model) covers every sampler with increasing time in N', () => {
    const m = measured as CostModel;
    for (const method of ['uniform', 'stratified', 'latent-grid', 'vas', 'boundary-tree', 'gmm-full', 'gmm-spherical', 'maxmargin', 'weighted']) {
      const small = estimateSamplerCost(m, method, 10_000, 84, 0.05), big = estimateSamplerCost(m, method, 1_000_000, 84, 0.05);
      expect(small, method).not.toBeNull();
      expect(big!.seconds).toBeGreaterThanOrEqual(small!.seconds);
    }
  });
});
