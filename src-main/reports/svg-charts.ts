/**
 * The report's charts as standalone SVG strings, drawn by ECharts on the server (svg-render.ts).
 * One function per chart, each taking plain typed data and validating it at this boundary:
 * the paper's Figures 4–7 from evaluation rows, and the diagnosis charts (confusion matrix,
 * CKA heatmap, top-K neurons, learning curves, a vector as a histogram).
 */
import type { EChartsOption } from 'echarts';
import { averageBy, averageSeries } from './aggregate.ts';
import type { E1Row, E2Row, E3Row, E4Row } from './experiment-rows.ts';
import { methodColour, methodLabel, methodOrder } from './methods.ts';
import { renderSvg } from './svg-render.ts';
import { checkArray, checkFinite, checkGrid, checkNonNegInt, checkString } from './validate.ts';
import { badInput } from '../shared/errors.ts';

export type { E1Row, E2Row, E3Row, E4Row, Table4Row } from './experiment-rows.ts';
export { table4Html } from './html-tables.ts';

/** Size and title of one chart; every builder has sensible defaults. */
export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
}

/** The three query-set charts of Figures 4 and 6. */
export interface MetricCharts {
  s1: string;
  s2: string;
  s3: string;
}

export interface TopKEntry {
  neuron: number;
  score: number;
}

const TEXT = '#222';
const GRID_LINE = '#e3e3e3';
const FONT = 'Helvetica, Arial, sans-serif';

const METRICS = [
  { key: 's1', name: 'S1 precision@K', range: [0, 1] as [number, number], better: 'higher is better' },
  { key: 's2', name: 'S2 cosine distance', range: [0, undefined] as [number, number | undefined], better: 'lower is better' },
  { key: 's3', name: 'S3 Jensen–Shannon distance', range: [0, 1] as [number, number], better: 'lower is better' },
] as const;

// ---------------------------------------------------------------------------------------------
// The paper's figures

/**
 * Figure 4: S1, S2, S3 against the sample fraction, one line per method. Rows that share
 * (method, fraction) — the seeds of a randomised sampler — are averaged here.
 */
export function fig4(rows: readonly E1Row[], opts: ChartOptions = {}): MetricCharts {
  checkArray('fig4: rows', rows);
  rows.forEach((r, i) => {
    checkString(`fig4: rows[${i}].method`, r?.method);
    checkFinite(`fig4: rows[${i}].fraction`, r.fraction);
    if (!(r.fraction > 0 && r.fraction <= 1)) throw badInput(`fig4: rows[${i}].fraction must be in (0, 1], got ${r.fraction}`);
    for (const m of METRICS) checkFinite(`fig4: rows[${i}].${m.key}`, r[m.key]);
  });
  const charts = METRICS.map((m) => {
    const series = averageSeries(rows, (r) => r.method, (r) => r.fraction, (r) => r[m.key]);
    return lineChart({
      title: opts.title ?? `Figure 4 — ${m.name} against the sample fraction (${m.better})`,
      xName: 'sample fraction f',
      yName: m.name,
      xMin: 0,
      xMax: 1,
      yRange: m.range,
      series: orderSeries(series).map((s) => ({ name: methodLabel(s.key), colour: methodColour(s.key), dashed: false, points: s.points })),
      width: opts.width,
      height: opts.height,
    });
  });
  return { s1: charts[0], s2: charts[1], s3: charts[2] };
}

/** Figure 5: S1 precision@K of a 5 % sample against K, one line per method. */
export function fig5(rows: readonly E2Row[], opts: ChartOptions = {}): string {
  checkArray('fig5: rows', rows);
  rows.forEach((r, i) => {
    checkString(`fig5: rows[${i}].method`, r?.method);
    checkFinite(`fig5: rows[${i}].k`, r.k);
    if (!(r.k >= 1)) throw badInput(`fig5: rows[${i}].k must be at least 1, got ${r.k}`);
    checkFinite(`fig5: rows[${i}].precision`, r.precision);
  });
  const series = averageSeries(rows, (r) => r.method, (r) => r.k, (r) => r.precision);
  return lineChart({
    title: opts.title ?? 'Figure 5 — S1 precision@K of a 5 % sample against K',
    xName: 'K (top-K neurons)',
    yName: 'precision@K',
    xMin: 0,
    yRange: [0, 1],
    series: orderSeries(series).map((s) => ({ name: methodLabel(s.key), colour: methodColour(s.key), dashed: false, points: s.points })),
    width: opts.width,
    height: opts.height,
  });
}

