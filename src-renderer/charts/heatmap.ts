/**
 * Heatmap options: a generic labelled matrix (CKA between layers, …) and the confusion matrix
 * (true class down, predicted class across) whose cells the views make clickable.
 */
import type { EChartsOption } from 'echarts';
import type { ConfusionResult } from '../../src-main/shared/api.ts';
import { badInput } from '../../src-main/shared/errors.ts';
import { escapeHtml } from '../../src-main/shared/escape-html.ts';
import { SEQUENTIAL } from './palette.ts';

export interface MatrixHeatmapInput {
  /** matrix[row][col]; NaN / null cells are left empty. */
  matrix: ReadonlyArray<ReadonlyArray<number | null>>;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  rowName: string;
  colName: string;
  /** Fixed colour range (e.g. [0, 1] for CKA); default: the data's finite min and max. */
  range?: [number, number];
  /** Print the value in each cell (only sensible for small matrices). */
  showValues?: boolean;
  digits?: number;
}

/** Finite min and max of a matrix; [0, 0] when it holds no finite value. */
export function matrixRange(matrix: ReadonlyArray<ReadonlyArray<number | null>>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of matrix) for (const v of row) if (v != null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return Number.isFinite(lo) ? [lo, hi] : [0, 0];
}

export function matrixHeatmapOption(input: MatrixHeatmapInput): EChartsOption {
  const { matrix, rowLabels, colLabels } = input;
  if (matrix.length !== rowLabels.length) throw badInput(`heatmap: the matrix has ${matrix.length} rows but ${rowLabels.length} row labels; give one label per row`);
  matrix.forEach((row, i) => {
    if (row.length !== colLabels.length) throw badInput(`heatmap: row ${i} has ${row.length} cells but there are ${colLabels.length} column labels; give one label per column`);
  });
  const [lo, hi] = input.range ?? matrixRange(matrix);
  const digits = input.digits ?? 2;
  const data: Array<[number, number, number]> = [];
  matrix.forEach((row, r) => row.forEach((v, c) => {
    if (v != null && Number.isFinite(v)) data.push([c, r, v]);
  }));
  const small = rowLabels.length * colLabels.length <= 400;
  return {
    tooltip: {
      position: 'top',
      formatter: (p: unknown) => matrixTooltip(input, (p as { value: [number, number, number] }).value, digits),
    },
    grid: { left: 110, right: 70, top: 20, bottom: 90, containLabel: false },
    xAxis: { type: 'category', data: [...colLabels], name: input.colName, nameLocation: 'middle', nameGap: 70, axisLabel: { rotate: 40, interval: 0 }, splitArea: { show: true } },
    yAxis: { type: 'category', data: [...rowLabels], name: input.rowName, nameLocation: 'middle', nameGap: 95, inverse: true, axisLabel: { interval: 0 }, splitArea: { show: true } },
    visualMap: { min: lo, max: hi === lo ? lo + 1 : hi, calculable: true, orient: 'vertical', right: 0, top: 'center', itemHeight: 160, inRange: { color: [...SEQUENTIAL] } },
    series: [{
      type: 'heatmap',
      data,
      label: { show: input.showValues ?? small, fontSize: 10, formatter: (p: unknown) => formatCell((p as { value: number[] }).value[2], digits) },
      emphasis: { itemStyle: { borderColor: '#000', borderWidth: 1 } },
    }],
  };
}

/** A heatmap cell's tooltip (HTML, which ECharts inserts as is): every label escaped. */
export function matrixTooltip(input: Pick<MatrixHeatmapInput, 'rowLabels' | 'colLabels' | 'rowName' | 'colName'>, v: readonly [number, number, number], digits = 2): string {
  const e = escapeHtml;
  return `${e(input.rowName)}: <b>${e(input.rowLabels[v[1]])}</b><br/>${e(input.colName)}: <b>${e(input.colLabels[v[0]])}</b><br/>${Number(v[2].toFixed(digits + 2))}`;
}

