import { describe, it, expect } from 'vitest';
import type { LatentProjection } from '../../src-main/shared/api.ts';
import { axisName, classCounts, CORRECTNESS_COLOURS, itemsFromBrush, latentScatterOption, SAMPLE_SERIES, scoreSummary, thumbnailTooltip } from './scatter.ts';

function projection(n: number, wrongEvery = 4): LatentProjection {
  const itemIds = Array.from({ length: n }, (_, i) => 100 + i);
  const trueLabels = itemIds.map((_, i) => i % 3);
  return {
    method: 'pca', itemIds,
    x: itemIds.map((_, i) => Math.cos(i)), y: itemIds.map((_, i) => Math.sin(i)),
    trueLabels,
    predicted: trueLabels.map((t, i) => (i % wrongEvery === 0 ? (t + 1) % 3 : t)),
    confidence: itemIds.map(() => 0.9),
    classNames: ['a', 'b', 'c'], sampleMembers: [], seconds: 0.01,
  };
}
type S = { name: string; data: number[][]; symbol: string; large?: boolean };

describe('latentScatterOption', () => {
  it('splits misclassified items into their own triangle series, named by class', () => {
    const p = projection(12);
    const { option, seriesIndices, misclassified } = latentScatterOption(p);
    const series = option.series as S[];
    expect(misclassified).toBe(3); // i = 0, 4, 8
    expect(series).toHaveLength(6);
    const triangles = series.filter((s) => s.symbol === 'triangle');
    expect(triangles.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(triangles.reduce((a, s) => a + s.data.length, 0)).toBe(3);
    // every point is drawn exactly once and carries its projection index
    const all = seriesIndices.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(series[0].data[0]).toEqual([p.x[seriesIndices[0][0]], p.y[seriesIndices[0][0]], seriesIndices[0][0]]);
  });
  it('draws misclassified like the rest when marking is off', () => {
    const { option } = latentScatterOption(projection(12), { markMisclassified: false });
    expect((option.series as S[]).every((s) => s.symbol === 'circle')).toBe(true);
  });
  it('rings the sample members in an overlay series', () => {
    const p = { ...projection(12), sampleMembers: [100, 105, 999] };
    const { option } = latentScatterOption(p);
    const ring = (option.series as S[]).find((s) => s.name === SAMPLE_SERIES)!;
    expect(ring.data.map((d) => d[2])).toEqual([0, 5]);
    expect((option.legend as { data: string[] }).data).toContain(SAMPLE_SERIES);
  });
  it('uses large mode for 10,000 points', () => {
    const { option } = latentScatterOption(projection(10_000));
    expect((option.series as S[]).every((s) => s.large)).toBe(true);
  });
  it('handles an empty projection', () => {
    const p = { ...projection(0), classNames: [] };
    const { option, misclassified } = latentScatterOption(p);
    expect(misclassified).toBe(0);
    expect(option.series).toEqual([]);
  });
  it('rejects arrays of different lengths and NaN coordinates', () => {
    const p = projection(5);
    expect(() => latentScatterOption({ ...p, y: [1, 2] })).toThrow(/y has 2 entries for 5 items/);
    expect(() => latentScatterOption({ ...p, x: [0, NaN, 0, 0, 0] })).toThrow(/item 101 has a non-finite coordinate/);
  });
});

describe('itemsFromBrush', () => {
  it('maps brushed data indices to unique sorted item ids', () => {
    const p = { ...projection(12), sampleMembers: [101] };
    const { seriesIndices } = latentScatterOption(p);
    const ringSeries = seriesIndices.length - 1;
    const selected = seriesIndices.map((idx, s) => ({ seriesIndex: s, dataIndex: idx.map((_, d) => d) }));
    const ids = itemsFromBrush(seriesIndices, p.itemIds, selected);
    expect(ids).toEqual(p.itemIds);
    expect(itemsFromBrush(seriesIndices, p.itemIds, [{ seriesIndex: ringSeries, dataIndex: [0] }])).toEqual([101]);
  });
  it('ignores unknown series and indices', () => {
    expect(itemsFromBrush([[0]], [7], [{ seriesIndex: 3, dataIndex: [0] }, { seriesIndex: 0, dataIndex: [5] }])).toEqual([]);
  });
});

describe('axis names and class counts', () => {
  it('names the axes after the projection', () => {
    expect(axisName('pca', 1)).toBe('PC 1');
    expect(axisName('umap', 2)).toBe('UMAP 2');
    const { option } = latentScatterOption(projection(6));
    expect((option.xAxis as { name: string }).name).toBe('PC 1');
    expect((option.yAxis as { name: string }).name).toBe('PC 2');
  });
  it('counts items and misclassified items per true class', () => {
    const rows = classCounts(projection(12));
    expect(rows.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(rows.map((r) => r.items)).toEqual([4, 4, 4]);
    // misclassified: i = 0 (class a), 4 (class b), 8 (class c)
    expect(rows.map((r) => r.misclassified)).toEqual([1, 1, 1]);
    expect(rows.reduce((a, r) => a + r.items, 0)).toBe(12);
  });
  it('lists a class without items, and labels beyond the names', () => {
    const p = { ...projection(3), classNames: ['a', 'b', 'c', 'd'] };
    expect(classCounts(p)[3]).toEqual({ cls: 3, name: 'd', items: 0, misclassified: 0 });
    const q = { ...projection(3), classNames: ['a'] };
    expect(classCounts(q).map((r) => r.name)).toEqual(['a', 'class 1', 'class 2']);
  });
  it('gives no rows for an empty projection', () => {
    const p = { ...projection(0), classNames: [] };
    expect(classCounts(p)).toEqual([]);
  });
});

describe('tooltips escape names (ECharts inserts them as HTML)', () => {
  const EVIL = '<img src=x onerror=alert(1)>';
  it('a class name with markup is shown as text', () => {
    const p = { ...projection(6), classNames: [EVIL, 'b"><script>alert(2)</script>', 'c'] };
    const { option } = latentScatterOption(p);
    const formatter = (option.tooltip as { formatter: (x: unknown) => string }).formatter;
    const html = formatter({ value: [0, 0, 0] }) + formatter({ value: [0, 0, 1] });
    expect(html).not.toMatch(/<img|<script/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;');
  });
  it('only a base64 image data: URL becomes a thumbnail', () => {
    expect(thumbnailTooltip('data:image/png;base64,iVBORw0KGgo=', 'x')).toMatch(/^<img src="data:image\/png;base64,iVBORw0KGgo=" /);
    for (const bad of ['javascript:alert(1)', 'data:image/png;base64,x" onerror="alert(1)', 'data:text/html;base64,PHNjcmlwdD4=', undefined]) {
      const html = thumbnailTooltip(bad, 'x');
      expect(html, String(bad)).not.toMatch(/<img|onerror/);
    }
  });
});

describe('latent scatter coloured by a score', () => {
  it('adds the score as a fourth dimension and a continuous visual map over the item series only', () => {
    const p = projection(12);
    const values = Array.from({ length: 12 }, (_, i) => i / 11);
    const { option } = latentScatterOption(p, { colorBy: { name: 'hardness', values } });
    const vm = option.visualMap as { dimension: number; min: number; max: number; seriesIndex: number[]; text: string[] };
    expect(vm.dimension).toBe(3);
    expect([vm.min, vm.max]).toEqual([0, 1]);
    expect(vm.text[0]).toBe('hardness 1');
    const series = option.series as Array<{ name: string; data: number[][] }>;
    for (const s of vm.seriesIndex) expect(series[s].name).not.toBe(SAMPLE_SERIES);
    for (const s of series) for (const d of s.data) if (s.name !== SAMPLE_SERIES) expect(d[3]).toBeCloseTo(values[d[2]], 12);
    expect(() => latentScatterOption(p, { colorBy: { name: 'hardness', values: [0.5] } })).toThrow(/1 values for 12 items/);
    expect(latentScatterOption(p).option.visualMap).toBeUndefined();
  });
});

describe('scoreSummary (the colour legend beside the chart)', () => {
  it('gives count, min, median and max of the finite values', () => {
    expect(scoreSummary([0.9, 0.1, 0.5])).toEqual({ n: 3, min: 0.1, median: 0.5, max: 0.9 });
    const even = scoreSummary(new Float64Array([0.4, 0.2, 0.8, 0.6]))!;
    expect(even.median).toBeCloseTo(0.5, 12);
    expect(scoreSummary([NaN, 0.3, Infinity])).toEqual({ n: 1, min: 0.3, median: 0.3, max: 0.3 });
    expect(scoreSummary([])).toBeNull();
  });
});

describe('latent scatter grouping', () => {
  const p = {
    method: 'tsne' as const, itemIds: [10, 11, 12, 13], x: [0, 1, 2, 3], y: [0, 1, 0, 1], trueLabels: [0, 0, 1, 1], predicted: [0, 1, 1, 0],
    confidence: [0.9, 0.6, 0.8, 0.55], classNames: ['cat', 'dog'], sampleMembers: [], seconds: 0,
  };
  const seriesOf = (groupBy: 'true' | 'predicted' | 'correctness') => {
    const sc = latentScatterOption(p, { groupBy, markMisclassified: false });
    return (sc.option.series as Array<{ name: string; itemStyle: { color: string } }>).map((s, k) => ({ name: s.name, color: s.itemStyle.color, idx: sc.seriesIndices[k] }));
  };
  it('groups by the predicted class', () => {
    expect(seriesOf('predicted').map((s) => [s.name, s.idx])).toEqual([['cat', [0, 3]], ['dog', [1, 2]]]);
  });
  it('groups by correctness with its own two colours', () => {
    const s = seriesOf('correctness');
    expect(s.map((x) => [x.name, x.idx])).toEqual([['correct', [0, 2]], ['misclassified', [1, 3]]]);
    expect(s.map((x) => x.color)).toEqual([...CORRECTNESS_COLOURS]);
  });
  it('names t-SNE axes', () => {
    expect(axisName('tsne', 2)).toBe('t-SNE 2');
  });
});
