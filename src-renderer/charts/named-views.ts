/**
 * ECharts options for the named-query unit views of src-main/shared/named-units.ts (Q1/Q3/Q4).
 */
import type { EChartsOption } from 'echarts';
import type { UnitView } from '../../src-main/shared/named-units.ts';

export { namedUnitViews, type NamedLayer, type UnitView } from '../../src-main/shared/named-units.ts';

const SERIES_COLORS = ['#d9534f', '#2f6fde', '#6a51a3'];

/** Grouped bars for a 'bars' view (one bar per unit and series; the unit names under them). */
export function unitBarsOption(v: Extract<UnitView, { kind: 'bars' }>): EChartsOption {
  return {
    legend: v.series.length > 1 ? { top: 0 } : undefined,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 60, right: 16, top: v.series.length > 1 ? 30 : 16, bottom: 110 },
    xAxis: { type: 'category', data: v.categories, axisLabel: { rotate: 40, interval: 0, fontSize: 10 } },
    yAxis: { type: 'value', name: v.yName },
    series: v.series.map((s, i) => ({ type: 'bar', name: s.name, data: s.values.map((x) => (Number.isFinite(x) ? x : null)), itemStyle: { color: SERIES_COLORS[i % SERIES_COLORS.length] } })),
  };
}
