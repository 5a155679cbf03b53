/**
 * Options for query answers: the top-K neurons as bars (the exact answer beside the sample's
 * when known), the S3 argmax distribution as a histogram, and a mean-activation profile with
 * its bootstrap confidence band.
 */
import type { EChartsOption } from 'echarts';
import type { QueryAnswer, QueryResult } from '../../src-main/shared/api.ts';
import { badInput } from '../../src-main/shared/errors.ts';
import { neuronLabel } from './activationLayout.ts';

const SAMPLE_COLOR = '#2f6fde';
const EXACT_COLOR = '#9aa5b1';
const MISS_COLOR = '#e08a2c';

/**
 * Bars of the top-K neurons, best first. With `exact`, a second bar per neuron shows its exact
 * score when the neuron is also in the exact top-K, and sample bars of neurons missing from the
 * exact top-K turn orange (they are the precision@K misses).
 */
export function topKBarOption(answer: QueryAnswer, exact?: QueryAnswer): EChartsOption {
  const top = answer.topK;
  if (!top) throw badInput(`top-K chart: the answer of ${answer.set} on ${answer.layer} has no topK; only S1 answers have one`);
  const exactScore = new Map((exact?.topK ?? []).map((t) => [t.neuron, t.score]));
  const labels = top.map((t) => neuronLabel(t.neuron, answer.shape, answer.granularity));
  const series: NonNullable<EChartsOption['series']> & unknown[] = [{
    type: 'bar',
    name: exact ? 'Sample' : 'Score',
    data: top.map((t) => ({ value: t.score, neuron: t.neuron, itemStyle: { color: exact && !exactScore.has(t.neuron) ? MISS_COLOR : SAMPLE_COLOR } })),
  }];
  if (exact) {
    series.push({ type: 'bar', name: 'Exact', data: top.map((t) => ({ value: exactScore.get(t.neuron) ?? null, neuron: t.neuron })), itemStyle: { color: EXACT_COLOR } });
  }
  return {
    legend: exact ? { top: 0, data: ['Sample', 'Exact'] } : undefined,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 60, right: 16, top: exact ? 30 : 16, bottom: 60 },
    xAxis: { type: 'category', data: labels, name: answer.granularity === 'channel' ? 'channel' : 'neuron', nameLocation: 'middle', nameGap: 44, axisLabel: { rotate: labels.length > 12 ? 45 : 0, interval: 0 } },
    yAxis: { type: 'value', name: 'activation' }, // bars start at 0 so their heights compare
    series,
  };
}

/** Top of the S3 share axis: the data maximum rounded up to the next 0.05, within [0.05, 1]. */
export function histogramMax(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 0.05;
  return Math.min(1, Math.max(0.05, Math.ceil(Math.round(max * 1e9) / 1e9 * 20) / 20));
}

/** Neuron index behind a clicked top-K bar. */
export function neuronFromClick(params: { data?: unknown }): number | null {
  const d = params.data as { neuron?: unknown } | undefined;
  return d && typeof d.neuron === 'number' ? d.neuron : null;
}

/**
 * The S3 distribution: the share of items whose argmax is each neuron. Only neurons with mass
 * in either answer are shown (a conv layer has thousands of units, most never the argmax), in
 * neuron order.
 */
export function histogramOption(answer: QueryAnswer, exact?: QueryAnswer): EChartsOption {
  const v = answer.vector;
  if (!v) throw badInput(`histogram: the answer of ${answer.set} on ${answer.layer} has no vector`);
  const ev = exact?.vector;
  if (ev && ev.length !== v.length) throw badInput(`histogram: the exact vector has ${ev.length} entries, the sample's ${v.length}; they must describe the same layer`);
  const keep: number[] = [];
  for (let i = 0; i < v.length; i++) if (v[i] > 0 || (ev && ev[i] > 0)) keep.push(i);
  const series: NonNullable<EChartsOption['series']> & unknown[] = [{ type: 'bar', name: ev ? 'Sample' : 'Share of items', data: keep.map((i) => v[i]), itemStyle: { color: SAMPLE_COLOR }, large: keep.length > 400 }];
  if (ev) series.push({ type: 'bar', name: 'Exact', data: keep.map((i) => ev[i]), itemStyle: { color: EXACT_COLOR }, large: keep.length > 400 });
  return {
    legend: ev ? { top: 0, data: ['Sample', 'Exact'] } : undefined,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 60, right: 16, top: ev ? 30 : 16, bottom: 60 },
    xAxis: { type: 'category', data: keep.map((i) => neuronLabel(i, answer.shape, answer.granularity)), name: 'argmax neuron', nameLocation: 'middle', nameGap: 44 },
    // Round the top up to the next 0.05 so the axis ends on a readable tick, not on the data maximum.
    yAxis: { type: 'value', name: 'share of items', max: (m: { max: number }) => histogramMax(m.max) },
    series,
  };
}

