/**
 * Markdown tables of stored E1 results (docs/results), built from the rows `margin evaluate`
 * wrote — so no number in those documents is typed by hand. Pure: rows in, text out; reading the
 * files is scripts/results-table.ts's.
 *
 * A document asks for a table with a marker pair, whose inside is replaced on every run:
 *   <!-- results-table e1 run=fashion-mnist-lenet5-bn-e1 -->            one run: S1/S2/S3 per method and fraction
 *   <!-- results-table compare a=X b=Y fraction=0.05 labels=A,B -->     two runs side by side at one fraction
 *   <!-- results-table goal runs=X,Y,… labels=A,B,… fraction=0.05 base=maxmargin new=query-strata -->
 *   …
 *   <!-- /results-table -->
 * Run paths are folders (holding e1.json) relative to the document's folder. Lists are separated by
 * commas, or by semicolons when one holds a semicolon (labels with commas, e.g. "10,000 items"); in
 * labels "_" stands for a space.
 */
import type { E1Row } from './experiment-rows.ts';
import { badInput } from '../shared/errors.ts';

export interface Cell {
  n: number;
  s1: number;
  s2: number;
  s3: number;
  /** Standard deviation of S1 over the seeds (n − 1 denominator); 0 for one row. */
  s1Sd: number;
  /** Mean sample size. */
  size: number;
}

/** Rows averaged per (method, fraction), methods in first-seen order. */
export function summariseE1(rows: readonly E1Row[]): Map<string, Map<number, Cell>> {
  const acc = new Map<string, Map<number, E1Row[]>>();
  rows.forEach((r, i) => {
    if (!r || typeof r.method !== 'string' || ![r.fraction, r.s1, r.s2, r.s3].every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw badInput(`E1 rows[${i}] must have a method and finite fraction, s1, s2, s3`);
    }
    const byF = acc.get(r.method) ?? new Map<number, E1Row[]>();
    acc.set(r.method, byF);
    const key = r.method === 'boundary-tree' ? -1 : r.fraction; // the tree has its own size: one cell
    byF.set(key, [...(byF.get(key) ?? []), r]);
  });
  const out = new Map<string, Map<number, Cell>>();
  for (const [method, byF] of acc) {
    const cells = new Map<number, Cell>();
    for (const [f, rs] of byF) {
      const mean = (g: (r: E1Row) => number) => rs.reduce((a, r) => a + g(r), 0) / rs.length;
      const s1 = mean((r) => r.s1);
      const sd = rs.length > 1 ? Math.sqrt(rs.reduce((a, r) => a + (r.s1 - s1) ** 2, 0) / (rs.length - 1)) : 0;
      cells.set(f === -1 ? rs[0].fraction : f, { n: rs.length, s1, s2: mean((r) => r.s2), s3: mean((r) => r.s3), s1Sd: sd, size: mean((r) => r.size ?? 0) });
    }
    out.set(method, cells);
  }
  return out;
}

const pct = (f: number) => `${Number((100 * f).toFixed(1))} %`;
const fmt = (v: number) => v.toFixed(3);
const withSd = (c: Cell) => (c.n > 1 ? `${fmt(c.s1)} ± ${fmt(c.s1Sd)}` : fmt(c.s1));

type Metric = 's1' | 's2' | 's3';
const BETTER: Record<Metric, 1 | -1> = { s1: 1, s2: -1, s3: -1 };

/**
 * One run's table: S1 at every fraction (± sd over seeds at the first), S2 at the first and
 * 20 %, S3 at the first, 20 % and 80 % (when present); the best value of each column in bold.
 * The boundary tree (its own size) is one row under the first fraction's columns, its size in the label.
 */
