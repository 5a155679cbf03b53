/**
 * Readable views of the named queries whose data is per unit (issue 15, point 2): Q1 (class ×
 * unit means), Q3 (mean vectors of a class's incorrect and correct items) and Q4 (each unit's
 * correlation with a class logit). A layer has up to thousands of units, so a view never labels
 * them all: it shows the units that matter for the question — Q1 the units whose class means
 * differ most, Q3 the units whose means differ most between the two groups, Q4 the units most
 * correlated (either sign) — as a chart, with the same units in a table beneath. Rows of Q1 are
 * class names; every unit is named as everywhere else (`relu2[c=6, y=0, x=7] #118`).
 *
 * Pure TypeScript, shared by the workbench (src-renderer/charts/named-views.ts draws these) and
 * the report (the same units in its tables).
 */
import { neuronName } from './neuron-name.ts';

/** The layer a named query was asked on (its shape names the units). */
export interface NamedLayer {
  name: string;
  shape: readonly number[];
}

export type UnitView =
  | { kind: 'classMatrix'; title: string; rowLabels: string[]; colLabels: string[]; matrix: Array<Array<number | null>>; note: string }
  | { kind: 'bars'; title: string; categories: string[]; series: Array<{ name: string; values: number[] }>; yName: string; note: string }
  | { kind: 'grid'; title: string; headers: string[]; rows: Array<Array<string | number>>; testId: string };

/** How many units a chart shows at most (readable labels on a 700 px wide chart). */
export const SHOWN_UNITS = 16;

type Num = number | null;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numArr = (v: unknown): v is Num[] => Array.isArray(v) && v.every((x) => x === null || typeof x === 'number');
const round = (v: number) => Number(v.toPrecision(4));
const unitName = (layer: NamedLayer | null, u: number) => (layer ? neuronName(layer.name, u, layer.shape) : `unit #${u}`);

/** Indices of the `k` largest scores (finite only), best first; ties by index. */
export function topIndices(scores: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i])) idx.push(i);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, Math.max(0, k));
}

/** Views of Q1/Q3/Q4 data, or null when the data is not of that query's shape (the generic rendering then applies). */
export function namedUnitViews(query: string, data: unknown, ctx: { classNames: readonly string[]; layer: NamedLayer | null; k?: number }): UnitView[] | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  const k = ctx.k ?? SHOWN_UNITS;
  const cls = (c: number) => ctx.classNames[c] ?? (Array.isArray(d.classNames) && typeof d.classNames[c] === 'string' ? d.classNames[c] as string : `class ${c}`);
  if (query === 'Q1' && Array.isArray(d.matrix) && numArr(d.counts)) return q1Views(d.matrix as Array<Num[] | null>, d.counts as number[], cls, ctx.layer, k);
  if (query === 'Q3' && d.counts && typeof d.counts === 'object' && (d.incorrect === null || numArr(d.incorrect)) && (d.correct === null || numArr(d.correct))) {
    const c = d.counts as { incorrect?: unknown; correct?: unknown };
    return q3Views(d.incorrect as Num[] | null, d.correct as Num[] | null, isNum(c.incorrect) ? c.incorrect : 0, isNum(c.correct) ? c.correct : 0, d.cosineDistance, ctx.layer, k);
  }
  if (query === 'Q4' && numArr(d.correlation)) return q4Views(d.correlation, d.cka, isNum(d.items) ? d.items : 0, ctx.layer, k);
  return null;
}

