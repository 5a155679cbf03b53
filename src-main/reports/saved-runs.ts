/**
 * From what the store saved to report sections (pure, no I/O): query answers (`query_results`,
 * kinds 'query.run' and 'query.named') → ReportQuery, evaluation runs (`eval_runs`, one run per
 * experiment, result `{ experiment, rows }`) → the latest rows of each experiment, and the named
 * queries Q6/Q7 → learning curves / CKA grids.
 *
 * Saved JSON is untyped and may come from an older version of Margin, so every record is parsed
 * with a schema; one that does not fit is skipped and counted (never guessed at).
 */
import { z } from 'zod';
import type { E1Row, E2Row, E3Row, E4Row, ExperimentResults, Table4Row } from './experiment-rows.ts';
import type { ReportQuery } from './report-document.ts';
import { MarginError } from '../shared/errors.ts';
import { namedUnitViews } from '../shared/named-units.ts';

/** A saved record as the store lists it (query_results / eval_runs). */
export interface SavedRecord {
  id: number;
  kind: string;
  params: unknown;
  result: unknown;
  created: string;
}

const num = z.number();
// JSON turns NaN into null; keep the record and read null as "no value".
const numOrNull = z.number().nullable();
const topK = z.array(z.object({ neuron: z.number().int().min(0), score: numOrNull }));
const subset = z.object({
  trueClass: z.number().int().optional(),
  predClass: z.number().int().optional(),
  outcome: z.enum(['correct', 'incorrect', 'all']).optional(),
  confidence: z.tuple([num, num]).optional(),
  items: z.array(z.number()).optional(),
}).loose();

const answer = z.object({
  set: z.enum(['S1', 'S2', 'S3']),
  layer: z.string(),
  granularity: z.enum(['unit', 'channel']).optional(),
  subset: subset.optional(),
  items: num,
  topK: topK.optional(),
  vector: z.array(numOrNull).optional(),
  shape: z.array(z.number().int()).optional(),
}).loose();

const runParams = z.object({
  model: z.string(),
  checkpoint: z.string().optional(),
  k: num.optional(),
  by: z.enum(['mean', 'max']).optional(),
  reduce: z.enum(['mean', 'max']).optional(),
}).loose();

const queryRun = z.object({
  answer,
  sample: z.object({
    name: z.string(),
    exact: answer.optional(),
    error: z.object({ metric: z.string(), value: numOrNull }).optional(),
    confidenceInterval: z.object({ level: num, lower: z.array(numOrNull), upper: z.array(numOrNull) }).optional(),
  }).optional(),
  seconds: num,
}).loose();

const namedParams = z.object({
  query: z.enum(['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7']),
  model: z.string(),
  checkpoint: z.string().optional(),
  layer: z.string().optional(),
  classA: z.number().int().optional(),
  classB: z.number().int().optional(),
  k: num.optional(),
  sample: z.string().optional(),
}).loose();

const namedResult = z.object({ query: z.string(), title: z.string(), data: z.unknown(), seconds: num }).loose();

const q1Data = z.object({ matrix: z.array(z.array(numOrNull).nullable()), counts: z.array(num) }).loose();
const topKData = z.object({ topK, histogram: z.array(numOrNull).nullable(), items: num }).loose();
const q3Data = z.object({ cosineDistance: numOrNull, counts: z.object({ incorrect: num, correct: num }) }).loose();
const q4Data = z.object({ correlation: z.array(numOrNull), cka: numOrNull, items: num }).loose();
const q6Data = z.object({
  checkpoints: z.array(z.string()),
  classNames: z.array(z.string()),
  accuracy: z.array(z.array(numOrNull)),
  firstReaching: z.array(num).optional(),
}).loose();
const q7Data = z.object({
  layersA: z.array(z.string()),
  layersB: z.array(z.string()),
  cka: z.array(z.array(numOrNull)),
  items: num,
  subset: z.enum(['sample', 'random']),
}).loose();

// ---------------------------------------------------------------------------------------------
// Words