/**
 * The mean activation of every neuron as a line, with the bootstrap band (lower/upper per
 * neuron) and the exact vector when present.
 */
export function profileOption(vector: readonly number[], opts: { lower?: readonly number[]; upper?: readonly number[]; exact?: readonly number[]; label?: string } = {}): EChartsOption {
  const n = vector.length;
  const { lower, upper, exact } = opts;
  if ((lower && lower.length !== n) || (upper && upper.length !== n)) throw badInput(`profile: the confidence interval has ${lower?.length ?? upper?.length} bounds for ${n} neurons; expected one per neuron`);
  if (exact && exact.length !== n) throw badInput(`profile: the exact vector has ${exact.length} entries for ${n} neurons`);
  const x = Array.from({ length: n }, (_, i) => i);
  const series: NonNullable<EChartsOption['series']> & unknown[] = [];
  if (lower && upper) {
    // Stacked band: an invisible lower line plus the (upper − lower) area on top of it.
    series.push({ type: 'line', name: 'lower', data: [...lower], stack: 'ci', symbol: 'none', lineStyle: { opacity: 0 }, silent: true });
    series.push({ type: 'line', name: 'Confidence interval', data: upper.map((u, i) => u - lower[i]), stack: 'ci', symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color: 'rgba(47,111,222,0.18)' }, itemStyle: { color: 'rgba(47,111,222,0.35)' }, silent: true });
  }
  series.push({ type: 'line', name: opts.label ?? 'Sample', data: [...vector], symbol: 'none', lineStyle: { color: SAMPLE_COLOR, width: 1.2 }, itemStyle: { color: SAMPLE_COLOR }, sampling: 'lttb' });
  if (exact) series.push({ type: 'line', name: 'Exact', data: [...exact], symbol: 'none', lineStyle: { color: '#444', width: 1, type: 'dashed' }, itemStyle: { color: '#444' }, sampling: 'lttb' });
  return {
    legend: { top: 0, data: series.map((s) => (s as { name: string }).name).filter((s) => s !== 'lower') },
    tooltip: { trigger: 'axis' },
    // With the zoom slider under the axis, the axis name moves above it so the two do not overlap.
    grid: { left: 60, right: 16, top: 30, bottom: n > 200 ? 58 : 40 },
    xAxis: { type: 'category', data: x, name: 'neuron', nameLocation: 'middle', nameGap: 22 },
    yAxis: { type: 'value', scale: true },
    dataZoom: n > 200 ? [{ type: 'inside' }, { type: 'slider', height: 14, bottom: 4 }] : undefined,
    series,
  };
}

/** What the result panel should headline: the error against the exact answer, else the CI width. */
export function sampleQuality(r: QueryResult): { kind: 'error' | 'interval' | 'exact'; text: string } {
  const s = r.sample;
  if (!s) return { kind: 'exact', text: `Exact answer over ${r.answer.items.toLocaleString()} items` };
  if (s.error) {
    const better = s.error.metric === 'precision@K' ? 'higher is better' : 'lower is better';
    return { kind: 'error', text: `${s.error.metric} = ${s.error.value.toFixed(4)} (${better})` };
  }
  if (s.confidenceInterval) {
    const { level, lower, upper } = s.confidenceInterval;
    const widths = lower.map((l, i) => upper[i] - l).filter(Number.isFinite);
    const mean = widths.length ? widths.reduce((a, b) => a + b, 0) / widths.length : NaN;
    return { kind: 'interval', text: `${Math.round(level * 100)} % bootstrap interval, mean width ${Number.isFinite(mean) ? mean.toFixed(4) : '—'} over ${widths.length} values` };
  }
  return { kind: 'interval', text: `Answered from sample ${s.name}; no exact answer or interval available` };
}
