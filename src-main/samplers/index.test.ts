import { describe, it, expect } from 'vitest';
import { MarginError } from '../shared/errors.ts';
import { runSampler, SAMPLERS, SAMPLER_METHODS } from './index.ts';
import type { SamplerInput, SamplerMethod } from './types.ts';
import { small } from './test-data.ts';

const input = small(3, 450);

function expectBadInput(fn: () => unknown, re: RegExp): void {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(MarginError);
    expect((e as MarginError).code).toBe('BAD_INPUT');
    expect((e as Error).message).toMatch(re);
    return;
  }
  throw new Error('expected a BAD_INPUT error');
}

describe('registry', () => {
  it('has every method, keyed by its own name', () => {
    expect([...SAMPLER_METHODS].sort()).toEqual(
      ['boundary-tree', 'gmm-full', 'gmm-spherical', 'latent-grid', 'maxmargin', 'query-strata', 'stratified', 'uniform', 'vas', 'weighted'],
    );
    for (const m of SAMPLER_METHODS) expect(SAMPLERS[m].method).toBe(m);
  });
});

describe('runSampler on every method', () => {
  for (const m of SAMPLER_METHODS) {
    it(`${m}: sorted distinct in-range members, deterministic for a seed, timed by the injected clock`, () => {
      let t = 1000;
      const now = () => (t += 250);
      const a = runSampler(m, input, { fraction: 0.1, seed: 7 }, { now });
      const b = runSampler(m, input, { fraction: 0.1, seed: 7 });
      expect(a.method).toBe(m);
      expect(a.seconds).toBeCloseTo(0.25, 9);
      expect(Array.from(a.members)).toEqual(Array.from(b.members));
      for (let i = 1; i < a.members.length; i++) expect(a.members[i]).toBeGreaterThan(a.members[i - 1]);
      expect(a.members[0]).toBeGreaterThanOrEqual(0);
      expect(a.members[a.members.length - 1]).toBeLessThan(450);
      if (SAMPLERS[m].usesFraction && m !== 'latent-grid') expect(a.members.length).toBe(45);
      if (a.weights) expect(a.weights.length).toBe(a.members.length);
      expect(a.params.seed).toBe(7);
    });
  }
  it('randomised samplers give different samples for different seeds', () => {
    for (const m of ['uniform', 'stratified', 'latent-grid', 'vas', 'boundary-tree', 'weighted'] as SamplerMethod[]) {
      const a = runSampler(m, input, { fraction: 0.1, seed: 1 });
      const b = runSampler(m, input, { fraction: 0.1, seed: 2 });
      expect(Array.from(a.members), m).not.toEqual(Array.from(b.members));
    }
  });
  it('reports progress and honours an aborted signal', () => {
    const seen: number[] = [];
    runSampler('gmm-spherical', input, { fraction: 0.1, seed: 1 }, { onProgress: (d) => seen.push(d) });
    expect(seen.length).toBeGreaterThan(0);
    const ac = new AbortController();
    ac.abort();
    expect(() => runSampler('vas', input, { fraction: 0.1, seed: 1 }, { signal: ac.signal })).toThrow(/cancelled/);
  });
});

describe('validation', () => {
  const p = { fraction: 0.1, seed: 1 };
  const withLatent = (data: Float32Array, rows: number, cols: number, t: number[], k = 2): SamplerInput => ({
    latent: { rows, cols, data }, trueLabels: Int32Array.from(t), predLabels: Int32Array.from(t), numClasses: k,
  });
  it('rejects bad fraction, j, method and seed', () => {
    expectBadInput(() => runSampler('uniform', input, { fraction: 0, seed: 1 }), /^fraction must be in \(0, 1\], got 0$/);
    expectBadInput(() => runSampler('uniform', input, { fraction: 1.5, seed: 1 }), /fraction must be in \(0, 1\], got 1.5/);
    expectBadInput(() => runSampler('uniform', input, { fraction: NaN, seed: 1 }), /fraction must be in \(0, 1\], got NaN/);
    expectBadInput(() => runSampler('gmm-full', input, { fraction: 0.1, j: -0.1, seed: 1 }), /^j must be in \[0, 1\], got -0.1$/);
    expectBadInput(() => runSampler('nope' as SamplerMethod, input, p), /method must be one of uniform, .* got nope/);
    expectBadInput(() => runSampler('uniform', input, { fraction: 0.1, seed: Infinity }), /seed must be a finite number/);
    expectBadInput(() => runSampler('boundary-tree', input, { ...p, maxChildren: 0 }), /maxChildren must be an integer ≥ 1, got 0/);
  });
  it('rejects empty input', () => {
    expectBadInput(() => runSampler('uniform', withLatent(new Float32Array(0), 0, 3, []), p), /latent is empty \(0 rows\)/);
  });
  it('rejects mismatched lengths', () => {
    const bad = { ...input, trueLabels: input.trueLabels.subarray(1) };
    expectBadInput(() => runSampler('uniform', bad, p), /latent has 450 rows but trueLabels has 449 entries/);
    const bad2 = { ...input, predLabels: input.predLabels.subarray(2) };
    expectBadInput(() => runSampler('uniform', bad2, p), /latent has 450 rows but predLabels has 448 entries/);
  });
  it('rejects fewer items than classes, one class, labels out of range', () => {
    expectBadInput(() => runSampler('uniform', withLatent(new Float32Array(2), 2, 1, [0, 1], 3), p), /only 2 items for 3 classes/);
    expectBadInput(() => runSampler('uniform', withLatent(new Float32Array(3), 3, 1, [1, 1, 1]), p), /trueLabels contain only one class \(1\)/);
    expectBadInput(() => runSampler('uniform', withLatent(new Float32Array(3), 3, 1, [0, 1, 2]), p), /trueLabels\[2\] = 2 is outside \[0, numClasses\) = \[0, 2\)/);
    const neg = { ...withLatent(new Float32Array(3), 3, 1, [0, 1, 0]), predLabels: Int32Array.from([0, -1, 0]) };
    expectBadInput(() => runSampler('uniform', neg, p), /predLabels\[1\] = -1 is outside/);
  });
  it('names the row holding NaN or Infinity', () => {
    const data = new Float32Array(8);
    data[5] = NaN;
    expectBadInput(() => runSampler('uniform', withLatent(data, 4, 2, [0, 1, 0, 1]), p), /latent row 2 column 1 is NaN/);
    data[5] = 0; data[6] = Infinity;
    expectBadInput(() => runSampler('gmm-full', withLatent(data, 4, 2, [0, 1, 0, 1]), p), /latent row 3 column 0 is Infinity/);
  });
});
