import { describe, it, expect } from 'vitest';
import { MarginError } from '../shared/errors.ts';
import { runSampler, SAMPLER_METHODS } from '../samplers/index.ts';
import { DEFAULT_K, runE1, runE2, runE3, runE4, runTable4, SampleSource } from './index.ts';
import { scoreSample } from '../queries/index.ts';
import { exactAnswers, samplerInput } from './scoring.ts';
import { PAPER_READING } from '../shared/sampler-variants.ts';
import { makeExperimentData } from './synthetic.ts';

const data = makeExperimentData({ n: 400, d: 6, k: 3, seed: 5, widths: [24, 12] });
const fast = { seeds: 2, fractions: [0.1, 0.5], ks: [1, 5, 10], js: [0, 1] };

function expectError(fn: () => unknown, code: string, re: RegExp): void {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(MarginError);
    expect((e as MarginError).code).toBe(code);
    expect((e as Error).message).toMatch(re);
    return;
  }
  throw new Error(`expected a ${code} error`);
}

describe('runE1', () => {
  const rows = runE1(data, fast);
  it('one row per (randomised sampler × fraction × seed), per (deterministic × fraction), one boundary tree', () => {
    // 6 randomised (query-strata included) × 2 fractions × 2 seeds + 3 deterministic × 2 fractions + 1 boundary tree.
    expect(rows.length).toBe(6 * 2 * 2 + 3 * 2 + 1);
    expect(new Set(rows.map((r) => r.method))).toEqual(new Set(SAMPLER_METHODS));
    for (const r of rows) {
      expect(r.s1).toBeGreaterThanOrEqual(0); expect(r.s1).toBeLessThanOrEqual(1);
      expect(r.s2).toBeGreaterThanOrEqual(0); expect(r.s2).toBeLessThanOrEqual(1);
      expect(r.s3).toBeGreaterThanOrEqual(0); expect(r.s3).toBeLessThanOrEqual(1);
      if (r.method !== 'boundary-tree') expect(r.size).toBe(Math.round(r.fraction * 400));
    }
    const bt = rows.filter((r) => r.method === 'boundary-tree');
    expect(bt).toHaveLength(1);
    expect(bt[0].fraction).toBeCloseTo(bt[0].size! / 400, 12);
  });
  it('is deterministic for fixed seeds', () => {
    expect(runE1(data, fast)).toEqual(rows);
  });
  it('fraction 1.0 gives S1 = 1 and S2 = S3 = 0 for every fraction-driven sampler (the paper\'s sanity check)', () => {
    const full = runE1(data, { seeds: 1, fractions: [1] }).filter((r) => r.method !== 'boundary-tree');
    expect(full).toHaveLength(9);
    for (const r of full) {
      expect(r.size).toBe(400);
      expect(r.s1).toBe(1);
      expect(r.s2).toBeLessThan(1e-9);
      expect(r.s3).toBeLessThan(1e-6);
    }
  });
  it('reports progress up to the total', () => {
    const seen: Array<[number, number]> = [];
    runE1(data, { ...fast, seeds: 1, fractions: [0.1], onProgress: (d, t) => seen.push([d, t]) });
    const last = seen[seen.length - 1];
    expect(last[0]).toBe(last[1]);
    expect(seen.every(([d], i) => i === 0 || d === seen[i - 1][0] + 1)).toBe(true);
  });
});

describe('cancellation', () => {
  it('an aborted signal stops every experiment with CANCELLED', () => {
    const ac = new AbortController();
    ac.abort();
    for (const run of [runE1, runE2, runE3, runE4, runTable4]) {
      expectError(() => run(data, { ...fast, signal: ac.signal }), 'CANCELLED', /cancelled/);
    }
  });
  it('aborting mid-run (from a progress callback) stops the run', () => {
    const ac = new AbortController();
    let calls = 0;
    expectError(() => runE1(data, { ...fast, signal: ac.signal, onProgress: () => { if (++calls === 3) ac.abort(); } }),
      'CANCELLED', /experiment E1 was cancelled/);
    expect(calls).toBe(3);
  });
});

describe('runE2', () => {
  it('one row per (sampler × K), precision in [0, 1], deterministic', () => {
    const rows = runE2(data, fast);
    expect(rows).toHaveLength(SAMPLER_METHODS.length * 3);
    for (const r of rows) { expect(r.precision).toBeGreaterThanOrEqual(0); expect(r.precision).toBeLessThanOrEqual(1); }
    expect(runE2(data, fast)).toEqual(rows);
  });
});