const className = (names: readonly string[], c: number): string => names[c] ?? `class ${c}`;

/** A query subset in words: "class Shirt, incorrectly classified, predicted as Coat". */
export function subsetInWords(s: z.infer<typeof subset> | undefined, classNames: readonly string[]): string {
  if (!s) return 'all items';
  const parts: string[] = [];
  if (s.trueClass !== undefined) parts.push(`class ${className(classNames, s.trueClass)}`);
  if (s.outcome === 'correct') parts.push('correctly classified');
  if (s.outcome === 'incorrect') parts.push('incorrectly classified');
  if (s.predClass !== undefined) parts.push(`predicted as ${className(classNames, s.predClass)}`);
  if (s.confidence) parts.push(`confidence ${s.confidence[0]}–${s.confidence[1]}`);
  if (s.items) parts.push(`${s.items.length} chosen items`);
  return parts.length ? parts.join(', ') : 'all items';
}

const nanOf = (a: ReadonlyArray<number | null>): number[] => a.map((v) => (v === null ? Number.NaN : v));
const finiteTopK = (t: z.infer<typeof topK>) => t.filter((e): e is { neuron: number; score: number } => e.score !== null && Number.isFinite(e.score));
/** Vectors are charted; a null (NaN in the answer) cannot be drawn, so such a vector is left out. */
const drawable = (v: ReadonlyArray<number | null> | null | undefined): number[] | undefined =>
  v && v.length > 0 && v.every((x) => x !== null && Number.isFinite(x)) ? (v as number[]) : undefined;

// ---------------------------------------------------------------------------------------------
// Query answers

export interface SavedQueriesOptions {
  model: string;
  /** The checkpoint the report is about; answers of other checkpoints say which one they used. */
  checkpoint?: string;
  classNames: readonly string[];
  /** Keep the newest `limit` distinct answers (default 12). */
  limit?: number;
  /** Shape of one item's activations per layer of the model (names the neurons of named queries). */
  layerShapes?: Readonly<Record<string, readonly number[]>>;
}

export interface SavedQueries {
  queries: ReportQuery[];
  /** Records of this model whose JSON did not have the expected shape. */
  skipped: number;
  /** Distinct answers of the model before the limit was applied. */
  available: number;
}

/**
 * The model's saved S1/S2/S3 and Q1–Q5 answers as report entries: the newest `limit` distinct
 * ones (the same question asked again keeps only its newest answer), oldest first, as a
 * notebook reads. Q6/Q7 are the comparison section's, not listed here.
 */