function q1Views(matrix: Array<Num[] | null>, counts: number[], cls: (c: number) => string, layer: NamedLayer | null, k: number): UnitView[] {
  const rows = matrix.map((r, c) => ({ c, r })).filter((x): x is { c: number; r: Num[] } => Array.isArray(x.r) && (counts[x.c] ?? 0) > 0);
  const units = rows.length ? Math.max(...rows.map((x) => x.r.length)) : 0;
  // A unit matters for "per class" when its class means differ: rank by max − min over the classes.
  const spread = new Float64Array(units).fill(Number.NaN);
  for (let u = 0; u < units; u++) {
    let lo = Infinity, hi = -Infinity;
    for (const { r } of rows) { const v = r[u]; if (isNum(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
    if (hi >= lo) spread[u] = hi - lo;
  }
  const top = topIndices(spread, k);
  const views: UnitView[] = [{
    kind: 'classMatrix',
    title: `Mean activation per class of the ${top.length} units whose class means differ most`,
    rowLabels: rows.map(({ c }) => `${cls(c)} (${counts[c].toLocaleString('en-US')})`),
    colLabels: top.map((u) => unitName(layer, u)),
    matrix: rows.map(({ r }) => top.map((u) => (isNum(r[u]) ? r[u] : null))),
    note: `${units.toLocaleString('en-US')} units in ${layer?.name ?? 'the layer'}; ranked by the spread (max − min) of their class means.`,
  }];
  const perClass = 3;
  views.push({
    kind: 'grid',
    title: `The ${perClass} most active units of each class`,
    headers: ['Class', 'Items', ...Array.from({ length: perClass }, (_, i) => `Unit ${i + 1} (mean)`)],
    rows: matrix.map((r, c) => {
      const best = Array.isArray(r) ? topIndices(r.map((v) => (isNum(v) ? v : Number.NaN)), perClass) : [];
      return [cls(c), counts[c] ?? 0, ...Array.from({ length: perClass }, (_, i) => (best[i] !== undefined ? `${unitName(layer, best[i])} (${round(r![best[i]] as number)})` : '–'))];
    }),
    testId: 'q1-class-units',
  });
  return views;
}

function q3Views(incorrect: Num[] | null, correct: Num[] | null, nIncorrect: number, nCorrect: number, cosine: unknown, layer: NamedLayer | null, k: number): UnitView[] {
  const views: UnitView[] = [];
  const facts: Array<[string, string | number]> = [
    ['Incorrectly classified items', nIncorrect], ['Correctly classified items', nCorrect],
    ['Cosine distance between the two mean vectors', isNum(cosine) ? round(cosine) : 'undefined (a group has no items)'],
  ];
  if (incorrect && correct) {
    const n = Math.min(incorrect.length, correct.length);
    const diff = Array.from({ length: n }, (_, u) => (isNum(incorrect[u]) && isNum(correct[u]) ? (incorrect[u] as number) - (correct[u] as number) : Number.NaN));
    const top = topIndices(diff.map(Math.abs), k);
    views.push({
      kind: 'bars',
      title: `The ${top.length} units whose means differ most between incorrectly and correctly classified items`,
      categories: top.map((u) => unitName(layer, u)),
      series: [{ name: 'incorrect', values: top.map((u) => incorrect[u] as number) }, { name: 'correct', values: top.map((u) => correct[u] as number) }],
      yName: 'mean activation',
      note: `${n.toLocaleString('en-US')} units in ${layer?.name ?? 'the layer'}; ranked by |incorrect − correct|.`,
    });
    views.push({
      kind: 'grid', title: 'Those units', headers: ['Unit', 'Index', 'Mean (incorrect)', 'Mean (correct)', 'Incorrect − correct'],
      rows: top.map((u) => [unitName(layer, u), u, round(incorrect[u] as number), round(correct[u] as number), round(diff[u])]), testId: 'q3-units',
    });
  }
  views.push({ kind: 'grid', title: 'Summary', headers: ['', 'Value'], rows: facts, testId: 'q3-summary' });
  return views;
}

function q4Views(correlation: Num[], cka: unknown, items: number, layer: NamedLayer | null, k: number): UnitView[] {
  const r = correlation.map((v) => (isNum(v) ? v : Number.NaN));
  const top = topIndices(r.map(Math.abs), k);
  return [
    {
      kind: 'bars',
      title: `The ${top.length} units most correlated (either sign) with the class logit`,
      categories: top.map((u) => unitName(layer, u)),
      series: [{ name: 'Pearson r', values: top.map((u) => r[u]) }],
      yName: 'Pearson r',
      note: `${r.length.toLocaleString('en-US')} units in ${layer?.name ?? 'the layer'}, over ${items.toLocaleString('en-US')} items; ranked by |r|.`,
    },
    { kind: 'grid', title: 'Those units', headers: ['Unit', 'Index', 'Pearson r'], rows: top.map((u) => [unitName(layer, u), u, round(r[u])]), testId: 'q4-units' },
    { kind: 'grid', title: 'Summary', headers: ['', 'Value'], rows: [['Linear CKA between the layer and the logits', isNum(cka) ? round(cka) : 'undefined'], ['Items', items]], testId: 'q4-summary' },
  ];
}
