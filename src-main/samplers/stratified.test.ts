import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { stratifiedSampler } from './stratified.ts';
import { uniformSampler } from './uniform.ts';
import { small } from './test-data.ts';

const input = small(5, 900);
const k = input.numClasses;

describe('uniform', () => {
  it('takes round(f·N) distinct items', () => {
    for (const f of [0.01, 0.05, 0.333, 1]) {
      const r = uniformSampler.run(input, { fraction: f, seed: 1 }, { rng: createRng(1) });
      expect(r.members.length).toBe(Math.round(f * 900));
      expect(new Set(r.members).size).toBe(r.members.length);
    }
  });
});

describe('stratified by confusion matrix', () => {
  it('allocates within one item of proportional per (true, predicted) cell, total round(f·N)', () => {
    const f = 0.13;
    const r = stratifiedSampler.run(input, { fraction: f, seed: 2 }, { rng: createRng(2) });
    expect(r.members.length).toBe(Math.round(f * 900));
    const full = new Float64Array(k * k), got = new Float64Array(k * k);
    for (let i = 0; i < 900; i++) full[input.trueLabels[i] * k + input.predLabels[i]]++;
    for (const i of r.members) got[input.trueLabels[i] * k + input.predLabels[i]]++;
    for (let c = 0; c < k * k; c++) expect(Math.abs(got[c] - (full[c] * r.members.length) / 900)).toBeLessThan(1);
  });
  it('f = 1 returns everything', () => {
    const r = stratifiedSampler.run(input, { fraction: 1, seed: 2 }, { rng: createRng(2) });
    expect(r.members.length).toBe(900);
  });
});