export function reportQueriesFromSaved(records: readonly SavedRecord[], opts: SavedQueriesOptions): SavedQueries {
  const limit = opts.limit ?? 12;
  const newestFirst = [...records].sort((a, b) => b.id - a.id);
  const seen = new Set<string>();
  const picked: ReportQuery[] = [];
  let skipped = 0;
  let available = 0;
  for (const r of newestFirst) {
    const model = (r.params as { model?: unknown } | null)?.model;
    if (model !== opts.model) continue;
    let q: ReportQuery | null | undefined;
    if (r.kind === 'query.run') q = fromQueryRun(r, opts);
    else if (r.kind === 'query.named') q = fromNamed(r, opts);
    else continue;
    if (q === undefined) continue; // a record that belongs elsewhere (Q6/Q7)
    if (q === null) {
      skipped++;
      continue;
    }
    const key = `${r.kind}|${JSON.stringify(r.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    available++;
    if (picked.length < limit) picked.push(q);
  }
  return { queries: picked.reverse(), skipped, available };
}

function checkpointNote(ck: string | undefined, opts: SavedQueriesOptions): string {
  return ck !== undefined && opts.checkpoint !== undefined && ck !== opts.checkpoint ? ` (checkpoint ${ck})` : '';
}

function fromQueryRun(r: SavedRecord, opts: SavedQueriesOptions): ReportQuery | null {
  const p = runParams.safeParse(r.params);
  const res = queryRun.safeParse(r.result);
  if (!p.success || !res.success) return null;
  const { answer: a, sample } = res.data;
  const unit = a.granularity === 'channel' ? `channels (${p.data.reduce ?? 'mean'} per feature map)` : 'neurons';
  const what = a.set === 'S1'
    ? `top-${p.data.k ?? a.topK?.length ?? 10} ${unit} of ${a.layer}${p.data.by === 'max' ? ' by maximum' : ''}`
    : a.set === 'S2'
      ? `average activation of the ${unit} of ${a.layer}`
      : `distribution of the maximally activated ${a.granularity === 'channel' ? 'channel' : 'neuron'} of ${a.layer}`;
  const q: ReportQuery = {
    title: `${a.set} — ${what}${checkpointNote(p.data.checkpoint, opts)}`,
    set: a.set,
    layer: a.layer,
    subset: subsetInWords(a.subset, opts.classNames),
    items: a.items,
    seconds: res.data.seconds,
  };
  if (a.shape) q.shape = a.shape;
  q.granularity = a.granularity ?? 'unit';
  if (a.topK) q.topK = finiteTopK(a.topK);
  const vector = drawable(a.vector);
  if (vector) q.vector = vector;
  if (sample) {
    q.sample = sample.name;
    if (sample.exact?.topK) q.exactTopK = finiteTopK(sample.exact.topK);
    if (sample.error && sample.error.value !== null) q.error = { metric: sample.error.metric, value: sample.error.value };
    const ci = sample.confidenceInterval;
    if (ci) q.confidenceInterval = { level: ci.level, lower: nanOf(ci.lower), upper: nanOf(ci.upper) };
  }
  return q;
}

/** Q1–Q5 as report entries; undefined for Q6/Q7 (shown in the comparison), null when malformed. */
function fromNamed(r: SavedRecord, opts: SavedQueriesOptions): ReportQuery | null | undefined {
  const p = namedParams.safeParse(r.params);
  if (p.success && (p.data.query === 'Q6' || p.data.query === 'Q7')) return undefined;
  const res = namedResult.safeParse(r.result);
  if (!p.success || !res.success) return null;
  const { query, layer, classA, classB, sample } = p.data;
  const cls = (c: number | undefined) => (c === undefined ? undefined : className(opts.classNames, c));
  const shape = layer !== undefined ? opts.layerShapes?.[layer] : undefined;
  const base = {
    title: `${query} — ${res.data.title}${layer ? ` (${layer})` : ''}${checkpointNote(p.data.checkpoint, opts)}`,
    layer,
    seconds: res.data.seconds,
    ...(sample !== undefined ? { sample } : {}),
    ...(shape ? { shape: [...shape], granularity: 'unit' as const } : {}),
  };
  const d = res.data.data;
  // Q1/Q3/Q4: the units that matter, named, in tables (as the workbench shows them).
  const unitTables = () => (namedUnitViews(query, d, { classNames: opts.classNames, k: 8, layer: layer !== undefined && shape ? { name: layer, shape } : null }) ?? [])
    .flatMap((v) => (v.kind === 'grid' ? [{ caption: v.title, headers: v.headers, rows: v.rows }]
      : v.kind === 'classMatrix' ? [{ caption: v.title, headers: ['Class (items)', ...v.colLabels], rows: v.rowLabels.map((r, i) => [r, ...v.matrix[i].map((x) => (x === null ? '–' : Number(x.toPrecision(4))))]) }]
        : []));
  if (query === 'Q1') {
    const x = q1Data.safeParse(d);
    if (!x.success) return null;
    const items = x.data.counts.reduce((s, c) => s + c, 0);
    const classes = x.data.counts.filter((c) => c > 0).length;
    return { ...base, subset: 'each class', items, note: `Mean activation of ${x.data.matrix.find((m) => m)?.length ?? 0} units for each of ${classes} classes with items; the tables show the units whose class means differ most, and each class's most active units.`, tables: unitTables() };
  }
  if (query === 'Q2' || query === 'Q5') {
    const x = topKData.safeParse(d);
    if (!x.success) return null;
    const subsetWords = query === 'Q2'
      ? `${classA !== undefined ? `class ${cls(classA)}, ` : ''}incorrectly classified`
      : `class ${cls(classA)} predicted as ${cls(classB)}`;
    const q: ReportQuery = { ...base, set: 'S1', subset: subsetWords, items: x.data.items, topK: finiteTopK(x.data.topK) };
    const h = drawable(x.data.histogram);
    if (h) Object.assign(q, { vector: h, vectorTitle: 'Distribution of the maximally activated neuron', vectorYName: 'share of items' });
    return q;
  }
  if (query === 'Q3') {
    const x = q3Data.safeParse(d);
    if (!x.success) return null;
    const cd = x.data.cosineDistance;
    return {
      ...base, set: 'S2', subset: `class ${cls(classA)}: incorrectly vs correctly classified`, items: x.data.counts.incorrect + x.data.counts.correct,
      note: `${x.data.counts.incorrect} incorrectly and ${x.data.counts.correct} correctly classified items; cosine distance between their mean activations: ${cd === null ? 'undefined (a side has no items)' : cd.toFixed(4)}.`,
      tables: unitTables().filter((t) => t.caption !== 'Summary'),
    };
  }
  const x = q4Data.safeParse(d);
  if (!x.success) return null;
  const q: ReportQuery = {
    ...base, subset: `class ${cls(classA)}`, items: x.data.items,
    note: `Linear CKA between the layer and the logit of class ${cls(classA)}: ${x.data.cka === null ? 'undefined' : x.data.cka.toFixed(4)}.`,
    tables: unitTables().filter((t) => t.caption !== 'Summary'),
  };
  const v = drawable(x.data.correlation);
  if (v) Object.assign(q, { vector: v, vectorTitle: `Correlation of each unit with the logit of ${cls(classA)}`, vectorYName: 'Pearson r' });
  return q;
}

