/**
 * The report's underlying tables as CSV files beside the HTML (`<base>-layers.csv`,
 * `<base>-confusion.csv`, …), RFC 4180: comma-separated, CRLF line ends, a field quoted when it
 * holds a comma, a double quote, CR or LF, with quotes doubled. Numbers keep full precision.
 */
import { dirname, basename, extname, join } from 'node:path';
import { checkOutputs, writeOutput, type SafeOutputOptions } from '../store/safe-output.ts';
import type { ReportComparedModel, ReportConfusion, ReportDocument } from './report-document.ts';
import { reportNeuronName } from './html.ts';
import { formatSamplerSettings } from '../shared/sampler-params.ts';

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvTable {
  /** File name suffix: `<base>-<name>.csv`. */
  name: string;
  headers: string[];
  rows: CsvValue[][];
}

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? numberText(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(headers: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [headers, ...rows].map((r) => r.map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

/** Every table the document holds, in report order; sections that are absent give no table. */
export function reportCsvTables(doc: ReportDocument): CsvTable[] {
  const t: CsvTable[] = [];
  const m = doc.model;
  if (m?.layers?.length) {
    t.push({
      name: 'layers',
      headers: ['index', 'name', 'class', 'shape', 'units', 'params', 'flops'],
      rows: m.layers.map((l, i) => [i, l.name, l.className, (l.shape ?? []).join('x'), l.units, l.params, l.flops]),
    });
  }
  if (m?.checkpoints?.length) {
    t.push({ name: 'checkpoints', headers: ['checkpoint', 'test_accuracy'], rows: m.checkpoints.map((c) => [c.label, c.testAccuracy]) });
  }
  if (doc.confusion) t.push(confusionTable('confusion', doc.confusion));
  if (doc.samples?.length) {
    t.push({
      name: 'samples',
      headers: ['name', 'method', 'fraction', 'j', 'seed', 'size', 'correct', 'incorrect', 'seconds', 'created', 'parameters'],
      rows: doc.samples.map((s) => [s.name, s.method, s.fraction, s.j, s.seed, s.size, s.correct, s.incorrect, s.seconds, s.created, formatSamplerSettings(s.params)]),
    });
  }
  if (doc.queries?.length) {
    t.push({
      name: 'queries',
      headers: ['query', 'title', 'set', 'layer', 'subset', 'sample', 'items', 'error_metric', 'error', 'ci_level', 'seconds'],
      rows: doc.queries.map((q, i) => [
        i + 1, q.title, q.set, q.layer, q.subset, q.sample ?? '', q.items, q.error?.metric, q.error?.value, q.confidenceInterval?.level, q.seconds,
      ]),
    });
    // The answers themselves in long form: one row per neuron and kind of value.
    const values: CsvValue[][] = [];
    doc.queries.forEach((q, i) => {
      // The neuron named as in the workbench and the CLI, its flat index beside it.
      const named = (n: number) => reportNeuronName(q, n);
      q.topK?.forEach((e, r) => values.push([i + 1, 'topK', r + 1, named(e.neuron), e.neuron, e.score, null, null]));
      q.exactTopK?.forEach((e, r) => values.push([i + 1, 'exactTopK', r + 1, named(e.neuron), e.neuron, e.score, null, null]));
      q.vector?.forEach((v, n) => values.push([i + 1, 'vector', null, named(n), n, v, q.confidenceInterval?.lower[n], q.confidenceInterval?.upper[n]]));
    });
    if (values.length) t.push({ name: 'query-values', headers: ['query', 'kind', 'rank', 'neuron_name', 'neuron', 'value', 'ci_lower', 'ci_upper'], rows: values });
  }
  const ev = doc.evaluation;
  if (ev?.e1?.length) t.push({ name: 'e1', headers: ['method', 'fraction', 'seed', 'size', 's1', 's2', 's3'], rows: ev.e1.map((r) => [r.method, r.fraction, r.seed, r.size, r.s1, r.s2, r.s3]) });
  if (ev?.e2?.length) t.push({ name: 'e2', headers: ['method', 'k', 'precision'], rows: ev.e2.map((r) => [r.method, r.k, r.precision]) });
  if (ev?.e3?.length) t.push({ name: 'e3', headers: ['method', 'j', 'weighted', 'reference', 's1', 's2', 's3'], rows: ev.e3.map((r) => [r.method, r.j, r.weighted ?? false, r.reference ?? false, r.s1, r.s2, r.s3]) });
  if (ev?.e4?.length) t.push({ name: 'e4', headers: ['method', 'seconds', 'size'], rows: ev.e4.map((r) => [r.method, r.seconds, r.size]) });
  if (ev?.table4?.length) t.push({ name: 'table4', headers: ['method', 'correct', 'incorrect', 'size'], rows: ev.table4.map((r) => [r.method, r.correct, r.incorrect, r.size]) });
  const c = doc.comparison;
  if (c) {
    t.push({
      name: 'comparison',
      headers: ['model', 'checkpoint', 'architecture', 'params', 'accuracy'],
      rows: [c.a, c.b].map((x) => [x.name, x.checkpoint, x.architecture, x.totalParams, x.accuracy]),
    });
    (['a', 'b'] as const).forEach((side) => {
      const x: ReportComparedModel = c[side];
      if (x.confusion) t.push(confusionTable(`compare-${side}-confusion`, x.confusion));
      if (x.learningCurves) {
        const lc = x.learningCurves;
        t.push({
          name: `compare-${side}-learning`,
          headers: ['class', ...lc.checkpoints],
          rows: lc.classNames.map((name, k) => [name, ...lc.accuracy[k]]),
        });
      }
    });
    if (c.cka) t.push({ name: 'cka', headers: ['layer_a', ...c.cka.layersB], rows: c.cka.layersA.map((l, i) => [l, ...c.cka!.values[i]]) });
  }
  if (doc.comparisons?.length) {
    t.push({
      name: 'comparisons',
      headers: ['comparison', 'a_model', 'a_checkpoint', 'b_model', 'b_checkpoint', 'items', 'accuracy_a', 'accuracy_b', 'right_to_wrong', 'wrong_to_right'],
      rows: doc.comparisons.map((x, i) => [i + 1, x.a.model, x.a.checkpoint, x.b.model, x.b.checkpoint, x.items, x.a.accuracy, x.b.accuracy, x.rightToWrong.total, x.wrongToRight.total]),
    });
    t.push({
      name: 'comparison-classes',
      headers: ['comparison', 'class', 'accuracy_a', 'accuracy_b', 'change'],
      rows: doc.comparisons.flatMap((x, i) => x.classNames.map((n, k) => {
        const a = x.accuracyA[k], b = x.accuracyB[k];
        return [i + 1, n, a, b, a === null || b === null ? null : b - a];
      })),
    });
  }
  return t;
}

function confusionTable(name: string, c: ReportConfusion): CsvTable {
  // A square matrix with labelled rows (true) and columns (predicted), as a reader opens it.
  return { name, headers: ['true \\ predicted', ...c.classNames], rows: c.classNames.map((n, i) => [n, ...c.counts[i]]) };
}

/** `<dir>/<base>-<name>.csv` for an HTML path `<dir>/<base>.html`. */
export function csvPathFor(htmlPath: string, name: string): string {
  const base = basename(htmlPath, extname(htmlPath));
  return join(dirname(htmlPath), `${base}-${name}.csv`);
}

/** Every table name reportCsvTables can give (the files a report may write beside its HTML). */
export const REPORT_CSV_NAMES = [
  'layers', 'checkpoints', 'confusion', 'samples', 'queries', 'query-values', 'e1', 'e2', 'e3', 'e4', 'table4',
  'comparison', 'compare-a-confusion', 'compare-a-learning', 'compare-b-confusion', 'compare-b-learning', 'cka',
  'comparisons', 'comparison-classes',
] as const;

/**
 * Writes every table beside the HTML path through the safe output path (all files checked before
 * the first is written); returns the paths written and their total bytes.
 */
export async function writeReportCsv(doc: ReportDocument, htmlPath: string, safe: SafeOutputOptions = {}): Promise<{ paths: string[]; bytes: number }> {
  const tables = reportCsvTables(doc);
  const paths = tables.map((t) => csvPathFor(htmlPath, t.name));
  const targets = await checkOutputs(paths, safe);
  let bytes = 0;
  for (const [i, table] of tables.entries()) bytes += await writeOutput(targets[i], toCsv(table.headers, table.rows));
  return { paths, bytes };
}
