/**
 * The latent-space scatter: one series per true class for correctly classified items (circles),
 * one per true class for misclassified items (triangles, same name so the legend toggles both),
 * and an overlay ring around the members of a chosen sample. Every point carries its index into
 * the projection's arrays, so tooltips and brush selections map back to item ids.
 *
 * 10,000 points stay smooth: class series switch to ECharts' large mode (one batched path per
 * series) and render progressively above a few thousand points.
 */
import type { EChartsOption } from 'echarts';
import type { LatentProjection } from '../../src-main/shared/api.ts';
import { badInput } from '../../src-main/shared/errors.ts';
import { escapeHtml } from '../../src-main/shared/escape-html.ts';
import { classColor } from './palette.ts';

export interface LatentScatterOptions {
  /** Item ids to ring (sample members); default: the projection's sampleMembers. */
  highlight?: Iterable<number>;
  /** Draw misclassified items as triangles (default true); false draws them like the rest. */
  markMisclassified?: boolean;
  /** Tooltip body for the projection index under the pointer. */
  tooltip?: (index: number) => string;
  /** Colour every point by a score in [0, 1] (values aligned with the projection's items) instead of by class. */
  colorBy?: { name: string; values: ArrayLike<number> };
  /**
   * What the series (and their colours and legend) group by: the true class (default), the
   * predicted class, or correctness (two series: correct, misclassified).
   */
  groupBy?: 'true' | 'predicted' | 'correctness';
}

/** Colours of the correctness grouping: correct, misclassified. */
export const CORRECTNESS_COLOURS = ['#59a14f', '#e15759'] as const;

/** Sequential colours (viridis stops) for a score from 0 to 1. */
export const SCORE_COLOURS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

export interface LatentScatter {
  option: EChartsOption;
  /** seriesIndices[s][d] = projection index of data point d of series s (for brush and tooltips). */
  seriesIndices: number[][];
  misclassified: number;
}

export const SAMPLE_SERIES = 'Sample members';

/** Checks that the projection's parallel arrays agree and hold finite coordinates. */
export function checkProjection(p: LatentProjection): void {
  const n = p.itemIds.length;
  for (const [key, arr] of [['x', p.x], ['y', p.y], ['trueLabels', p.trueLabels], ['predicted', p.predicted], ['confidence', p.confidence]] as const) {
    if (arr.length !== n) throw badInput(`latent projection: ${key} has ${arr.length} entries for ${n} items; every array must have one entry per item`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(p.x[i]) || !Number.isFinite(p.y[i])) throw badInput(`latent projection: item ${p.itemIds[i]} has a non-finite coordinate (${p.x[i]}, ${p.y[i]}); recompute the projection`);
  }
}

export function latentScatterOption(p: LatentProjection, opts: LatentScatterOptions = {}): LatentScatter {
  checkProjection(p);
  const n = p.itemIds.length;
  const mark = opts.markMisclassified ?? true;
  const groupBy = opts.groupBy ?? 'true';
  const classes = Math.max(p.classNames.length, ...p.trueLabels.map((t) => t + 1), ...p.predicted.map((t) => t + 1), 0);
  const names = groupBy === 'correctness' ? ['correct', 'misclassified'] : Array.from({ length: classes }, (_, c) => p.classNames[c] ?? `class ${c}`);
  const colourOf = (g: number) => (groupBy === 'correctness' ? CORRECTNESS_COLOURS[g] : classColor(g));
  const ok: number[][] = names.map(() => []);
  const wrong: number[][] = names.map(() => []);
  let misclassified = 0;
  for (let i = 0; i < n; i++) {
    const t = p.trueLabels[i];
    const isWrong = p.predicted[i] !== t;
    if (isWrong) misclassified++;
    const g = groupBy === 'correctness' ? (isWrong ? 1 : 0) : groupBy === 'predicted' ? p.predicted[i] : t;
    (isWrong && mark ? wrong : ok)[g].push(i);
  }
  const highlight = new Set(opts.highlight ?? p.sampleMembers);
  const members: number[] = [];
  if (highlight.size) for (let i = 0; i < n; i++) if (highlight.has(p.itemIds[i])) members.push(i);

  const big = n > 2000;
  const by = opts.colorBy;
  if (by && by.values.length !== n) throw new Error(`colour by ${by.name}: ${by.values.length} values for ${n} items`);
  const points = (idx: number[]) => idx.map((i) => (by ? [p.x[i], p.y[i], i, by.values[i]] : [p.x[i], p.y[i], i]));
  const seriesIndices: number[][] = [];
  const series: NonNullable<EChartsOption['series']> & unknown[] = [];
  names.forEach((name, c) => {
    seriesIndices.push(ok[c]);
    series.push({
      type: 'scatter', name, data: points(ok[c]), symbol: 'circle', symbolSize: big ? 4 : 6,
      itemStyle: { color: colourOf(c), opacity: 0.75 },
      large: true, largeThreshold: 2000, progressive: 4000, progressiveThreshold: 5000,
    });
    if (mark) {
      seriesIndices.push(wrong[c]);
      series.push({
        type: 'scatter', name, data: points(wrong[c]), symbol: 'triangle', symbolSize: big ? 7 : 9,
        itemStyle: { color: colourOf(c), borderColor: '#222', borderWidth: 0.6 },
        large: true, largeThreshold: 2000, progressive: 4000, progressiveThreshold: 5000, z: 3,
      });
    }
  });
  if (members.length) {
    seriesIndices.push(members);
    series.push({
      type: 'scatter', name: SAMPLE_SERIES, data: points(members), symbol: 'emptyCircle', symbolSize: 8,
      itemStyle: { color: '#111', borderColor: '#111', borderWidth: 1.2 },
      large: members.length > 2000, largeThreshold: 2000, z: 4,
    });
  }
  const tip = opts.tooltip;
  return {
    seriesIndices,
    misclassified,
    option: {
      legend: { type: 'scroll', top: 0, data: members.length ? [...names, SAMPLE_SERIES] : names },
      grid: { left: 56, right: by ? 90 : 20, top: 40, bottom: 44 },
      ...(by ? {
        visualMap: {
          type: 'continuous', min: 0, max: 1, dimension: 3, calculable: true, right: 0, top: 'middle',
          text: [`${by.name} 1`, '0'], inRange: { color: SCORE_COLOURS },
          // Only the item series: the sample's rings keep their own style.
          seriesIndex: series.map((_, s) => s).filter((s) => (series[s] as { name?: string }).name !== SAMPLE_SERIES),
        },
      } : {}),
      // Axis names say which projection this is (PCA components are ordered by variance; UMAP axes mean nothing alone).
      xAxis: { type: 'value', scale: true, splitLine: { show: false }, axisLine: { onZero: false }, name: axisName(p.method, 1), nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'value', scale: true, splitLine: { show: false }, axisLine: { onZero: false }, name: axisName(p.method, 2), nameLocation: 'middle', nameGap: 34 },
      tooltip: {
        trigger: 'item',
        enterable: false,
        formatter: (params: unknown) => {
          const v = (params as { value?: unknown }).value;
          const i = Array.isArray(v) ? Number(v[2]) : NaN;
          if (!Number.isInteger(i) || i < 0 || i >= n) return '';
          return tip ? tip(i) : defaultTooltip(p, i);
        },
      },
      toolbox: { right: 10, top: 22, feature: { brush: { type: ['rect', 'polygon', 'clear'], title: { rect: 'Box select', polygon: 'Lasso select', clear: 'Clear selection' } } } },
      // Wheel zooms, dragging pans (while no brush tool is active); the view is not filtered, only framed.
      dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }, { type: 'inside', yAxisIndex: 0, filterMode: 'none' }],
      brush: { toolbox: ['rect', 'polygon', 'clear'], xAxisIndex: 'all', throttleType: 'debounce', throttleDelay: 200, brushStyle: { borderWidth: 1, color: 'rgba(47,111,222,0.08)', borderColor: '#2f6fde' } },
      series,
    },
  };
}