export function e1Table(rows: readonly E1Row[]): string {
  const sum = summariseE1(rows);
  const fractions = [...new Set(rows.filter((r) => r.method !== 'boundary-tree').map((r) => r.fraction))].sort((a, b) => a - b);
  if (!fractions.length) throw badInput('E1 rows hold no fraction-driven sampler');
  const f0 = fractions[0];
  const pick = (fs: number[]) => fs.filter((f) => fractions.includes(f));
  const cols: Array<{ metric: Metric; f: number }> = [
    ...fractions.map((f) => ({ metric: 's1' as const, f })),
    ...pick([...new Set([f0, 0.2])]).map((f) => ({ metric: 's2' as const, f })),
    ...pick([...new Set([f0, 0.2, 0.8])]).map((f) => ({ metric: 's3' as const, f })),
  ];
  const methods = [...sum.keys()].filter((m) => m !== 'boundary-tree');
  const value = (m: string, c: { metric: Metric; f: number }) => sum.get(m)?.get(c.f)?.[c.metric];
  const best = cols.map((c) => {
    const vs = methods.map((m) => value(m, c)).filter((v): v is number => v !== undefined);
    return vs.length ? (BETTER[c.metric] > 0 ? Math.max(...vs) : Math.min(...vs)) : NaN;
  });
  const lines = [
    `| method | ${cols.map((c) => `${c.metric.toUpperCase()} ${pct(c.f)}`).join(' | ')} |`,
    `| --- | ${cols.map(() => '---').join(' | ')} |`,
  ];
  for (const m of methods) {
    const cells = cols.map((c, i) => {
      const cell = sum.get(m)?.get(c.f);
      if (!cell) return '';
      const text = c.metric === 's1' && c.f === f0 ? withSd(cell) : fmt(cell[c.metric]);
      return cell[c.metric] === best[i] ? `**${text}**` : text;
    });
    lines.push(`| ${m} | ${cells.join(' | ')} |`);
  }
  const tree = sum.get('boundary-tree');
  if (tree) {
    const [[f, c]] = [...tree];
    const label = `boundary-tree (${Math.round(c.size).toLocaleString('en-US')} items = ${pct(f)})`;
    const cells = cols.map((col) => (col.f !== f0 ? '' : fmt(c[col.metric])));
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Two runs side by side at one fraction: sample size (A → B where they differ), S1 (± sd), S2, S3 of each, and B − A of S1. */
export function compareTable(a: readonly E1Row[], b: readonly E1Row[], fraction: number, labels: [string, string]): string {
  const sa = summariseE1(a), sb = summariseE1(b);
  const at = (s: Map<string, Map<number, Cell>>, m: string) => {
    const cells = s.get(m);
    if (!cells) return undefined;
    return m === 'boundary-tree' ? [...cells.values()][0] : [...cells].find(([f]) => Math.abs(f - fraction) < 1e-9)?.[1];
  };
  const methods = [...new Set([...sa.keys(), ...sb.keys()])];
  const [la, lb] = labels;
  const lines = [
    `| method | items | S1 ${la} | S1 ${lb} | S1 ${lb} − ${la} | S2 ${la} | S2 ${lb} | S3 ${la} | S3 ${lb} |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const m of methods) {
    const x = at(sa, m), y = at(sb, m);
    if (!x && !y) continue;
    const d = x && y ? y.s1 - x.s1 : undefined;
    const diff = d === undefined ? '' : Math.abs(d) < 0.0005 ? '0' : `${d > 0 ? '+' : '−'}${fmt(Math.abs(d))}`;
    const n = (c: Cell | undefined) => (c ? Math.round(c.size).toLocaleString('en-US') : '–');
    const items = x && y && Math.round(x.size) === Math.round(y.size) ? n(x) : `${n(x)} → ${n(y)}`;
    lines.push(`| ${m} | ${items} | ${x ? withSd(x) : ''} | ${y ? withSd(y) : ''} | ${diff} | ${x ? fmt(x.s2) : ''} | ${y ? fmt(y.s2) : ''} | ${x ? fmt(x.s3) : ''} | ${y ? fmt(y.s3) : ''} |`);
  }
  return lines.join('\n');
}

/** Per run (model): a base sampler against a new one at one fraction, with the relative S1 gain. */
export function goalTable(runs: ReadonlyArray<{ label: string; rows: readonly E1Row[] }>, fraction: number, base: string, next: string): string {
  const lines = [
    `| model | ${base}: S1 / S2 / S3 | ${next}: S1 ± sd / S2 / S3 | S1 gain | S2, S3 no worse |`,
    '| --- | --- | --- | --- | --- |',
  ];
  for (const run of runs) {
    const s = summariseE1(run.rows);
    const get = (m: string) => [...(s.get(m) ?? new Map<number, Cell>())].find(([f]) => Math.abs(f - fraction) < 1e-9)?.[1];
    const x = get(base), y = get(next);
    if (!x || !y) throw badInput(`${run.label}: the run has no ${!x ? base : next} rows at ${pct(fraction)}`);
    const gain = (y.s1 / x.s1 - 1) * 100;
    const ok = y.s2 <= x.s2 && y.s3 <= x.s3 ? 'yes' : 'no';
    lines.push(`| ${run.label} | ${fmt(x.s1)} / ${fmt(x.s2)} / ${fmt(x.s3)} | ${withSd(y)} / ${fmt(y.s2)} / ${fmt(y.s3)} | ${gain >= 0 ? '+' : '−'}${Math.abs(gain).toFixed(0)} % | ${ok} |`);
  }
  return lines.join('\n');
}

/** A marker's list: split on semicolons when there is one, else on commas. */
function list(text: string): string[] {
  return text.split(text.includes(';') ? ';' : ',');
}

export interface TableRequest {
  kind: 'e1' | 'compare' | 'goal';
  args: Record<string, string>;
}

const MARKER = /<!-- results-table (\w+)((?: [\w-]+=[^\s>]+)*) -->\n[\s\S]*?<!-- \/results-table -->/g;

/** The tables a document asks for, in order. */
export function tableRequests(markdown: string): TableRequest[] {
  return [...markdown.matchAll(MARKER)].map((m) => parseRequest(m[1], m[2]));
}

function parseRequest(kind: string, argText: string): TableRequest {
  if (kind !== 'e1' && kind !== 'compare' && kind !== 'goal') throw badInput(`results-table marker: unknown kind ${JSON.stringify(kind)}; use e1, compare or goal`);
  const args: Record<string, string> = {};
  for (const part of argText.trim().split(/\s+/).filter(Boolean)) {
    const eq = part.indexOf('=');
    args[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return { kind, args };
}

/**
 * The document with every marked table rebuilt from `load(runFolder)` (E1 rows). The markers stay,
 * so running it again rebuilds the same text (idempotent).
 */
export function renderTables(markdown: string, load: (run: string) => E1Row[]): string {
  return markdown.replace(MARKER, (whole, kind: string, argText: string) => {
    const req = parseRequest(kind, argText);
    const need = (k: string) => {
      const v = req.args[k];
      if (!v) throw badInput(`results-table ${kind} marker needs ${k}=…`);
      return v;
    };
    const fraction = Number(req.args.fraction ?? '0.05');
    if (!(fraction > 0 && fraction <= 1)) throw badInput(`results-table ${kind} marker: fraction must be in (0, 1], got ${req.args.fraction}`);
    let table: string;
    if (req.kind === 'e1') table = e1Table(load(need('run')));
    else if (req.kind === 'compare') {
      const labels = list(req.args.labels ?? 'A,B');
      if (labels.length !== 2) throw badInput('results-table compare marker: labels must be two names, e.g. labels=defaults,paper');
      table = compareTable(load(need('a')), load(need('b')), fraction, [labels[0].replace(/_/g, ' '), labels[1].replace(/_/g, ' ')]);
    } else {
      const runs = list(need('runs'));
      const labels = list(req.args.labels ?? req.args.runs);
      if (labels.length !== runs.length) throw badInput(`results-table goal marker: ${runs.length} runs but ${labels.length} labels`);
      table = goalTable(runs.map((r, i) => ({ label: labels[i].replace(/_/g, ' '), rows: load(r) })), fraction, req.args.base ?? 'maxmargin', req.args.new ?? 'query-strata');
    }
    const open = whole.slice(0, whole.indexOf('-->') + 3);
    return `${open}\n${table}\n<!-- /results-table -->`;
  });
}