// ---------------------------------------------------------------------------------------------
// Evaluation runs

const e1Row = z.object({ method: z.string(), fraction: num, seed: num.optional(), size: num.optional(), s1: num, s2: num, s3: num });
const e2Row = z.object({ method: z.string(), k: num, precision: num });
const e3Row = z.object({ method: z.string(), j: num, s1: num, s2: num, s3: num, weighted: z.boolean().optional(), reference: z.boolean().optional() });
const e4Row = z.object({ method: z.string(), seconds: num, size: num.optional() });
const t4Row = z.object({ method: z.string(), correct: num, incorrect: num, size: num });
const evalResult = z.discriminatedUnion('experiment', [
  z.object({ experiment: z.literal('e1'), rows: z.array(e1Row) }).loose(),
  z.object({ experiment: z.literal('e2'), rows: z.array(e2Row) }).loose(),
  z.object({ experiment: z.literal('e3'), rows: z.array(e3Row) }).loose(),
  z.object({ experiment: z.literal('e4'), rows: z.array(e4Row) }).loose(),
  z.object({ experiment: z.literal('table4'), rows: z.array(t4Row) }).loose(),
]);
const evalParams = z.object({ model: z.string().optional(), checkpoint: z.string().optional(), seeds: num.optional() }).loose();

const EXPERIMENT_LABEL = { e1: 'E1 (Figure 4)', e2: 'E2 (Figure 5)', e3: 'E3 (Figure 6)', e4: 'E4 (Figure 7)', table4: 'Table IV' } as const;

/**
 * The newest run of each experiment of the model, with a note saying where each came from.
 * Undefined when the model has no usable run.
 */
