/**
 * The paper's sampler comparison, drawn from stored evaluation runs (evaluate.list).
 *
 * The contract types a run's `result` as unknown; this module parses the shapes agreed with the
 * main process (one run per experiment):
 *   e1     { experiment: 'e1', rows: [{ method, fraction, seed?, size, s1, s2, s3 }] }   Figure 4
 *   e2     { experiment: 'e2', rows: [{ method, k, precision }] }                          Figure 5
 *   e3     { experiment: 'e3', rows: [{ method, j, s1, s2, s3, weighted?, reference? }] }  Figure 6
 *   e4     { experiment: 'e4', rows: [{ method, seconds, size }] }                         Figure 7
 *   table4 { experiment: 'table4', rows: [{ method, correct, incorrect, size }] }          Table IV
 * Anything else is ignored (reported as unparsed), never guessed at.
 */
import type { EChartsOption } from 'echarts';
import { z } from 'zod';
import { SAMPLER_METHODS, type EvaluationRunSummary } from '../../src-main/shared/api.ts';
import { classColor } from './palette.ts';

const num = z.number();
const e1Row = z.object({ method: z.string(), fraction: num, seed: num.optional(), size: num, s1: num, s2: num, s3: num });
const e2Row = z.object({ method: z.string(), k: num, precision: num });
const e3Row = z.object({ method: z.string(), j: num, s1: num, s2: num, s3: num, weighted: z.boolean().optional(), reference: z.boolean().optional() });
const e4Row = z.object({ method: z.string(), seconds: num, size: num });
const t4Row = z.object({ method: z.string(), correct: num, incorrect: num, size: num });

const resultSchema = z.discriminatedUnion('experiment', [
  z.object({ experiment: z.literal('e1'), rows: z.array(e1Row) }),
  z.object({ experiment: z.literal('e2'), rows: z.array(e2Row) }),
  z.object({ experiment: z.literal('e3'), rows: z.array(e3Row) }),
  z.object({ experiment: z.literal('e4'), rows: z.array(e4Row) }),
  z.object({ experiment: z.literal('table4'), rows: z.array(t4Row) }),
]);

export type EvalResult = z.infer<typeof resultSchema>;
export type E1Row = z.infer<typeof e1Row>;
export type E2Row = z.infer<typeof e2Row>;
export type E3Row = z.infer<typeof e3Row>;
export type E4Row = z.infer<typeof e4Row>;
export type Table4Row = z.infer<typeof t4Row>;
export type Metric = 's1' | 's2' | 's3';

export const METRIC_LABEL: Record<Metric, string> = {
  s1: 'S1 precision@K (higher is better)',
  s2: 'S2 cosine distance (lower is better)',
  s3: 'S3 Jensen–Shannon distance (lower is better)',
};

/** The parsed result of a run, or null when its result is not one of the agreed shapes. */
export function parseEvaluation(run: Pick<EvaluationRunSummary, 'result'>): EvalResult | null {
  const r = resultSchema.safeParse(run.result);
  return r.success ? r.data : null;
}

export interface LatestEvaluations {
  e1?: E1Row[];
  e2?: E2Row[];
  e3?: E3Row[];
  e4?: E4Row[];
  table4?: Table4Row[];
  /** Runs whose result had none of the agreed shapes. */
  unparsed: number;
  /** created timestamp of the run each experiment came from. */
  created: Partial<Record<EvalResult['experiment'], string>>;
}

/** The newest run of every experiment (by id, then created). */
export function latestEvaluations(runs: readonly EvaluationRunSummary[]): LatestEvaluations {
  const out: LatestEvaluations = { unparsed: 0, created: {} };
  const sorted = [...runs].sort((a, b) => a.id - b.id || a.created.localeCompare(b.created));
  for (const run of sorted) {
    const r = parseEvaluation(run);
    if (!r) {
      out.unparsed++;
      continue;
    }
    (out as unknown as Record<string, unknown>)[r.experiment] = r.rows;
    out.created[r.experiment] = run.created;
  }
  return out;
}

/** Mean of `value` per (series, x), ordered by x: averages randomised samplers over seeds. */
export function meanBy<T>(rows: readonly T[], series: (r: T) => string, x: (r: T) => number, value: (r: T) => number): Map<string, Array<[number, number]>> {
  const acc = new Map<string, Map<number, { sum: number; n: number }>>();
  for (const r of rows) {
    const v = value(r);
    if (!Number.isFinite(v)) continue;
    const s = series(r);
    const m = acc.get(s) ?? new Map<number, { sum: number; n: number }>();
    const cell = m.get(x(r)) ?? { sum: 0, n: 0 };
    cell.sum += v;
    cell.n++;
    m.set(x(r), cell);
    acc.set(s, m);
  }
  const out = new Map<string, Array<[number, number]>>();
  for (const [s, m] of [...acc].sort((a, b) => a[0].localeCompare(b[0]))) {
    out.set(s, [...m].sort((a, b) => a[0] - b[0]).map(([k, c]) => [k, c.sum / c.n]));
  }
  return out;
}

