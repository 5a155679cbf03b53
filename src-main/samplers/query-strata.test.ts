import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { runSampler } from './index.ts';
import { queryStrataSample, waterFill } from './query-strata.ts';
import { small } from './test-data.ts';
import type { SamplerInput } from './types.ts';

/** Strata sizes g = true·2 + correct of an input, counted directly. */
function strata(input: SamplerInput): Int32Array {
  const s = new Int32Array(input.numClasses * 2);
  for (let i = 0; i < input.trueLabels.length; i++) s[input.trueLabels[i] * 2 + (input.trueLabels[i] === input.predLabels[i] ? 1 : 0)]++;
  return s;
}

describe('waterFill', () => {
  it('gives equal shares up to the caps and the rest to the unsaturated groups', () => {
    // Equal weights, 10 units; group 0 can take only 1 → the other three share 9.
    expect(Array.from(waterFill([1, 1, 1, 1], [1, 100, 100, 100], 10))).toEqual([1, 3, 3, 3]);
    // Weights 2:1, nothing saturated: 6 units → 4 and 2.
    expect(Array.from(waterFill([2, 1], [100, 100], 6))).toEqual([4, 2]);
    // More units than capacity: everything.
    expect(Array.from(waterFill([1, 1], [2, 3], 10))).toEqual([2, 3]);
  });
  it('always sums to min(total, Σ caps) and respects every cap', () => {
    const rng = createRng(5);
    for (let r = 0; r < 200; r++) {
      const g = 1 + rng.int(12);
      const w = Array.from({ length: g }, () => rng.next() * 3);
      const caps = Array.from({ length: g }, () => rng.int(50));
      const total = rng.int(300);
      const out = waterFill(w, caps, total);
      const capSum = caps.reduce((a, b) => a + b, 0);
      expect(out.reduce((a, b) => a + b, 0)).toBe(Math.min(total, capSum));
      out.forEach((v, i) => { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(caps[i]); });
    }
  });
});

