/**
 * Generic rendering of the named queries Q1–Q7, whose `data` the contract leaves free-form.
 * `interpretNamed` recognises these shapes (several may be present at once):
 *   Q7      { layersA: string[], layersB: string[], cka: number[][] }               → matrix (CKA, 0–1)
 *   Q6      { checkpoints: string[], classNames: string[], accuracy: number[][] }   → curves, accuracy[checkpoint][class]
 *   matrix  { matrix: number[][], rowLabels?: string[], colLabels?: string[] }      → heatmap
 *   curves  { curves: [{ name, y: number[], x?: (number|string)[] }], x? }         → lines
 *   topK    { topK: [{ neuron, score }], shape?: number[], granularity? }          → bars
 *   vector  { vector: number[], shape?: number[], granularity? }                   → activation map / profile
 * Scalar top-level fields (numbers, strings, booleans) always come as a key/value table, and data
 * matching none of the shapes is shown whole as a table — nothing is dropped silently.
 */
import type { EChartsOption } from 'echarts';
import type { QueryResult } from '../../src-main/shared/api.ts';
import { matrixHeatmapOption } from './heatmap.ts';
import { classColor } from './palette.ts';

export type NamedView =
  | { kind: 'matrix'; title: string; matrix: number[][]; rowLabels: string[]; colLabels: string[]; rowName: string; colName: string; range?: [number, number] }
  | { kind: 'curves'; title: string; x: Array<number | string>; curves: Array<{ name: string; y: number[] }>; xName: string; yName: string }
  | { kind: 'topK'; title: string; topK: Array<{ neuron: number; score: number }>; shape: number[]; granularity: 'unit' | 'channel' }
  | { kind: 'vector'; title: string; vector: number[]; shape: number[]; granularity: 'unit' | 'channel' }
  | { kind: 'table'; title: string; rows: Array<[string, string]> };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null);
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isMatrix = (v: unknown): v is number[][] => Array.isArray(v) && v.every(isNumArray);
const nums = (v: Array<number | null>) => v.map((x) => (x === null ? Number.NaN : x));
const gran = (v: unknown): 'unit' | 'channel' => (v === 'channel' ? 'channel' : 'unit');
const labels = (v: unknown, n: number, prefix: string) => (isStrArray(v) && v.length === n ? v : Array.from({ length: n }, (_, i) => `${prefix}${i}`));

/** Short text for any JSON value (tables). */
export function cellText(v: unknown, max = 200): string {
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : Number(v.toPrecision(6)).toString();
  let s: string;
  if (typeof v === 'string') s = v;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v); // cyclic or otherwise unserialisable
    }
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function interpretNamed(data: unknown): NamedView[] {
  if (!isObj(data)) return [{ kind: 'table', title: 'Result', rows: [['value', cellText(data, 2000)]] }];
  const views: NamedView[] = [];
  const used = new Set<string>();

  if (isStrArray(data.layersA) && isStrArray(data.layersB) && isMatrix(data.cka) && data.cka.length === data.layersA.length && data.cka.every((r) => r.length === (data.layersB as string[]).length)) {
    views.push({ kind: 'matrix', title: 'Linear CKA between layers', matrix: data.cka.map(nums), rowLabels: data.layersA, colLabels: data.layersB, rowName: 'model A layer', colName: 'model B layer', range: [0, 1] });
    ['layersA', 'layersB', 'cka'].forEach((k) => used.add(k));
  }
  if (isStrArray(data.checkpoints) && isStrArray(data.classNames) && isMatrix(data.accuracy) && data.accuracy.length === data.checkpoints.length) {
    const acc = data.accuracy;
    views.push({
      kind: 'curves', title: 'Per-class accuracy across checkpoints', x: data.checkpoints, xName: 'checkpoint', yName: 'accuracy',
      curves: data.classNames.map((name, c) => ({ name, y: nums(acc.map((row) => row[c] ?? null)) })),
    });
    ['checkpoints', 'classNames', 'accuracy'].forEach((k) => used.add(k));
  }
  if (isMatrix(data.matrix) && data.matrix.length) {
    const m = data.matrix;
    const cols = Math.max(...m.map((r) => r.length));
    if (m.every((r) => r.length === cols)) {
      views.push({ kind: 'matrix', title: 'Matrix', matrix: m.map(nums), rowLabels: labels(data.rowLabels, m.length, 'row '), colLabels: labels(data.colLabels, cols, 'col '), rowName: 'row', colName: 'column' });
      ['matrix', 'rowLabels', 'colLabels'].forEach((k) => used.add(k));
    }
  }
  if (Array.isArray(data.curves) && data.curves.length && data.curves.every((c) => isObj(c) && isNumArray(c.y))) {
    const curves = data.curves as Array<{ name?: unknown; y: Array<number | null>; x?: unknown }>;
    const n = Math.max(...curves.map((c) => c.y.length));
    const x = Array.isArray(data.x) && data.x.length === n ? (data.x as Array<number | string>) : Array.from({ length: n }, (_, i) => i);
    views.push({ kind: 'curves', title: 'Curves', x, xName: typeof data.xName === 'string' ? data.xName : 'x', yName: typeof data.yName === 'string' ? data.yName : 'y', curves: curves.map((c, i) => ({ name: typeof c.name === 'string' ? c.name : `curve ${i}`, y: nums(c.y) })) });
    ['curves', 'x', 'xName', 'yName'].forEach((k) => used.add(k));
  }
  const shape = isNumArray(data.shape) ? (data.shape as number[]) : null;
  if (Array.isArray(data.topK) && data.topK.every((t) => isObj(t) && typeof t.neuron === 'number' && typeof t.score === 'number')) {
    views.push({ kind: 'topK', title: 'Top-K neurons', topK: data.topK as Array<{ neuron: number; score: number }>, shape: shape ?? [], granularity: gran(data.granularity) });
    used.add('topK');
  }
  if (isNumArray(data.vector) && data.vector.length) {
    views.push({ kind: 'vector', title: 'Activation vector', vector: nums(data.vector), shape: shape ?? [data.vector.length], granularity: gran(data.granularity) });
    used.add('vector');
  }
  if (views.some((v) => v.kind === 'topK' || v.kind === 'vector')) ['shape', 'granularity'].forEach((k) => used.add(k));

  const rest = Object.entries(data).filter(([k]) => !used.has(k));
  const scalars = rest.filter(([, v]) => v === null || ['number', 'string', 'boolean'].includes(typeof v));
  const tableRows = (views.length ? scalars : rest).map(([k, v]): [string, string] => [k, cellText(v)]);
  if (tableRows.length) views.push({ kind: 'table', title: views.length ? 'Values' : 'Result', rows: tableRows });
  return views;
}

