import { describe, it, expect } from 'vitest';
import type { ConfusionResult } from '../../src-main/shared/api.ts';
import { confusionCellFromClick, confusionHeatmapOption, deltaHeatmapOption, matrixHeatmapOption, matrixRange } from './heatmap.ts';

const conf: ConfusionResult = {
  model: 'lenet', checkpoint: 'e5', classNames: ['a', 'b', 'c'],
  counts: [[50, 2, 0], [3, 40, 7], [0, 1, 60]], accuracy: 150 / 163, items: 163,
};

type HeatSeries = { data: Array<[number, number, number]> };
const seriesOf = (o: ReturnType<typeof confusionHeatmapOption>) => (o.series as HeatSeries[])[0];
/** Every drawn cell: the off-diagonal series and the diagonal one. */
const cellsOf = (o: ReturnType<typeof confusionHeatmapOption>) => (o.series as HeatSeries[]).flatMap((x) => x.data);

describe('confusionHeatmapOption', () => {
  it('has one cell per (true, predicted) pair with x = predicted, y = true', () => {
    const o = confusionHeatmapOption(conf);
    const cells = cellsOf(o);
    expect(cells).toHaveLength(9);
    expect(cells).toContainEqual([2, 1, 7]); // true b predicted as c
    expect(cells).toContainEqual([0, 1, 3]);
    expect((o.series as HeatSeries[])[1].data).toEqual([[0, 0, 50], [1, 1, 40], [2, 2, 60]]);
    expect((o.xAxis as { data: string[] }).data).toEqual(['a', 'b', 'c']);
    expect((o.yAxis as { data: string[] }).data).toEqual(['a', 'b', 'c']);
  });
  it('colours the off-diagonal cells from 0 to the largest error count; the diagonal is a neutral series', () => {
    const o = confusionHeatmapOption(conf);
    const vm = o.visualMap as { min: number; max: number; seriesIndex: number };
    expect(vm.min).toBe(0);
    expect(vm.max).toBe(7);
    expect(vm.seriesIndex).toBe(0);
    expect(seriesOf(o).data.every(([x, y]) => x !== y)).toBe(true);
  });
  it('sums to the number of items', () => {
    expect(cellsOf(confusionHeatmapOption(conf)).reduce((a, d) => a + d[2], 0)).toBe(163);
  });
  it('rejects a non-square or negative matrix with a clear message', () => {
    expect(() => confusionHeatmapOption({ ...conf, counts: [[1, 2], [3, 4]] })).toThrow(/2 rows for 3 classes/);
    expect(() => confusionHeatmapOption({ ...conf, counts: [[1, 2, 3], [1, 2], [1, 2, 3]] })).toThrow(/row 1 has 2 cells/);
    expect(() => confusionHeatmapOption({ ...conf, counts: [[1, 2, 3], [1, NaN, 2], [1, 2, 3]] })).toThrow(/finite and non-negative/);
  });
  it('handles an empty data set (all zeros) without a degenerate colour range', () => {
    const o = confusionHeatmapOption({ ...conf, counts: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], items: 0, accuracy: 0 });
    expect((o.visualMap as { max: number }).max).toBe(1);
  });
});

describe('deltaHeatmapOption', () => {
  it('is symmetric around 0, and colours by good-for-B (diagonal gains, off-diagonal losses)', () => {
    const o = deltaHeatmapOption(['a', 'b'], [[3, -3], [2, -2]]);
    const vm = o.visualMap as { min: number; max: number; dimension: number };
    expect([vm.min, vm.max, vm.dimension]).toEqual([-3, 3, 3]);
    const data = (o.series as Array<{ data: number[][] }>)[0].data;
    expect(data).toContainEqual([0, 0, 3, 3]); // more correct a: good
    expect(data).toContainEqual([1, 0, -3, 3]); // fewer a→b errors: good
    expect(data).toContainEqual([0, 1, 2, -2]); // more b→a errors: bad
  });
});

describe('confusionCellFromClick', () => {
  it('maps a clicked cell back to (true, predicted)', () => {
    expect(confusionCellFromClick({ value: [2, 1, 7] })).toEqual({ trueClass: 1, predClass: 2, count: 7 });
  });
  it('ignores clicks that are not cells', () => {
    expect(confusionCellFromClick({ value: 'x' })).toBeNull();
    expect(confusionCellFromClick({})).toBeNull();
  });
});

describe('matrixHeatmapOption', () => {
  it('skips NaN cells and uses the finite range', () => {
    const m = [[0.5, NaN], [1, 0.25]];
    expect(matrixRange(m)).toEqual([0.25, 1]);
    const o = matrixHeatmapOption({ matrix: m, rowLabels: ['r0', 'r1'], colLabels: ['c0', 'c1'], rowName: 'A', colName: 'B' });
    expect((o.series as HeatSeries[])[0].data).toHaveLength(3);
  });
  it('keeps a fixed range when given', () => {
    const o = matrixHeatmapOption({ matrix: [[0.2]], rowLabels: ['r'], colLabels: ['c'], rowName: 'A', colName: 'B', range: [0, 1] });
    expect(o.visualMap).toMatchObject({ min: 0, max: 1 });
  });
  it('returns [0, 0] for an empty matrix and rejects label mismatches', () => {
    expect(matrixRange([])).toEqual([0, 0]);
    expect(() => matrixHeatmapOption({ matrix: [[1, 2]], rowLabels: ['r'], colLabels: ['c'], rowName: 'A', colName: 'B' })).toThrow(/row 0 has 2 cells but there are 1 column labels/);
    expect(() => matrixHeatmapOption({ matrix: [[1]], rowLabels: [], colLabels: ['c'], rowName: 'A', colName: 'B' })).toThrow(/1 rows but 0 row labels/);
  });
});

describe('heatmap tooltips escape labels (ECharts inserts them as HTML)', () => {
  it('class, layer and axis names with markup are shown as text', () => {
    const EVIL = '<img src=x onerror=alert(1)>';
    const o = matrixHeatmapOption({ matrix: [[0.5, 1], [1, 0.25]], rowLabels: [EVIL, 'conv1'], colLabels: ['dense', `"'&`], rowName: `layer of <b>${EVIL}</b>`, colName: 'mlp' });
    const formatter = (o.tooltip as { formatter: (x: unknown) => string }).formatter;
    const html = formatter({ value: [1, 0, 1] });
    expect(html).not.toMatch(/<img/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;&#39;&amp;');
    const conf2 = confusionHeatmapOption({ ...conf, classNames: [EVIL, 'b', 'c'] });
    expect((conf2.tooltip as { formatter: (x: unknown) => string }).formatter({ value: [0, 0, 50] })).not.toMatch(/<img/);
  });
});