/** Figure 6: S1, S2, S3 against the tuning factor j; weighted variants and samplers without j (reference rows) dashed. */
export function fig6(rows: readonly E3Row[], opts: ChartOptions = {}): MetricCharts {
  checkArray('fig6: rows', rows);
  rows.forEach((r, i) => {
    checkString(`fig6: rows[${i}].method`, r?.method);
    checkFinite(`fig6: rows[${i}].j`, r.j);
    if (!(r.j >= 0 && r.j <= 1)) throw badInput(`fig6: rows[${i}].j must be in [0, 1], got ${r.j}`);
    if (r.weighted !== undefined && typeof r.weighted !== 'boolean') throw badInput(`fig6: rows[${i}].weighted must be a boolean when given`);
    if (r.reference !== undefined && typeof r.reference !== 'boolean') throw badInput(`fig6: rows[${i}].reference must be a boolean when given`);
    for (const m of METRICS) checkFinite(`fig6: rows[${i}].${m.key}`, r[m.key]);
  });
  // A separate key per (method, weighted / reference) so each variant is its own line.
  const key = (r: E3Row) => (r.weighted ? `${r.method}\u0000weighted` : r.reference ? `${r.method}\u0000no j` : r.method);
  const charts = METRICS.map((m) => {
    const series = averageSeries(rows, key, (r) => r.j, (r) => r[m.key]);
    const ordered = methodOrder(series.map((s) => s.key.split('\u0000')[0]));
    series.sort((a, b) => {
      const d = ordered.indexOf(a.key.split('\u0000')[0]) - ordered.indexOf(b.key.split('\u0000')[0]);
      return d !== 0 ? d : a.key.length - b.key.length; // plain before weighted
    });
    return lineChart({
      title: opts.title ?? `Figure 6 — ${m.name} against the tuning factor j (5 % sample; dashed = weighted or no j)`,
      xName: 'tuning factor j',
      yName: m.name,
      xMin: 0,
      xMax: 1,
      yRange: m.range,
      series: series.map((s) => {
        const [method, flag] = s.key.split('\u0000');
        const dashed = flag === 'weighted' || flag === 'no j' || method === 'weighted';
        return {
          name: flag ? `${methodLabel(method)} (${flag})` : methodLabel(method),
          colour: methodColour(method),
          dashed,
          points: s.points,
        };
      }),
      width: opts.width,
      height: opts.height,
    });
  });
  return { s1: charts[0], s2: charts[1], s3: charts[2] };
}

/** Seconds at or below this are drawn at this height: a log axis cannot show 0. */
export const FIG7_FLOOR_SECONDS = 1e-6;

