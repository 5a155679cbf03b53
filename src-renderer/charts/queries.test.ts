import { describe, it, expect } from 'vitest';
import type { QueryAnswer, QueryResult } from '../../src-main/shared/api.ts';
import { histogramMax, histogramOption, neuronFromClick, profileOption, sampleQuality, topKBarOption } from './queries.ts';

const base: QueryAnswer = { set: 'S1', layer: 'conv2', granularity: 'unit', subset: { outcome: 'incorrect' }, items: 40, shape: [2, 2, 3] };
type Bar = { name: string; data: Array<{ value: number | null; neuron: number; itemStyle?: { color: string } } | number> };

describe('topKBarOption', () => {
  const sample: QueryAnswer = { ...base, topK: [{ neuron: 5, score: 3 }, { neuron: 2, score: 2 }, { neuron: 9, score: 1 }] };
  const exact: QueryAnswer = { ...base, topK: [{ neuron: 5, score: 2.9 }, { neuron: 9, score: 1.4 }, { neuron: 0, score: 1.2 }] };
  it('draws one bar per top neuron with conv positions as labels', () => {
    const o = topKBarOption(sample);
    expect((o.xAxis as { data: string[] }).data).toEqual(['[c=2, y=0, x=1] #5', '[c=2, y=0, x=0] #2', '[c=0, y=1, x=1] #9']);
    expect((o.series as Bar[])).toHaveLength(1);
  });
  it('puts the exact score beside each neuron and marks precision misses', () => {
    const series = topKBarOption(sample, exact).series as Bar[];
    const [s, e] = series;
    expect(e.data.map((d) => (d as { value: number | null }).value)).toEqual([2.9, null, 1.4]);
    const missed = s.data.filter((d) => (d as { itemStyle: { color: string } }).itemStyle.color !== '#2f6fde');
    expect(missed).toHaveLength(1); // neuron 2 is not in the exact top-3: precision 2/3
    expect(neuronFromClick({ data: s.data[1] })).toBe(2);
    expect(neuronFromClick({ data: 4 })).toBeNull();
  });
  it('rejects an answer without topK', () => {
    expect(() => topKBarOption({ ...base, set: 'S2', vector: [1] })).toThrow(/S2 on conv2 has no topK/);
  });
  it('handles an empty top-K', () => {
    expect((topKBarOption({ ...base, topK: [] }).series as Bar[])[0].data).toEqual([]);
  });
});

describe('histogramOption', () => {
  it('shows only neurons with mass in either answer', () => {
    const s: QueryAnswer = { ...base, set: 'S3', shape: [6], vector: [0, 0.5, 0, 0.5, 0, 0] };
    const e: QueryAnswer = { ...s, vector: [0, 0.4, 0.2, 0.4, 0, 0] };
    const o = histogramOption(s, e);
    expect((o.xAxis as { data: string[] }).data).toEqual(['[u=1]', '[u=2]', '[u=3]']);
    const series = o.series as Array<{ data: number[] }>;
    expect(series[0].data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(series[1].data).toEqual([0.4, 0.2, 0.4]);
  });
  it('ends the share axis on a round tick', () => {
    expect(histogramMax(0.6876663708961845)).toBeCloseTo(0.7, 12);
    expect(histogramMax(0.7)).toBeCloseTo(0.7, 12);
    expect(histogramMax(0.01)).toBeCloseTo(0.05, 12);
    expect(histogramMax(1)).toBe(1);
    expect(histogramMax(0)).toBe(0.05);
    expect(histogramMax(Number.NaN)).toBe(0.05);
  });
  it('rejects mismatched exact vectors', () => {
    expect(() => histogramOption({ ...base, vector: [1, 0] }, { ...base, vector: [1] })).toThrow(/exact vector has 1 entries, the sample's 2/);
  });
});

describe('profileOption', () => {
  it('stacks the confidence band from lower to upper', () => {
    const o = profileOption([1, 2], { lower: [0.5, 1.5], upper: [1.5, 3] });
    const series = o.series as Array<{ name: string; data: number[] }>;
    expect(series[0].data).toEqual([0.5, 1.5]);
    expect(series[1].data).toEqual([1, 1.5]);
    expect((o.legend as { data: string[] }).data).toEqual(['Confidence interval', 'Sample']);
  });
  it('rejects bounds of the wrong length', () => {
    expect(() => profileOption([1, 2], { lower: [1], upper: [2] })).toThrow(/1 bounds for 2 neurons/);
    expect(() => profileOption([1, 2], { exact: [1] })).toThrow(/exact vector has 1 entries for 2 neurons/);
  });
});

describe('sampleQuality', () => {
  const r: QueryResult = { answer: { ...base, topK: [] }, computed: { items: 1, bytes: 1, seconds: 0 }, seconds: 0 };
  it('headlines the error when the exact answer is known', () => {
    expect(sampleQuality({ ...r, sample: { name: 's', error: { metric: 'precision@K', value: 0.8 } } })).toEqual({ kind: 'error', text: 'precision@K = 0.8000 (higher is better)' });
  });
  it('falls back to the interval width', () => {
    const q = sampleQuality({ ...r, sample: { name: 's', confidenceInterval: { level: 0.95, lower: [0, 1], upper: [0.2, 1.4] } } });
    expect(q.kind).toBe('interval');
    expect(q.text).toMatch(/^95 % bootstrap interval, mean width 0\.3000 over 2 values$/);
  });
  it('reports exact answers', () => {
    expect(sampleQuality(r).kind).toBe('exact');
  });
});
