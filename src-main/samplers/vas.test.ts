import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { uniformSampler } from './uniform.ts';
import { pairwiseBandwidth, spacingBandwidth, vasSampler } from './vas.ts';
import { directGeometry } from './vas-geometry.ts';
import { shuffleInPlace } from '../core/rng.ts';
import { small } from './test-data.ts';

/** Σ_{p<q} exp(−‖s_p − s_q‖²/(2σ²)) — the loss VAS minimises. */
function loss(data: Float32Array, d: number, m: Int32Array, sigma: number): number {
  let s = 0;
  for (let p = 0; p < m.length; p++) for (let q = p + 1; q < m.length; q++) {
    let d2 = 0;
    for (let a = 0; a < d; a++) { const t = data[m[p] * d + a] - data[m[q] * d + a]; d2 += t * t; }
    s += Math.exp(-d2 / (2 * sigma * sigma));
  }
  return s;
}

describe('vas', () => {
  const input = small(4, 800);
  it('returns round(f·N) items whose kernel loss is far below a uniform sample of the same size', () => {
    const r = vasSampler.run(input, { fraction: 0.05, seed: 1 }, { rng: createRng(1) });
    expect(r.members.length).toBe(40);
    const sigma = r.diagnostics.bandwidth as number;
    expect(sigma).toBeGreaterThan(0);
    const own = loss(input.latent.data, 8, r.members, sigma);
    expect(own).toBeCloseTo(r.diagnostics.loss as number, 6); // incremental bookkeeping is exact
    let uni = 0;
    for (let s = 0; s < 5; s++) uni += loss(input.latent.data, 8, uniformSampler.run(input, { fraction: 0.05, seed: s }, { rng: createRng(s) }).members, sigma);
    expect(own).toBeLessThan(0.5 * (uni / 5));
  });
  it('keeps its bookkeeping exact at a large fraction (no kernel table: rows are recomputed on a swap)', () => {
    const r = vasSampler.run(input, { fraction: 0.8, seed: 2 }, { rng: createRng(2) });
    expect(r.members.length).toBe(640);
    expect(new Set(r.members).size).toBe(640);
    expect(r.diagnostics.swaps).toBeGreaterThan(0);
    expect(loss(input.latent.data, 8, r.members, r.diagnostics.bandwidth as number)).toBeCloseTo(r.diagnostics.loss as number, 4);
  });
  it('respects an explicit bandwidth', () => {
    const r = vasSampler.run(input, { fraction: 0.05, seed: 1, bandwidth: 2.5 }, { rng: createRng(1) });
    expect(r.diagnostics.bandwidth).toBe(2.5);
  });
  it("records an explicit bandwidth's rule as 'explicit'", () => {
    const r = vasSampler.run(input, { fraction: 0.05, seed: 1, bandwidth: 2.5 }, { rng: createRng(1) });
    expect(r.params.bandwidthRule).toBe('explicit');
  });
  it("bandwidthRule 'median-pairwise' uses the median distance between reservoir members (wider than median-nn)", () => {
    const nn = vasSampler.run(input, { fraction: 0.05, seed: 1 }, { rng: createRng(1) });
    const pw = vasSampler.run(input, { fraction: 0.05, seed: 1, bandwidthRule: 'median-pairwise' }, { rng: createRng(1) });
    expect(nn.params.bandwidthRule).toBe('median-nn');
    expect(pw.params.bandwidthRule).toBe('median-pairwise');
    // The same seed gives the same initial reservoir: recompute both rules on it by brute force.
    const order = shuffleInPlace(Int32Array.from({ length: 800 }, (_, i) => i), createRng(1));
    const res = order.slice(0, 40);
    const dist = (p: number, q: number) => {
      let s = 0;
      for (let a = 0; a < 8; a++) { const t = input.latent.data[p * 8 + a] - input.latent.data[q * 8 + a]; s += t * t; }
      return Math.sqrt(s);
    };
    const pairs: number[] = [], nearest: number[] = [];
    for (let p = 0; p < 40; p++) {
      let best = Infinity;
      for (let q = 0; q < 40; q++) if (q !== p) { pairs.push(dist(res[p], res[q])); best = Math.min(best, dist(res[p], res[q])); }
      nearest.push(best);
    }
    pairs.sort((a, b) => a - b); nearest.sort((a, b) => a - b);
    expect(pw.diagnostics.bandwidth).toBeCloseTo(pairs[pairs.length >> 1], 4);
    expect(nn.diagnostics.bandwidth).toBeCloseTo(nearest[20], 4);
    expect(pw.diagnostics.bandwidth as number).toBeGreaterThan(nn.diagnostics.bandwidth as number);
    expect(pw.members.length).toBe(40);
    expect(new Set(pw.members).size).toBe(40);
    expect(pairwiseBandwidth(directGeometry(input.latent), res)).toBe(pw.diagnostics.bandwidth);
    expect(spacingBandwidth(directGeometry(input.latent), res)).toBe(nn.diagnostics.bandwidth);
  });
  it('refuses a bandwidth together with a rule', () => {
    expect(() => vasSampler.run(input, { fraction: 0.05, seed: 1, bandwidth: 2, bandwidthRule: 'median-nn' }, { rng: createRng(1) }))
      .toThrow(/bandwidth and bandwidthRule/);
  });
});