describe('query-strata sampler', () => {
  const input = small(3, 900);
  const sizes = strata(input);

  it('returns round(f·N) distinct sorted members and covers every non-empty (true class × correct) stratum', () => {
    const r = runSampler('query-strata', input, { fraction: 0.05, seed: 2 });
    expect(r.members.length).toBe(45);
    expect(new Set(r.members).size).toBe(45);
    for (let i = 1; i < r.members.length; i++) expect(r.members[i]).toBeGreaterThan(r.members[i - 1]);
    const got = new Int32Array(sizes.length);
    for (const i of r.members) got[input.trueLabels[i] * 2 + (input.trueLabels[i] === input.predLabels[i] ? 1 : 0)]++;
    sizes.forEach((s, g) => { if (s > 0) expect(got[g]).toBeGreaterThan(0); });
    expect(r.diagnostics.strata).toBe(Array.from(sizes).filter((s) => s > 0).length);
  });

  it('allocation sums to the sample size, follows N_g^p and gives small strata more than their share', () => {
    const rng = createRng(1);
    const r = queryStrataSample(input, 90, rng);
    expect(r.allocation.reduce((a, b) => a + b, 0)).toBe(90);
    expect(Array.from(r.strataSizes)).toEqual(Array.from(sizes));
    for (let g = 0; g < sizes.length; g++) expect(r.allocation[g]).toBeLessThanOrEqual(sizes[g]);
    // p = −0.25: a smaller stratum never gets fewer items than a larger one (unless taken whole).
    for (let a = 0; a < sizes.length; a++) for (let b = 0; b < sizes.length; b++) {
      if (sizes[a] > 0 && sizes[a] < sizes[b] && r.allocation[a] < sizes[a]) expect(r.allocation[a]).toBeGreaterThanOrEqual(r.allocation[b]);
    }
    // Proportional (p = 1) gives the incorrect strata far less.
    const prop = queryStrataSample(input, 90, createRng(1), { allocationPower: 1 });
    const incorrect = (a: Int32Array) => a.reduce((s, v, g) => s + ((g & 1) === 0 ? v : 0), 0);
    expect(incorrect(r.allocation)).toBeGreaterThan(incorrect(prop.allocation));
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = runSampler('query-strata', input, { fraction: 0.1, seed: 4 });
    const b = runSampler('query-strata', input, { fraction: 0.1, seed: 4 });
    const c = runSampler('query-strata', input, { fraction: 0.1, seed: 5 });
    expect(Array.from(a.members)).toEqual(Array.from(b.members));
    expect(Array.from(a.weights!)).toEqual(Array.from(b.weights!));
    expect(Array.from(a.members)).not.toEqual(Array.from(c.members));
  });

  it('weights are 1/π of the stratified design: they sum to N', () => {
    for (const stratifyBy of ['confidence', 'random'] as const) {
      const r = runSampler('query-strata', input, { fraction: 0.1, seed: 1, stratifyBy });
      expect(r.weights!.reduce((s, w) => s + w, 0)).toBeCloseTo(900, 9);
    }
  });

  it('balancing brings each stratum\'s latent mean closer to the full stratum\'s', () => {
    const d = input.latent.cols, x = input.latent.data;
    const err = (members: Int32Array) => {
      let e = 0;
      for (let g = 0; g < sizes.length; g++) {
        const inG = (i: number) => input.trueLabels[i] * 2 + (input.trueLabels[i] === input.predLabels[i] ? 1 : 0) === g;
        const mean = (rows: number[]) => { const m = new Float64Array(d); rows.forEach((i) => { for (let a = 0; a < d; a++) m[a] += x[i * d + a] / rows.length; }); return m; };
        const all = Array.from({ length: input.trueLabels.length }, (_, i) => i).filter(inG);
        const sub = Array.from(members).filter(inG);
        if (sub.length === 0) continue;
        const u = mean(all), v = mean(sub);
        for (let a = 0; a < d; a++) e += (u[a] - v[a]) ** 2;
      }
      return e;
    };
    let plain = 0, balanced = 0;
    for (let s = 0; s < 5; s++) {
      plain += err(runSampler('query-strata', input, { fraction: 0.05, seed: s, balanceDraws: 1 }).members);
      balanced += err(runSampler('query-strata', input, { fraction: 0.05, seed: s }).members);
    }
    expect(balanced).toBeLessThan(plain / 2);
  });

  it('uses the model probabilities when given, a nearest-class-mean confidence otherwise', () => {
    const k = input.numClasses, n = input.trueLabels.length;
    const probs = new Float32Array(n * k).fill(1 / k);
    const withProbs = runSampler('query-strata', { ...input, probabilities: { rows: n, cols: k, data: probs } }, { fraction: 0.05, seed: 1 });
    expect(withProbs.diagnostics.confidence).toBe('model');
    expect(runSampler('query-strata', input, { fraction: 0.05, seed: 1 }).diagnostics.confidence).toBe('nearest-class-mean');
    expect(() => runSampler('query-strata', { ...input, probabilities: { rows: n, cols: k - 1, data: probs } }, { fraction: 0.05, seed: 1 }))
      .toThrow(/probabilities must be 900 × 3/);
  });

  it('covers the smallest strata first when the sample is smaller than the number of strata', () => {
    const r = queryStrataSample(input, 2, createRng(1));
    expect(r.members.length).toBe(2);
    const nonEmpty = Array.from(sizes.entries()).filter(([, s]) => s > 0).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    expect(r.allocation[nonEmpty[0][0]]).toBe(1);
    expect(r.allocation[nonEmpty[1][0]]).toBe(1);
  });

  it('rejects bad parameters with a message naming them', () => {
    expect(() => runSampler('query-strata', input, { fraction: 0.05, seed: 1, allocationPower: 3 })).toThrow(/allocationPower must be a number in \[-2, 1\]/);
    expect(() => runSampler('query-strata', input, { fraction: 0.05, seed: 1, balanceDraws: 0 })).toThrow(/balanceDraws must be an integer from 1 to 10000/);
    expect(() => runSampler('query-strata', input, { fraction: 0.05, seed: 1, stratifyBy: 'x' as 'random' })).toThrow(/stratifyBy must be 'confidence' or 'random'/);
  });
});