/** Lines for a 'curves' view (e.g. Q6 learning curves, one per class). */
export function curvesOption(v: Extract<NamedView, { kind: 'curves' }>): EChartsOption {
  return {
    // Every curve's name stays visible (a paged legend hid half of the ten classes): one column on the right.
    legend: { type: 'plain', orient: 'vertical', right: 0, top: 'middle', itemWidth: 14, itemHeight: 8, textStyle: { fontSize: 11, width: 84, overflow: 'truncate' } },
    tooltip: { trigger: 'axis', valueFormatter: (x: unknown) => (typeof x === 'number' ? x.toFixed(4) : String(x)) },
    grid: { left: 56, right: 118, top: 30, bottom: 44 },
    xAxis: { type: 'category', data: v.x.map(String), name: v.xName, nameLocation: 'middle', nameGap: 28, boundaryGap: false },
    yAxis: { type: 'value', name: v.yName, scale: true },
    series: v.curves.map((c, i) => ({ type: 'line', name: c.name, data: c.y.map((y) => (Number.isFinite(y) ? y : null)), symbolSize: 5, itemStyle: { color: classColor(i) }, connectNulls: false })),
  };
}

/** Heatmap for a 'matrix' view (e.g. the Q7 CKA matrix on a fixed 0–1 scale). */
export function namedMatrixOption(v: Extract<NamedView, { kind: 'matrix' }>): EChartsOption {
  return matrixHeatmapOption({ matrix: v.matrix, rowLabels: v.rowLabels, colLabels: v.colLabels, rowName: v.rowName, colName: v.colName, range: v.range, digits: 2 });
}

/**
 * Whether a named query's data is itself a QueryResult (a named query answered by the generic
 * S1/S2/S3 machinery, e.g. Q2 = S1 over incorrectly classified items); the panel then draws it
 * like a query.run result, with its error or interval.
 */
export function isQueryResultLike(data: unknown): data is QueryResult {
  if (!isObj(data) || !isObj(data.answer) || !isObj(data.computed)) return false;
  const a = data.answer;
  return typeof a.set === 'string' && typeof a.layer === 'string' && isNumArray(a.shape) && typeof a.items === 'number' && isObj(a.subset);
}

/**
 * The sample's error or interval in free-form named-query data, if it reports one as
 * `error: { metric, value }` or `sample: { error | confidenceInterval }` (the QueryResult names).
 */
export function namedQuality(data: unknown): string | null {
  if (!isObj(data)) return null;
  const s = isObj(data.sample) ? data.sample : data;
  const e = s.error;
  if (isObj(e) && typeof e.metric === 'string' && typeof e.value === 'number') return `${e.metric} = ${e.value.toFixed(4)}`;
  const ci = s.confidenceInterval;
  if (isObj(ci) && typeof ci.level === 'number') return `${Math.round(ci.level * 100)} % bootstrap interval (see values)`;
  return null;
}

/**
 * How many items a named query's answer rests on, from its data: `items` (Q2, Q4, Q5, Q7), the
 * sum of per-class `counts` (Q1) or of `counts.{incorrect, correct}` (Q3), with the smallest
 * group when the answer compares groups (a mean over 2 incorrect items is the weak side of Q3).
 * Null when the data says nothing about items (Q6: per-checkpoint accuracy over all items).
 */
export function namedItemCount(data: unknown): { total: number; smallest: number | null; label: string } | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as { items?: unknown; counts?: unknown };
  if (typeof d.items === 'number') return { total: d.items, smallest: null, label: `${d.items.toLocaleString('en-US')} items` };
  if (Array.isArray(d.counts) && d.counts.every((x) => typeof x === 'number')) {
    const c = d.counts as number[];
    const nonEmpty = c.filter((x) => x > 0);
    const total = c.reduce((a, b) => a + b, 0);
    return { total, smallest: nonEmpty.length ? Math.min(...nonEmpty) : 0, label: `${total.toLocaleString('en-US')} items (${nonEmpty.length} classes, the smallest with ${nonEmpty.length ? Math.min(...nonEmpty) : 0})` };
  }
  if (d.counts && typeof d.counts === 'object') {
    const parts = Object.entries(d.counts as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number');
    if (!parts.length) return null;
    const total = parts.reduce((a, [, n]) => a + n, 0);
    return { total, smallest: Math.min(...parts.map(([, n]) => n)), label: parts.map(([k, n]) => `${n.toLocaleString('en-US')} ${k}`).join(', ') };
  }
  return null;
}