/** Figure 7: seconds to create a 5 % sample per method, bars on a LOG-scale y axis. */
export function fig7(rows: readonly E4Row[], opts: ChartOptions = {}): string {
  checkArray('fig7: rows', rows);
  rows.forEach((r, i) => {
    checkString(`fig7: rows[${i}].method`, r?.method);
    checkFinite(`fig7: rows[${i}].seconds`, r.seconds);
    if (r.seconds < 0) throw badInput(`fig7: rows[${i}].seconds must not be negative, got ${r.seconds}`);
  });
  const means = averageBy(rows, (r) => r.method, (r) => r.seconds);
  const order = methodOrder(means.map((m) => m.key));
  means.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  const drawn = means.map((m) => Math.max(m.mean, FIG7_FLOOR_SECONDS));
  // Bars grow from the decade below the fastest method: on a log axis ECharts would otherwise
  // start them at 1 s, drawing sub-second bars downwards.
  const bottom = 10 ** Math.floor(Math.log10(Math.min(...drawn)));
  const option: EChartsOption = {
    ...frame(opts.title ?? 'Figure 7 — time to create a 5 % sample (log scale)'),
    grid: { left: 72, right: 24, top: 56, bottom: 96 },
    xAxis: { type: 'category', data: means.map((m) => methodLabel(m.key)), axisLabel: { rotate: 30, color: TEXT, interval: 0 }, axisLine: { lineStyle: { color: '#888' } } },
    yAxis: {
      type: 'log',
      logBase: 10,
      min: bottom,
      startValue: bottom,
      name: 'seconds (log scale)',
      nameLocation: 'middle',
      nameGap: 56,
      nameTextStyle: { color: TEXT },
      axisLabel: { color: TEXT, formatter: (v: number) => formatSeconds(v) },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    series: [
      {
        type: 'bar',
        name: 'seconds',
        barMaxWidth: 48,
        data: means.map((m, i) => ({
          value: drawn[i],
          itemStyle: { color: methodColour(m.key) },
          label: { show: true, position: 'top', color: TEXT, formatter: () => formatSeconds(m.mean) },
        })),
      },
    ],
  };
  return renderSvg(option, opts.width ?? 720, opts.height ?? 380);
}

// ---------------------------------------------------------------------------------------------
// Diagnosis charts

/**
 * The confusion matrix as a heatmap: rows are true classes, columns predicted classes. Cells are
 * coloured by their share of the true class (so a rare class's errors stay visible) and labelled
 * with the count.
 */
export function confusionHeatmap(classNames: readonly string[], counts: readonly (readonly number[])[], opts: ChartOptions = {}): string {
  checkArray('confusionHeatmap: classNames', classNames);
  classNames.forEach((c, i) => checkString(`confusionHeatmap: classNames[${i}]`, c));
  const n = classNames.length;
  checkGrid('confusionHeatmap: counts', counts, n, n, false);
  counts.forEach((r, i) => r.forEach((v, j) => checkNonNegInt(`confusionHeatmap: counts[${i}][${j}]`, v)));
  const data: Array<[number, number, number, number]> = [];
  for (let t = 0; t < n; t++) {
    const total = counts[t].reduce((a, b) => a + b, 0);
    for (let p = 0; p < n; p++) data.push([p, t, counts[t][p], total > 0 ? counts[t][p] / total : 0]);
  }
  const side = Math.max(320, Math.min(680, 120 + n * 52));
  return heatmap({
    title: opts.title ?? 'Confusion matrix (colour: share of the true class)',
    xLabels: [...classNames],
    yLabels: [...classNames],
    xName: 'predicted class',
    yName: 'true class',
    data,
    colourDim: 3,
    scaleText: ['100 % of row', '0 %'],
    min: 0,
    max: 1,
    label: n <= 20 ? (d) => String(d[2]) : undefined,
    width: opts.width ?? side + 120,
    height: opts.height ?? side + 80,
    palette: ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'],
  });
}

/** Layer-by-layer linear CKA of two models: rows layersA, columns layersB, values in [0, 1]. */
export function ckaHeatmap(layersA: readonly string[], layersB: readonly string[], cka: readonly (readonly number[])[], opts: ChartOptions = {}): string {
  checkArray('ckaHeatmap: layersA', layersA);
  checkArray('ckaHeatmap: layersB', layersB);
  layersA.forEach((l, i) => checkString(`ckaHeatmap: layersA[${i}]`, l));
  layersB.forEach((l, i) => checkString(`ckaHeatmap: layersB[${i}]`, l));
  checkGrid('ckaHeatmap: cka', cka, layersA.length, layersB.length, true);
  const data: Array<[number, number, number | '-']> = [];
  layersA.forEach((_, a) => layersB.forEach((_, b) => data.push([b, a, Number.isNaN(cka[a][b]) ? '-' : cka[a][b]])));
  const cells = layersA.length * layersB.length;
  return heatmap({
    title: opts.title ?? 'Linear CKA between the layers of the two models',
    xLabels: [...layersB],
    yLabels: [...layersA],
    xName: 'model B layer',
    yName: 'model A layer',
    data,
    colourDim: 2,
    scaleText: ['CKA 1', '0'],
    min: 0,
    max: 1,
    label: cells <= 400 ? (d) => (typeof d[2] === 'number' ? d[2].toFixed(2) : '–') : undefined,
    width: opts.width ?? Math.max(420, Math.min(720, 200 + layersB.length * 56)),
    height: opts.height ?? Math.max(320, Math.min(720, 160 + layersA.length * 36)),
    palette: ['#fff7ec', '#fdd49e', '#fc8d59', '#d7301f', '#7f0000'],
  });
}

/** S1's answer: the top-K neurons as bars, best first. */
export function topKBars(topK: readonly TopKEntry[], opts: ChartOptions & { scoreName?: string; labels?: readonly string[] } = {}): string {
  checkArray('topKBars: topK', topK);
  topK.forEach((e, i) => {
    checkNonNegInt(`topKBars: topK[${i}].neuron`, e?.neuron);
    checkFinite(`topKBars: topK[${i}].score`, e.score);
  });
  const option: EChartsOption = {
    ...frame(opts.title ?? `Top-${topK.length} maximally activated neurons`),
    grid: { left: 72, right: 24, top: 56, bottom: 64 },
    xAxis: {
      type: 'category',
      name: 'neuron (best first)',
      nameLocation: 'middle',
      nameGap: 40,
      nameTextStyle: { color: TEXT },
      data: topK.map((e, i) => opts.labels?.[i] ?? String(e.neuron)),
      axisLabel: { color: TEXT, rotate: topK.length > 20 ? 90 : opts.labels ? 35 : 0, interval: 0, fontSize: opts.labels ? 9 : 12 },
    },
    yAxis: valueAxis(opts.scoreName ?? 'mean activation'),
    series: [{ type: 'bar', name: opts.scoreName ?? 'mean activation', data: topK.map((e) => e.score), itemStyle: { color: '#2171b5' }, barMaxWidth: 36 }],
  };
  return renderSvg(option, opts.width ?? 680, opts.height ?? 320);
}

/**
 * Per-class accuracy across checkpoints (Q6): `accuracy[class][checkpoint]`, NaN for a class
 * with no items (drawn as a gap).
 */
export function learningCurves(
  checkpoints: readonly string[], classNames: readonly string[], accuracy: readonly (readonly number[])[], opts: ChartOptions = {},
): string {
  checkArray('learningCurves: checkpoints', checkpoints);
  checkArray('learningCurves: classNames', classNames);
  checkpoints.forEach((c, i) => checkString(`learningCurves: checkpoints[${i}]`, c));
  classNames.forEach((c, i) => checkString(`learningCurves: classNames[${i}]`, c));
  checkGrid('learningCurves: accuracy', accuracy, classNames.length, checkpoints.length, true);
  accuracy.forEach((r, c) => r.forEach((v, t) => {
    if (!Number.isNaN(v) && (v < 0 || v > 1)) throw badInput(`learningCurves: accuracy[${c}][${t}] must be in [0, 1], got ${v}`);
  }));
  const option: EChartsOption = {
    ...frame(opts.title ?? 'Per-class accuracy across checkpoints'),
    legend: legend(),
    grid: { left: 64, right: 24, top: 56, bottom: 110 },
    xAxis: { type: 'category', name: 'checkpoint', nameLocation: 'middle', nameGap: 30, nameTextStyle: { color: TEXT }, data: [...checkpoints], axisLabel: { color: TEXT }, boundaryGap: false },
    yAxis: { ...valueAxis('accuracy'), min: 0, max: 1 },
    series: classNames.map((name, c) => ({
      type: 'line' as const,
      name,
      data: accuracy[c].map((v) => (Number.isNaN(v) ? null : v)),
      showSymbol: true,
      symbolSize: 5,
      connectNulls: false,
    })),
  };
  return renderSvg(option, opts.width ?? 680, opts.height ?? 360);
}

/** A vector over neurons as bars: S2's mean activations or S3's argmax distribution. */
export function histogram(vector: readonly number[], opts: ChartOptions & { xName?: string; yName?: string } = {}): string {
  checkArray('histogram: vector', vector);
  vector.forEach((v, i) => checkFinite(`histogram: vector[${i}]`, v));
  const option: EChartsOption = {
    ...frame(opts.title ?? 'Distribution over neurons'),
    grid: { left: 72, right: 24, top: 56, bottom: 56 },
    xAxis: {
      type: 'category',
      name: opts.xName ?? 'neuron',
      nameLocation: 'middle',
      nameGap: 32,
      nameTextStyle: { color: TEXT },
      data: vector.map((_, i) => String(i)),
      axisLabel: { color: TEXT },
    },
    yAxis: valueAxis(opts.yName ?? 'share of items'),
    series: [{ type: 'bar', name: opts.yName ?? 'share of items', data: [...vector], itemStyle: { color: '#4a7fb5' }, barCategoryGap: vector.length > 60 ? '0%' : '20%' }],
  };
  return renderSvg(option, opts.width ?? 680, opts.height ?? 300);
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

interface LineSpec {
  title: string;
  xName: string;
  yName: string;
  xMin?: number;
  xMax?: number;
  yRange: readonly [number, number | undefined];
  series: Array<{ name: string; colour: string; dashed: boolean; points: Array<{ x: number; y: number }> }>;
  width?: number;
  height?: number;
}

function lineChart(spec: LineSpec): string {
  const option: EChartsOption = {
    ...frame(spec.title),
    legend: legend(),
    grid: { left: 64, right: 28, top: 56, bottom: 104 },
    xAxis: {
      type: 'value',
      name: spec.xName,
      nameLocation: 'middle',
      nameGap: 28,
      nameTextStyle: { color: TEXT },
      min: spec.xMin,
      max: spec.xMax,
      axisLabel: { color: TEXT },
      splitLine: { lineStyle: { color: GRID_LINE } },
    },
    yAxis: { ...valueAxis(spec.yName), min: spec.yRange[0], max: spec.yRange[1] },
    series: spec.series.map((s) => ({
      type: 'line' as const,
      name: s.name,
      data: s.points.map((p) => [p.x, p.y]),
      // A method with a single point (the EB tree's one sample) still shows as a marker.
      showSymbol: true,
      symbol: s.dashed ? 'emptyCircle' : 'circle',
      symbolSize: 6,
      itemStyle: { color: s.colour },
      lineStyle: { color: s.colour, width: 2, type: s.dashed ? 'dashed' : 'solid' },
    })),
  };
  return renderSvg(option, spec.width ?? 680, spec.height ?? 340);
}

interface HeatmapSpec {
  title: string;
  xLabels: string[];
  yLabels: string[];
  xName: string;
  yName: string;
  data: Array<Array<number | '-'>>;
  colourDim: number;
  /** Text at the high and low end of the colour bar. */
  scaleText: [string, string];
  min: number;
  max: number;
  label?: (d: Array<number | '-'>) => string;
  width: number;
  height: number;
  palette: string[];
}

function heatmap(spec: HeatmapSpec): string {
  const option: EChartsOption = {
    ...frame(spec.title),
    grid: { left: 40 + longest(spec.yLabels) * 7, right: 120, top: 56, bottom: 48 + longest(spec.xLabels) * 5 },
    xAxis: {
      type: 'category',
      data: spec.xLabels,
      name: spec.xName,
      nameLocation: 'middle',
      nameGap: 18 + longest(spec.xLabels) * 5,
      nameTextStyle: { color: TEXT },
      axisLabel: { color: TEXT, rotate: spec.xLabels.length > 4 ? 40 : 0, interval: 0 },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      data: spec.yLabels,
      inverse: true, // first row at the top, as a matrix is read
      name: spec.yName,
      nameLocation: 'middle',
      nameGap: 24 + longest(spec.yLabels) * 7,
      nameTextStyle: { color: TEXT },
      axisLabel: { color: TEXT, interval: 0 },
    },
    visualMap: {
      min: spec.min,
      max: spec.max,
      dimension: spec.colourDim,
      calculable: false,
      text: spec.scaleText,
      orient: 'vertical',
      right: 8,
      top: 'middle',
      itemHeight: 160,
      textStyle: { color: TEXT },
      inRange: { color: spec.palette },
    },
    series: [
      {
        type: 'heatmap',
        data: spec.data,
        label: spec.label
          ? { show: true, fontSize: 10, formatter: (p: { value?: unknown }) => spec.label!(p.value as Array<number | '-'>) }
          : { show: false },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
    ],
  };
  return renderSvg(option, spec.width, spec.height);
}

function frame(title: string): EChartsOption {
  return {
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT, color: TEXT },
    title: { text: title, left: 'center', top: 8, textStyle: { fontSize: 14, fontWeight: 'bold', color: TEXT } },
  };
}

function legend(): EChartsOption['legend'] {
  return { type: 'plain', bottom: 4, left: 'center', itemWidth: 22, itemHeight: 10, textStyle: { color: TEXT, fontSize: 11 } };
}

function valueAxis(name: string) {
  return {
    type: 'value' as const,
    name,
    nameLocation: 'middle' as const,
    nameGap: 44,
    nameTextStyle: { color: TEXT },
    axisLabel: { color: TEXT },
    splitLine: { lineStyle: { color: GRID_LINE } },
  };
}

function orderSeries<S extends { key: string }>(series: S[]): S[] {
  const order = methodOrder(series.map((s) => s.key));
  return [...series].sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
}

function longest(labels: readonly string[]): number {
  return Math.min(18, labels.reduce((m, l) => Math.max(m, l.length), 0));
}

/** Seconds in the unit a reader expects: µs, ms, s. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  if (s === 0) return '0 s';
  if (s < 1e-3) return `${+(s * 1e6).toPrecision(3)} µs`;
  if (s < 1) return `${+(s * 1e3).toPrecision(3)} ms`;
  return `${+s.toPrecision(3)} s`;
}