export function axisName(method: LatentProjection['method'], axis: 1 | 2): string {
  return method === 'pca' ? `PC ${axis}` : method === 'tsne' ? `t-SNE ${axis}` : `UMAP ${axis}`;
}

/** Per true class: items and misclassified items (the view's class table, beside the chart's legend). */
export function classCounts(p: LatentProjection): Array<{ cls: number; name: string; items: number; misclassified: number }> {
  const classes = Math.max(p.classNames.length, ...p.trueLabels.map((t) => t + 1), 0);
  const out = Array.from({ length: classes }, (_, c) => ({ cls: c, name: p.classNames[c] ?? `class ${c}`, items: 0, misclassified: 0 }));
  for (let i = 0; i < p.trueLabels.length; i++) {
    const row = out[p.trueLabels[i]];
    row.items++;
    if (p.predicted[i] !== p.trueLabels[i]) row.misclassified++;
  }
  return out;
}

/** A point's tooltip (HTML, which ECharts inserts as is): class names escaped. */
export function defaultTooltip(p: LatentProjection, i: number): string {
  const name = (c: number) => escapeHtml(p.classNames[c] ?? `class ${c}`);
  const wrong = p.predicted[i] !== p.trueLabels[i];
  return `item ${escapeHtml(p.itemIds[i])}<br/>true: <b>${name(p.trueLabels[i])}</b><br/>predicted: <b style="color:${wrong ? '#c0392b' : 'inherit'}">${name(p.predicted[i])}</b> (${(100 * p.confidence[i]).toFixed(1)} %)`;
}

const IMAGE_DATA_URL = /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/]+={0,2}$/;

/**
 * A tooltip with the item's thumbnail above `body` (already escaped HTML). Only a base64 PNG/JPEG
 * data: URL is shown; anything else (not loaded yet, or not an image) gets the grey placeholder.
 */
export function thumbnailTooltip(thumbnail: string | undefined, body: string): string {
  const img = thumbnail && IMAGE_DATA_URL.test(thumbnail)
    ? `<img src="${escapeHtml(thumbnail)}" width="64" height="64" style="image-rendering:pixelated;display:block;margin-bottom:4px" />`
    : '<div style="width:64px;height:64px;background:#eee;margin-bottom:4px"></div>';
  return img + body;
}

/**
 * Item ids inside a brush selection. `selected` is ECharts' brushSelected batch entry
 * (`[{ seriesIndex, dataIndex[] }]`); points that appear in several series (a sample member is
 * also in its class series) are counted once. Result sorted ascending.
 */
export function itemsFromBrush(
  seriesIndices: readonly number[][],
  itemIds: readonly number[],
  selected: ReadonlyArray<{ seriesIndex: number; dataIndex: readonly number[] }>,
): number[] {
  const out = new Set<number>();
  for (const s of selected) {
    const idx = seriesIndices[s.seriesIndex];
    if (!idx) continue;
    for (const d of s.dataIndex) {
      const i = idx[d];
      if (i !== undefined) out.add(itemIds[i]);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** What a score colouring shows, for the legend beside the chart: count, min, median and max of the values. */
export interface ScoreSummary { n: number; min: number; median: number; max: number }

/** Count, min, median (mean of the two middle values for an even count) and max; null when there is no finite value. */
export function scoreSummary(values: ArrayLike<number>): ScoreSummary | null {
  const v = Array.from(values).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  return { n: v.length, min: v[0], median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, max: v[v.length - 1] };
}