export function evaluationFromSaved(records: readonly SavedRecord[], model: string): { evaluation?: ExperimentResults & { note?: string }; skipped: number } {
  const latest = new Map<keyof typeof EXPERIMENT_LABEL, { rows: unknown[]; record: SavedRecord; params: z.infer<typeof evalParams> }>();
  let skipped = 0;
  for (const r of [...records].sort((a, b) => a.id - b.id)) {
    const p = evalParams.safeParse(r.params);
    const resultModel = (r.result as { model?: unknown } | null)?.model;
    if ((p.success ? p.data.model : undefined) !== model && resultModel !== model) continue;
    const res = evalResult.safeParse(r.result);
    if (!res.success || !p.success) {
      skipped++;
      continue;
    }
    if (res.data.rows.length > 0) latest.set(res.data.experiment, { rows: res.data.rows, record: r, params: p.data });
  }
  if (latest.size === 0) return { skipped };
  const ev: ExperimentResults & { note?: string } = {};
  const from: string[] = [];
  for (const key of Object.keys(EXPERIMENT_LABEL) as Array<keyof typeof EXPERIMENT_LABEL>) {
    const hit = latest.get(key);
    if (!hit) continue;
    if (key === 'e1') ev.e1 = hit.rows as E1Row[];
    else if (key === 'e2') ev.e2 = hit.rows as E2Row[];
    else if (key === 'e3') ev.e3 = hit.rows as E3Row[];
    else if (key === 'e4') ev.e4 = hit.rows as E4Row[];
    else ev.table4 = hit.rows as Table4Row[];
    const extra = [hit.params.checkpoint ? `checkpoint ${hit.params.checkpoint}` : '', hit.params.seeds ? `${hit.params.seeds} seeds` : ''].filter(Boolean).join(', ');
    from.push(`${EXPERIMENT_LABEL[key]} from run ${hit.record.id} of ${hit.record.created}${extra ? ` (${extra})` : ''}`);
  }
  ev.note = `The latest evaluation run of each experiment: ${from.join('; ')}.`;
  return { evaluation: ev, skipped };
}

// ---------------------------------------------------------------------------------------------
// Q6 and Q7 data → chart input

/**
 * Q6's `accuracy[checkpoint][class]` (null = no items) → the learning-curves chart's
 * `accuracy[class][checkpoint]` (NaN = no items). Throws BAD_INPUT naming the field when the data is not Q6's.
 */
export function learningCurvesFromQ6(data: unknown): { checkpoints: string[]; classNames: string[]; accuracy: number[][]; firstReaching?: number[] } {
  const x = q6Data.safeParse(data);
  if (!x.success) throw badShape('Q6', x.error);
  const { checkpoints, classNames, accuracy } = x.data;
  if (accuracy.length !== checkpoints.length || accuracy.some((r) => r.length !== classNames.length)) {
    throw new MarginError('BAD_INPUT', `Q6 data: accuracy must be ${checkpoints.length} checkpoints × ${classNames.length} classes`);
  }
  return {
    checkpoints,
    classNames,
    accuracy: classNames.map((_, c) => checkpoints.map((_, t) => accuracy[t][c] ?? Number.NaN)),
    ...(x.data.firstReaching ? { firstReaching: x.data.firstReaching } : {}),
  };
}

/** Q7's CKA grid (null = undefined CKA) → the heatmap's values (NaN). */
export function ckaFromQ7(data: unknown): { layersA: string[]; layersB: string[]; values: number[][]; items: number; subset: 'sample' | 'random' } {
  const x = q7Data.safeParse(data);
  if (!x.success) throw badShape('Q7', x.error);
  const { layersA, layersB, cka } = x.data;
  if (cka.length !== layersA.length || cka.some((r) => r.length !== layersB.length)) {
    throw new MarginError('BAD_INPUT', `Q7 data: cka must be ${layersA.length} × ${layersB.length} (layersA × layersB)`);
  }
  return { layersA, layersB, values: cka.map((r) => nanOf(r)), items: x.data.items, subset: x.data.subset };
}

function badShape(query: string, err: z.ZodError): MarginError {
  const issue = err.issues[0];
  return new MarginError('BAD_INPUT', `${query} data: ${issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'unexpected shape'}`);
}