/** One colour per sampler in every figure (by its place in SAMPLER_METHODS); variants share their base's colour. */
export function methodColor(name: string): string {
  const base = name.replace(/ \((weighted|no j)\)$/, '');
  const i = (SAMPLER_METHODS as readonly string[]).indexOf(base);
  if (i >= 0) return classColor(i);
  let h = 0;
  for (const ch of base) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return classColor(h);
}

function linesOption(lines: Map<string, Array<[number, number]>>, xName: string, yName: string, opts: { dashed?: (name: string) => boolean; yRange?: [number, number]; xLog?: boolean } = {}): EChartsOption {
  return {
    legend: { top: 0, itemWidth: 18, itemHeight: 8, textStyle: { fontSize: 11 } },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : String(v)) },
    grid: { left: 60, right: 20, top: 64, bottom: 44 },
    xAxis: { type: opts.xLog ? 'log' : 'value', name: xName, nameLocation: 'middle', nameGap: 28, scale: true },
    yAxis: { type: 'value', name: yName, nameLocation: 'middle', nameGap: 44, min: opts.yRange?.[0], max: opts.yRange?.[1] },
    series: [...lines].map(([name, data]) => ({
      // K = 1…100 gives 100 points a line: markers would bury the lines, so only short lines get them.
      type: 'line', name, data, symbolSize: 6, showSymbol: data.length <= 20, itemStyle: { color: methodColor(name) },
      lineStyle: { type: opts.dashed?.(name) ? 'dashed' : 'solid', width: 1.6 },
    })),
  };
}

/** Figure 4: a query-set metric against the sampling fraction, one line per method (seeds averaged). */
export function figure4Option(rows: readonly E1Row[], metric: Metric): EChartsOption {
  return linesOption(meanBy(rows, (r) => r.method, (r) => r.fraction, (r) => r[metric]), 'sampling fraction f', METRIC_LABEL[metric], { yRange: [0, 1] });
}

/** Figure 5: S1 precision@K at 5 % against K, one line per method. */
export function figure5Option(rows: readonly E2Row[]): EChartsOption {
  return linesOption(meanBy(rows, (r) => r.method, (r) => r.k, (r) => r.precision), 'K', 'S1 precision@K', { yRange: [0, 1] });
}

/** Series name of an E3 row: the weighted variant and a sampler without j (reference rows) get their own (dashed) lines. */
export function e3SeriesName(r: E3Row): string {
  if (r.reference) return `${r.method} (no j)`;
  return r.weighted && r.method !== 'weighted' ? `${r.method} (weighted)` : r.method;
}

/** Figure 6: a metric against the tuning factor j per method; weighted variants and samplers without j dashed. */
export function figure6Option(rows: readonly E3Row[], metric: Metric): EChartsOption {
  return linesOption(meanBy(rows, e3SeriesName, (r) => r.j, (r) => r[metric]), 'tuning factor j (share from the outlier end)', METRIC_LABEL[metric], {
    dashed: (name) => name.includes('weighted') || name.endsWith('(no j)'),
    yRange: [0, 1],
  });
}

/** Smallest time drawn on the log axis: a zero time (sub-clock-resolution) is shown at 1 µs, not dropped. */
export const MIN_SECONDS = 1e-6;

/** Figure 7: time to create a 5 % sample per method, as bars on a log-scale y axis (mean over runs). */
export function figure7Option(rows: readonly E4Row[]): EChartsOption {
  const means = meanBy(rows, (r) => r.method, () => 0, (r) => r.seconds);
  const methods = [...means.keys()];
  const values = methods.map((m) => Math.max(MIN_SECONDS, means.get(m)![0][1]));
  // Bars on a log axis must grow from below the smallest time: from 1 s (ECharts' default start)
  // a sub-second sampler would hang downwards and look slow. Start at the decade below the minimum.
  const floor = values.length ? 10 ** Math.floor(Math.log10(Math.min(...values))) : MIN_SECONDS;
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v.toPrecision(3)} s` : String(v)) },
    grid: { left: 64, right: 20, top: 20, bottom: 60 },
    xAxis: { type: 'category', data: methods, axisLabel: { rotate: 30, interval: 0 } },
    yAxis: { type: 'log', name: 'seconds (log scale)', nameLocation: 'middle', nameGap: 48, logBase: 10, min: floor, startValue: floor },
    series: [{ type: 'bar', name: 'seconds', data: methods.map((m, i) => ({ value: values[i], itemStyle: { color: methodColor(m) } })) }],
  };
}

export interface Table4View extends Table4Row {
  incorrectShare: number;
}

/** Table IV rows (mean over repeats per method), with the share of incorrectly classified items. */
export function table4View(rows: readonly Table4Row[]): Table4View[] {
  const by = new Map<string, Table4Row[]>();
  for (const r of rows) by.set(r.method, [...(by.get(r.method) ?? []), r]);
  return [...by].map(([method, rs]) => {
    const mean = (f: (r: Table4Row) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
    const correct = mean((r) => r.correct);
    const incorrect = mean((r) => r.incorrect);
    const size = mean((r) => r.size);
    return { method, correct, incorrect, size, incorrectShare: correct + incorrect > 0 ? incorrect / (correct + incorrect) : 0 };
  });
}