describe('runE3', () => {
  it('three methods × js, plain and weighted; weighted is flat in j', () => {
    const rows = runE3(data, fast);
    expect(rows).toHaveLength(3 * 2 * 2 + 2);
    // Margin's own sampler takes no j: one seed-averaged reference value repeated at each j.
    const qs = rows.filter((r) => r.method === 'query-strata');
    expect(qs.map((r) => [r.j, r.reference])).toEqual([[0, true], [1, true]]);
    expect(qs[0].s1).toBe(qs[1].s1);
    // …equal to the mean over seeds of runSampler's own 5 % samples.
    const fromSeeds = Array.from({ length: fast.seeds }, (_, seed) => scoreSample(exactAnswers(data), runSampler('query-strata', samplerInput(data), { fraction: 0.05, seed }).members, { k: DEFAULT_K }).s1);
    expect(qs[0].s1).toBeCloseTo(fromSeeds.reduce((a, b) => a + b, 0) / fast.seeds, 12);
    for (const m of ['gmm-full', 'gmm-spherical', 'maxmargin']) {
      const w = rows.filter((r) => r.method === m && r.weighted);
      expect(w.map((r) => r.j)).toEqual([0, 1]);
      expect(w[0].s1).toBe(w[1].s1);
      expect(rows.filter((r) => r.method === m && !r.weighted)).toHaveLength(2);
    }
    expect(runE3(data, fast)).toEqual(rows);
  });
});

describe('runE4', () => {
  it('median of 3 runs on the injected clock, one row per sampler', () => {
    let t = 0;
    const rows = runE4(data, { now: () => (t += 250) });
    expect(rows).toHaveLength(SAMPLER_METHODS.length);
    for (const r of rows) { expect(r.seconds).toBeCloseTo(0.25, 12); expect(r.size).toBeGreaterThan(0); }
  });
});

describe('runTable4', () => {
  it("an 'all' row, then one per sampler; counts add up", () => {
    const rows = runTable4(data, fast);
    expect(rows[0].method).toBe('all');
    expect(rows[0].size).toBe(400);
    expect(rows).toHaveLength(SAMPLER_METHODS.length + 1);
    for (const r of rows) expect(r.correct + r.incorrect).toBe(r.size);
  });
  it('MaxMargin picks more misclassified items than uniform when errors sit on the boundaries', () => {
    const d = makeExperimentData({ n: 2000, d: 8, k: 4, seed: 9, widths: [8], wrongFraction: 0.05 });
    const rows = runTable4(d, {});
    const by = (m: string) => rows.find((r) => r.method === m)!;
    const share = (m: string) => by(m).incorrect / by(m).size;
    expect(share('maxmargin')).toBeGreaterThan(1.5 * share('uniform'));
    expect(share('uniform')).toBeGreaterThan(0);
  });
});