function formatCell(v: number, digits: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

/** Validates a confusion matrix (square, one row per class, non-negative counts). */
export function checkConfusion(c: ConfusionResult): void {
  const n = c.classNames.length;
  if (c.counts.length !== n) throw badInput(`confusion matrix of ${c.model}: ${c.counts.length} rows for ${n} classes; expected counts[true][predicted] with one row per class`);
  c.counts.forEach((row, i) => {
    if (row.length !== n) throw badInput(`confusion matrix of ${c.model}: row ${i} has ${row.length} cells for ${n} classes; expected a square matrix`);
    for (const v of row) if (!(Number.isFinite(v) && v >= 0)) throw badInput(`confusion matrix of ${c.model}: row ${i} holds ${v}; counts must be finite and non-negative`);
  });
}

/**
 * The confusion matrix as a heatmap: rows = true class, columns = predicted class, the value
 * printed in every cell. The colour scale runs over the off-diagonal cells only (to the largest
 * error count), so errors stand out instead of fading beside the large diagonal; diagonal cells
 * are a second, neutral series (still labelled and clickable). Zero cells are drawn too so that
 * every cell can be clicked.
 */
export function confusionHeatmapOption(c: ConfusionResult): EChartsOption {
  checkConfusion(c);
  const off = c.counts.map((row, r) => row.map((v, k) => (r === k ? null : v)));
  const base = matrixHeatmapOption({
    matrix: off,
    rowLabels: c.classNames,
    colLabels: c.classNames,
    rowName: 'True class',
    colName: 'Predicted class',
    range: [0, Math.max(1, ...off.flat().filter((v): v is number => v != null))],
    showValues: true,
  });
  const diagonal = c.counts.map((row, r) => [r, r, row[r]] as [number, number, number]);
  const series = (base.series as unknown[])[0] as Record<string, unknown>;
  return {
    ...base,
    visualMap: { ...(base.visualMap as object), seriesIndex: 0, text: ['errors', ''] },
    series: [
      series,
      { ...series, name: 'correct', data: diagonal, itemStyle: { color: '#e3ecf7', borderColor: '#9db4d6', borderWidth: 1 }, label: { show: true, fontSize: 10, fontWeight: 'bold', color: '#1c2430' } },
    ],
  };
}

/**
 * B − A of two confusion matrices on a diverging scale (symmetric around 0): on the diagonal
 * green = B gets more right, off the diagonal red = B makes more of that error.
 */
export function deltaHeatmapOption(classNames: readonly string[], delta: ReadonlyArray<ReadonlyArray<number>>): EChartsOption {
  const m = Math.max(1, ...delta.flat().map(Math.abs));
  const base = matrixHeatmapOption({
    matrix: delta, rowLabels: classNames, colLabels: classNames, rowName: 'True class', colName: 'Predicted class', range: [-m, m], showValues: true, digits: 0,
  });
  // Off-diagonal: more errors under B is bad (red); diagonal: more correct is good — colours flip sign there.
  const data = delta.flatMap((row, r) => row.map((v, k) => ({ value: [k, r, v], good: r === k ? v : -v })));
  const series = (base.series as unknown[])[0] as Record<string, unknown>;
  return {
    ...base,
    visualMap: { ...(base.visualMap as object), min: -m, max: m, dimension: 3, inRange: { color: ['#c0392b', '#f4d3cf', '#ffffff', '#cfe8d8', '#1f8a4c'] }, text: ['better under B', 'worse under B'] },
    series: [{ ...series, data: data.map((d) => [...d.value, d.good]), label: { show: true, fontSize: 10, formatter: (p: unknown) => { const v = (p as { value: number[] }).value[2]; return v > 0 ? `+${v}` : String(v); } } }],
  };
}

/** The (true, predicted) cell behind a heatmap click, or null if the click was elsewhere. */
export function confusionCellFromClick(params: { value?: unknown }): { trueClass: number; predClass: number; count: number } | null {
  const v = params.value;
  if (!Array.isArray(v) || v.length < 3 || !v.every((x) => typeof x === 'number')) return null;
  return { predClass: v[0] as number, trueClass: v[1] as number, count: v[2] as number };
}
