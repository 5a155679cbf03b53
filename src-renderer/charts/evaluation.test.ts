import { describe, it, expect } from 'vitest';
import type { EvaluationRunSummary } from '../../src-main/shared/api.ts';
import { methodColor, e3SeriesName, figure4Option, figure5Option, figure6Option, figure7Option, latestEvaluations, meanBy, MIN_SECONDS, parseEvaluation, table4View } from './evaluation.ts';

const run = (id: number, result: unknown): EvaluationRunSummary => ({ id, kind: 'evaluate', model: 'm', created: `2026-01-0${id}T00:00:00Z`, params: {}, result });
type Line = { name: string; data: Array<[number, number]>; lineStyle: { type: string } };

describe('parseEvaluation / latestEvaluations', () => {
  it('parses the agreed shapes and rejects others', () => {
    expect(parseEvaluation(run(1, { experiment: 'e2', rows: [{ method: 'uniform', k: 1, precision: 1 }] }))?.experiment).toBe('e2');
    expect(parseEvaluation(run(1, { experiment: 'e2', rows: [{ method: 'uniform', k: '1' }] }))).toBeNull();
    expect(parseEvaluation(run(1, null))).toBeNull();
  });
  it('keeps the newest run per experiment and counts unparsed runs', () => {
    const l = latestEvaluations([
      run(2, { experiment: 'e4', rows: [{ method: 'vas', seconds: 2, size: 5 }] }),
      run(1, { experiment: 'e4', rows: [{ method: 'vas', seconds: 9, size: 5 }] }),
      run(3, { something: 'else' }),
    ]);
    expect(l.e4).toEqual([{ method: 'vas', seconds: 2, size: 5 }]);
    expect(l.unparsed).toBe(1);
    expect(l.created.e4).toBe('2026-01-02T00:00:00Z');
    expect(latestEvaluations([])).toEqual({ unparsed: 0, created: {} });
  });
});

describe('figures', () => {
  const e1 = [
    { method: 'uniform', fraction: 0.1, seed: 1, size: 10, s1: 0.6, s2: 0.1, s3: 0.2 },
    { method: 'uniform', fraction: 0.1, seed: 2, size: 10, s1: 0.8, s2: 0.1, s3: 0.2 },
    { method: 'uniform', fraction: 0.05, seed: 1, size: 5, s1: 0.5, s2: 0.2, s3: 0.3 },
    { method: 'vas', fraction: 0.05, size: 5, s1: NaN, s2: 0.2, s3: 0.3 },
  ];
  it('Figure 4 averages seeds and orders by fraction, one line per method', () => {
    const series = figure4Option(e1, 's1').series as Line[];
    expect(series.map((s) => s.name)).toEqual(['uniform']); // vas has only a NaN s1
    expect(series[0].data[0]).toEqual([0.05, 0.5]);
    expect(series[0].data[1][1]).toBeCloseTo(0.7, 12);
    expect((figure4Option(e1, 's2').series as Line[]).map((s) => s.name)).toEqual(['uniform', 'vas']);
  });
  it('Figure 5 plots precision against K', () => {
    const o = figure5Option([{ method: 'maxmargin', k: 10, precision: 0.9 }, { method: 'maxmargin', k: 1, precision: 1 }]);
    expect((o.series as Line[])[0].data).toEqual([[1, 1], [10, 0.9]]);
  });
  it('Figure 6 draws weighted variants dashed', () => {
    const rows = [
      { method: 'gmm-full', j: 0, s1: 0.5, s2: 0.1, s3: 0.1 },
      { method: 'gmm-full', j: 0, s1: 0.4, s2: 0.1, s3: 0.1, weighted: true },
      { method: 'weighted', j: 0.5, s1: 0.4, s2: 0.1, s3: 0.1, weighted: true },
    ];
    expect(e3SeriesName(rows[1])).toBe('gmm-full (weighted)');
    const series = figure6Option(rows, 's1').series as Line[];
    const style = Object.fromEntries(series.map((s) => [s.name, s.lineStyle.type]));
    expect(style).toEqual({ 'gmm-full': 'solid', 'gmm-full (weighted)': 'dashed', weighted: 'dashed' });
  });
  it('Figure 6 draws a sampler without j (query-strata, reference rows) as its own dashed line in its own colour', () => {
    const rows = [
      { method: 'maxmargin', j: 0, s1: 0.5, s2: 0.1, s3: 0.1 },
      { method: 'query-strata', j: 0, s1: 0.8, s2: 0.1, s3: 0.1, reference: true },
      { method: 'query-strata', j: 1, s1: 0.8, s2: 0.1, s3: 0.1, reference: true },
    ];
    expect(e3SeriesName(rows[1])).toBe('query-strata (no j)');
    const series = figure6Option(rows, 's1').series as Line[];
    const qs = series.find((s) => s.name === 'query-strata (no j)')!;
    expect(qs.lineStyle.type).toBe('dashed');
    expect(qs.data).toEqual([[0, 0.8], [1, 0.8]]);
    expect(methodColor('query-strata (no j)')).toBe(methodColor('query-strata'));
  });
  it('Figure 7 uses a log y axis and keeps zero times visible', () => {
    const o = figure7Option([{ method: 'uniform', seconds: 0, size: 5 }, { method: 'vas', seconds: 12, size: 5 }]);
    expect((o.yAxis as { type: string }).type).toBe('log');
    expect((o.series as Array<{ data: Array<{ value: number }> }>)[0].data.map((d) => d.value)).toEqual([MIN_SECONDS, 12]);
  });
  it('Figure 7 bars grow from the decade below the fastest sampler, not from 1 s', () => {
    const o = figure7Option([{ method: 'uniform', seconds: 0.0023, size: 5 }, { method: 'vas', seconds: 2.5, size: 5 }]);
    const y = o.yAxis as { min: number; startValue: number };
    expect(y.startValue).toBeCloseTo(0.001, 12);
    expect(y.min).toBeCloseTo(0.001, 12);
    expect(figure7Option([]).yAxis).toMatchObject({ startValue: MIN_SECONDS });
  });
  it('drops the markers of long lines (Figure 5, K = 1…100)', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ method: 'uniform', k: i + 1, precision: 0.5 }));
    expect((figure5Option(rows).series as Array<{ showSymbol: boolean }>)[0].showSymbol).toBe(false);
    expect((figure5Option(rows.slice(0, 5)).series as Array<{ showSymbol: boolean }>)[0].showSymbol).toBe(true);
  });
  it('handles no rows', () => {
    expect(figure4Option([], 's1').series).toEqual([]);
    expect(meanBy([], () => '', () => 0, () => 0).size).toBe(0);
  });
});

describe('table4View', () => {
  it('averages repeats and computes the incorrect share', () => {
    const t = table4View([
      { method: 'uniform', correct: 90, incorrect: 10, size: 100 },
      { method: 'uniform', correct: 80, incorrect: 20, size: 100 },
      { method: 'empty', correct: 0, incorrect: 0, size: 0 },
    ]);
    expect(t[0]).toMatchObject({ method: 'uniform', correct: 85, incorrect: 15, incorrectShare: 0.15 });
    expect(t[1].incorrectShare).toBe(0);
  });
});

describe('methodColor', () => {
  it('gives each sampler a stable colour shared by its weighted variant', () => {
    expect(methodColor('maxmargin (weighted)')).toBe(methodColor('maxmargin'));
    expect(methodColor('uniform')).not.toBe(methodColor('stratified'));
    expect(methodColor('unknown-method')).toMatch(/^#[0-9a-f]{6}$/);
  });
});