describe('SampleSource', () => {
  it('a fitted sampler selects exactly what runSampler returns at seed 0', () => {
    const input = samplerInput(data);
    const src = new SampleSource(input);
    for (const m of ['gmm-full', 'gmm-spherical', 'maxmargin'] as const) {
      for (const j of [0, 0.7]) {
        expect(src.members(m, 0.2, 0, j)).toEqual(runSampler(m, input, { fraction: 0.2, j, seed: 0 }).members);
      }
    }
  });
  it('VAS on the precomputed distance table selects exactly what runSampler returns for every seed', () => {
    const input = samplerInput(data);
    const src = new SampleSource(input);
    for (const [fraction, seed] of [[0.1, 0], [0.1, 3], [0.8, 1]] as const) {
      expect(src.members('vas', fraction, seed)).toEqual(runSampler('vas', input, { fraction, seed }).members);
    }
  });
  it('sampler options (the paper\'s reading) reach every path and select what runSampler does with them', () => {
    const input = samplerInput(data);
    const src = new SampleSource(input, undefined, PAPER_READING);
    const plain = new SampleSource(input);
    for (const j of [0, 0.7]) {
      expect(src.members('maxmargin', 0.2, 0, j)).toEqual(runSampler('maxmargin', input, { ...PAPER_READING.maxmargin, fraction: 0.2, j, seed: 0 }).members);
    }
    expect(src.members('gmm-full', 0.2, 0, 0.7)).toEqual(runSampler('gmm-full', input, { ...PAPER_READING['gmm-full'], fraction: 0.2, j: 0.7, seed: 0 }).members);
    for (const [fraction, seed] of [[0.1, 0], [0.1, 3]] as const) {
      expect(src.members('vas', fraction, seed)).toEqual(runSampler('vas', input, { ...PAPER_READING.vas, fraction, seed }).members);
      expect(src.members('latent-grid', fraction, seed)).toEqual(runSampler('latent-grid', input, { ...PAPER_READING['latent-grid'], fraction, seed }).members);
    }
    // The options change the samples (else the comparison would be empty).
    expect(src.members('vas', 0.1, 0)).not.toEqual(plain.members('vas', 0.1, 0));
    expect(src.members('maxmargin', 0.2, 0)).not.toEqual(plain.members('maxmargin', 0.2, 0));
    // Weighted per group: round(f·|group|) members in every SVM-predicted group of its fit.
    const { group } = src.ratios('weighted');
    const members = src.members('weighted', 0.25, 1);
    const count = (rows: ArrayLike<number>) => { const c = new Array(3).fill(0); for (let t = 0; t < rows.length; t++) c[group[rows[t]]]++; return c; };
    const all = count(Int32Array.from({ length: 400 }, (_, i) => i));
    count(members).forEach((c, g) => expect(Math.abs(c - 0.25 * all[g])).toBeLessThanOrEqual(1));
    expect(members.length).toBe(100);
  });
  it('runs with options give other rows than Margin\'s defaults, deterministically, and refuse options that do not apply', () => {
    const one = { ...fast, fractions: [0.1] };
    const paper = runE1(data, { ...one, samplerOptions: { vas: { bandwidthRule: 'median-pairwise' } } });
    const defaults = runE1(data, one);
    const s1 = (rows: typeof paper, m: string) => rows.filter((r) => r.method === m).map((r) => r.s1);
    expect(s1(paper, 'vas')).not.toEqual(s1(defaults, 'vas'));
    expect(s1(paper, 'uniform')).toEqual(s1(defaults, 'uniform'));
    expect(runE1(data, { ...one, samplerOptions: { vas: { bandwidthRule: 'median-pairwise' } } })).toEqual(paper);
    expectError(() => runE1(data, { ...one, samplerOptions: { vas: { svmC: 1 } } as never }), 'BAD_INPUT', /samplerOptions\.vas\.svmC: svmC does not apply to vas \(it applies to maxmargin, weighted\)/);
    expectError(() => runE1(data, { ...one, samplerOptions: { nope: {} } as never }), 'BAD_INPUT', /samplerOptions: unknown sampler "nope"/);
  });
});

describe('bad input', () => {
  it('names the argument and the problem', () => {
    expectError(() => runE1({ ...data, layers: [] }, fast), 'BAD_INPUT', /layers is empty/);
    expectError(() => runE1({ ...data, trueLabels: new Int32Array(3) }, fast), 'BAD_INPUT', /trueLabels must be an Int32Array with one label per latent row \(400\), got 3/);
    expectError(() => runE1(data, { ...fast, fractions: [0] }), 'BAD_INPUT', /fractions\[0\] = 0 is outside \(0, 1\]/);
    expectError(() => runE1(data, { ...fast, fractions: [] }), 'BAD_INPUT', /fractions must be a non-empty list/);
    expectError(() => runE2(data, { ...fast, ks: [0] }), 'BAD_INPUT', /ks\[0\] = 0/);
    expectError(() => runE3(data, { ...fast, js: [1.5] }), 'BAD_INPUT', /js\[0\] = 1.5 is outside \[0, 1\]/);
    expectError(() => runE1(data, { ...fast, seeds: 0 }), 'BAD_INPUT', /seeds must be a positive integer, got 0/);
    expectError(() => runE1(data, { ...fast, k: Number.NaN }), 'BAD_INPUT', /k must be a positive integer, got NaN/);
    const nan = Float32Array.from(data.latent.data); nan[7] = Number.NaN;
    expectError(() => runE1({ ...data, latent: { ...data.latent, data: nan } }, fast), 'BAD_INPUT', /NaN|not finite/);
    expectError(() => runE1({ ...data, latent: { rows: 0, cols: 6, data: new Float32Array(0) } }, fast), 'BAD_INPUT', /latent is empty/);
  });
});
