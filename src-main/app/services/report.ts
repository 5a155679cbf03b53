/**
 * The report of a project (issue 6 item 9): `gatherReport` collects what the store knows about a
 * model into a ReportDocument — header, model summary, confusion matrix, samples, the latest
 * saved query answers with their error or interval, the latest evaluation run of each experiment
 * and, with `compare`, a second model side by side (accuracies, confusion matrices, Q7's CKA
 * heatmap, Q6's learning curves) — and `exportReport` writes it as HTML + CSV (+ PDF).
 *
 * Sections the project has no data for are left out; parts of the comparison that cannot be
 * computed (one checkpoint, no predictions, the query service failing) are replaced by a note in
 * the document saying why, so an export never fails for want of an optional section.
 */
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { NamedQueryResult, ParamsIn, ReportResult } from '../../shared/api.ts';
import { requests } from '../../shared/api.ts';
import { MarginError, badInput, toErrorPayload } from '../../shared/errors.ts';
import { queryRows } from '../../store/db.ts';
import { getDataset } from '../../store/datasets.ts';
import { getPredictions } from '../../store/predictions.ts';
import { listEvalRuns, listQueryResults } from '../../store/samples.ts';
import type { CheckpointInfo, ModelDetail } from '../../store/models.ts';
import type { Store } from '../../store/project.ts';
import { checkReportOutputs, writeReport, type PdfPrinter } from '../../reports/index.ts';
import type {
  ReportComparedModel, ReportComparison, ReportConfusion, ReportDocument, ReportModel, ReportSample,
} from '../../reports/report-document.ts';
import { ckaFromQ7, evaluationFromSaved, learningCurvesFromQ6, reportQueriesFromSaved } from '../../reports/saved-runs.ts';
import { confusionCounts } from './confusion.ts';
import { chosenAnswers, reportComparison } from './report-selection.ts';
import { resolveCheckpoint } from './models.ts';
import { sampleSummaries } from './project-info.ts';

export interface ReportRequest {
  model: string;
  /** Default: the model's last checkpoint. */
  checkpoint?: string;
  /** A second model (its last checkpoint) to compare with. */
  compare?: string;
  /** Saved answers to include (ids); default: the pinned ones of the model (none pinned: the newest saved query answers). */
  answers?: number[];
  /** Samples of the model to list (names); default: all. */
  samples?: string[];
  /** Comparisons of two checkpoints (of one model or two), each with its B − A change and flipped items. */
  comparisons?: Array<{ a: { model: string; checkpoint?: string }; b: { model: string; checkpoint?: string } }>;
  /** Example thumbnails per subset (default 8; 0 = none). */
  thumbnails?: number;
}

/** Progress steps of gathering a report (the export adds two: writing, printing). */
export function reportSteps(req: Pick<ReportRequest, 'compare' | 'comparisons'>): number {
  return (req.compare !== undefined ? 9 : 6) + (req.comparisons?.length ? 1 : 0);
}

/** Runs a named query (Q6/Q7) — the query service's runNamedQuery over the app's dependencies. */
export type NamedQueryRunner = (store: Store, params: ParamsIn<'query.named'>, signal?: AbortSignal) => Promise<NamedQueryResult>;

export interface GatherOptions {
  /** Clock in ms since the epoch, for the report's date (default Date.now). */
  now?: () => number;
  /** The compute backend to name in the header (default: initBackend() of the engine). */
  backend?: () => Promise<{ name: string; reason?: string }>;
  /** Q6/Q7 (default: runNamedQuery with the extraction service, answers not saved). */
  namedQuery?: NamedQueryRunner;
  /** Newest distinct saved query answers to include (default 12). */
  queryLimit?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message?: string) => void;
}

const DEFAULT_QUERY_LIMIT = 12;

/** The report of a model (and of a second one to compare with) as plain data. */
export async function gatherReport(store: Store, req: ReportRequest, opts: GatherOptions = {}): Promise<ReportDocument> {
  if (!req || typeof req.model !== 'string' || req.model.trim() === '') throw badInput('model: name the model to report on');
  const now = opts.now ?? (() => Date.now());
  const total = reportSteps(req);
  let done = 0;
  const step = (message: string) => {
    if (opts.signal?.aborted) throw new MarginError('CANCELLED', 'report: cancelled');
    opts.onProgress?.(done++, total, message);
  };

  step('reading the model');
  const { model, checkpoint } = await resolveCheckpoint(store, req.model, req.checkpoint);
  const classNames = await classNamesOf(store, model);
  const notes: string[] = [];
  const backend = await (opts.backend ?? defaultBackend)();
  const doc: ReportDocument = {
    header: {
      title: `Diagnosis of ${model.name}${req.compare !== undefined ? ` compared with ${req.compare}` : ''}`,
      project: `${store.meta.name} (${store.dir})`,
      model: model.name,
      checkpoint: checkpoint.label,
      ...(classNames.dataset ? { dataset: classNames.dataset } : {}),
      date: formatDate(now()),
      backend: backend.reason ? `${backend.name} (${backend.reason})` : backend.name,
      generator: `Margin ${await appVersionOrUnknown()}`,
    },
  };

  step('model summary and confusion matrix');
  const measured = await checkpointAccuracies(store, model);
  const conf = await confusionOf(store, model, checkpoint, classNames.names);
  doc.model = modelSection(model, checkpoint, measured, conf);
  if (conf) doc.confusion = conf;
  else notes.push(`Checkpoint ${checkpoint.label} has no predictions yet, so there is no accuracy or confusion matrix: run the extraction first.`);

  step('samples');
  let samples = await sampleSummaries(store, model.name);
  if (req.samples !== undefined) {
    const unknown = req.samples.filter((n) => !samples.some((s) => s.name === n));
    if (unknown.length) throw badInput(`samples: model "${model.name}" has no sample ${unknown.map((n) => `"${n}"`).join(', ')}${samples.length ? `; its samples: ${samples.map((s) => s.name).join(', ')}` : ''}`);
    samples = samples.filter((s) => req.samples!.includes(s.name));
  }
  if (samples.length) doc.samples = samples.map(toReportSample);

  step('saved query answers');
  const chosen = await chosenAnswers(store, model, { answers: req.answers, thumbnails: req.thumbnails ?? 8 });
  if (chosen) {
    if (chosen.queries.length) doc.queries = chosen.queries;
    notes.push(...chosen.notes);
  } else {
    const limit = opts.queryLimit ?? DEFAULT_QUERY_LIMIT;
    const layerShapes = Object.fromEntries(model.layers.map((l) => [l.name, l.shape]));
    const q = reportQueriesFromSaved(await listQueryResults(store), { model: model.name, checkpoint: checkpoint.label, classNames: classNames.names, limit, layerShapes });
    if (q.queries.length) {
      doc.queries = q.queries;
      notes.push(`No answer of ${model.name} is pinned, so the ${q.queries.length} most recent of ${q.available} query answers are shown: save and pin answers in the workbench to choose them.`);
    }
    if (q.skipped) notes.push(`${q.skipped} saved query answer(s) of ${model.name} could not be read (an older format) and were left out.`);
  }

  step('evaluation runs');
  const ev = evaluationFromSaved(await listEvalRuns(store), model.name);
  if (ev.evaluation) doc.evaluation = ev.evaluation;
  if (ev.skipped) notes.push(`${ev.skipped} evaluation run(s) of ${model.name} could not be read (an older format) and were left out.`);

  if (req.compare !== undefined) {
    doc.comparison = await comparison(store, model, checkpoint, req.compare, conf, measured, classNames.names, opts, step);
  }
  if (req.comparisons?.length) {
    step('checkpoint comparisons');
    const out = [];
    for (const c of req.comparisons) {
      try {
        out.push(await reportComparison(store, c, req.thumbnails ?? 8));
      } catch (err) {
        const e = toErrorPayload(err);
        if (e.code === 'BAD_INPUT') throw err;
        notes.push(`The comparison of ${c.a.model}@${c.a.checkpoint ?? 'last'} with ${c.b.model}@${c.b.checkpoint ?? 'last'} was left out: ${degrade(err)}`);
      }
    }
    if (out.length) doc.comparisons = out;
  }
  if (notes.length) doc.notes = notes;
  opts.onProgress?.(total, total, 'gathered');
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Sections

async function classNamesOf(store: Store, model: ModelDetail): Promise<{ names: string[]; dataset?: string }> {
  const fallback = Array.from({ length: model.numClasses }, (_, c) => `class ${c}`);
  if (model.datasetId == null) return { names: fallback };
  const ds = await getDataset(store, model.datasetId);
  const names = fallback.map((f, c) => ds.classNames[c] ?? f);
  return { names, dataset: `${ds.name} (${model.split} split)` };
}

/** Accuracy and item count of every checkpoint that has predictions, in one query. */
async function checkpointAccuracies(store: Store, model: ModelDetail): Promise<Map<number, { accuracy: number; items: number }>> {
  const out = new Map<number, { accuracy: number; items: number }>();
  if (model.checkpoints.length === 0) return out;
  const rows = await queryRows(store.conn,
    `SELECT checkpoint_id, avg(correct::INTEGER)::DOUBLE AS acc, count(*)::INTEGER AS n FROM predictions
     WHERE checkpoint_id IN (SELECT id FROM checkpoints WHERE model_id = $1) GROUP BY checkpoint_id`, [model.id]);
  for (const r of rows) out.set(Number(r.checkpoint_id), { accuracy: Number(r.acc), items: Number(r.n) });
  return out;
}

async function confusionOf(store: Store, model: ModelDetail, ck: CheckpointInfo, classNames: string[]): Promise<ReportConfusion | undefined> {
  const p = await getPredictions(store, ck.id);
  if (p.itemIds.length === 0) return undefined;
  const counts = confusionCounts(p.trueLabels, p.predicted, model.numClasses);
  const correct = counts.reduce((s, r, i) => s + r[i], 0);
  return { classNames, counts, accuracy: correct / p.itemIds.length };
}

function modelSection(model: ModelDetail, ck: CheckpointInfo, measured: Map<number, { accuracy: number; items: number }>, conf: ReportConfusion | undefined): ReportModel {
  const m = measured.get(ck.id);
  const section: ReportModel = {
    architecture: model.architecture,
    totalParams: model.layers.reduce((s, l) => s + l.params, 0),
    flopsPerItem: model.layers.reduce((s, l) => s + l.flops, 0),
    // Measured on the stored predictions when there are any; else what was recorded at import.
    accuracy: conf?.accuracy ?? ck.testAccuracy,
    latentLayer: model.latentLayer,
    layers: model.layers.map((l) => ({ name: l.name, className: l.className, shape: l.shape, units: l.units, params: l.params, flops: l.flops })),
    checkpoints: [...model.checkpoints].sort((a, b) => a.ordinal - b.ordinal)
      .map((c) => ({ label: c.label, testAccuracy: measured.get(c.id)?.accuracy ?? c.testAccuracy })),
  };
  if (m) section.items = m.items;
  return section;
}

function toReportSample(s: Awaited<ReturnType<typeof sampleSummaries>>[number]): ReportSample {
  return {
    name: s.name, method: s.method, fraction: s.fraction, j: s.j, seed: s.seed, size: s.size,
    correct: s.correct, incorrect: s.incorrect, seconds: s.seconds, created: s.created, params: s.params,
  };
}

async function comparison(
  store: Store, model: ModelDetail, ck: CheckpointInfo, compare: string, conf: ReportConfusion | undefined,
  measuredA: Map<number, { accuracy: number; items: number }>, classNames: string[], opts: GatherOptions, step: (m: string) => void,
): Promise<ReportComparison> {
  step(`reading ${compare}`);
  const other = await resolveCheckpoint(store, compare);
  if (other.model.id === model.id && other.checkpoint.id === ck.id) {
    throw badInput(`compare: "${compare}" is the model the report is about (checkpoint ${ck.label}); name another model`);
  }
  if (other.model.datasetId !== model.datasetId) {
    throw badInput(`compare: "${compare}" was run on another data set than "${model.name}"; compare models of the same data`);
  }
  const confB = await confusionOf(store, other.model, other.checkpoint, classNames);
  const measuredB = await checkpointAccuracies(store, other.model);
  const side = (m: ModelDetail, c: CheckpointInfo, cf: ReportConfusion | undefined): ReportComparedModel => ({
    name: m.name,
    checkpoint: c.label,
    architecture: m.architecture,
    totalParams: m.layers.reduce((s, l) => s + l.params, 0),
    accuracy: cf?.accuracy ?? c.testAccuracy,
    ...(cf ? { confusion: cf } : {}),
  });
  const out: ReportComparison = { a: side(model, ck, conf), b: side(other.model, other.checkpoint, confB) };
  const notes: string[] = [];
  for (const [m, c, cf] of [[model, ck, conf], [other.model, other.checkpoint, confB]] as const) {
    if (!cf) notes.push(`${m.name} (${c.label}) has no predictions yet: no accuracy or confusion matrix measured.`);
  }
  const run = opts.namedQuery ?? defaultNamedQuery;

  step('similarity of the representations (Q7)');
  try {
    const r = await run(store, { query: 'Q7', model: model.name, checkpoint: ck.label, model2: other.model.name }, opts.signal);
    const cka = ckaFromQ7(r.data);
    out.cka = {
      layersA: cka.layersA, layersB: cka.layersB, values: cka.values,
      note: `Computed over ${cka.items.toLocaleString('en-US')} ${cka.subset === 'random' ? 'randomly chosen items' : 'sample members'} predicted by both models.`,
    };
  } catch (err) {
    notes.push(`The CKA heatmap (Q7) was left out: ${degrade(err)}`);
  }

  step('learning curves (Q6)');
  for (const [m, key, measured] of [[model, 'a', measuredA], [other.model, 'b', measuredB]] as const) {
    const withPredictions = m.checkpoints.filter((c) => measured.has(c.id)).length;
    if (withPredictions < 2) {
      notes.push(`${m.name} has ${withPredictions === 0 ? 'no checkpoint' : 'a single checkpoint'} with predictions: no learning curve (Q6 needs two or more).`);
      continue;
    }
    try {
      const r = await run(store, { query: 'Q6', model: m.name }, opts.signal);
      const lc = learningCurvesFromQ6(r.data);
      out[key].learningCurves = { checkpoints: lc.checkpoints, classNames: lc.classNames, accuracy: lc.accuracy };
    } catch (err) {
      notes.push(`The learning curves (Q6) of ${m.name} were left out: ${degrade(err)}`);
    }
  }
  if (notes.length) out.notes = notes;
  return out;
}

/** A comparison part that failed becomes a note; a cancellation still stops the report. */
function degrade(err: unknown): string {
  const e = toErrorPayload(err);
  if (e.code === 'CANCELLED') throw err;
  if (e.code === 'INTERNAL') console.error('[margin] report: a comparison query failed:', err);
  return e.message;
}

async function defaultNamedQuery(store: Store, params: ParamsIn<'query.named'>, signal?: AbortSignal): Promise<NamedQueryResult> {
  const [{ runNamedQuery }, { ensureActivations }] = await Promise.all([import('./queries.ts'), import('./extraction.ts')]);
  // The report reads; it does not add its own Q6/Q7 runs to the project's saved answers.
  return runNamedQuery(store, requests['query.named'].params.parse(params), { ensureActivations, save: false, signal });
}

async function defaultBackend(): Promise<{ name: string; reason?: string }> {
  const { initBackend } = await import('../../engine/backend.ts');
  return initBackend();
}

async function appVersionOrUnknown(): Promise<string> {
  const { appVersion } = await import('../../system/info.ts');
  try {
    return appVersion();
  } catch {
    return '(version unknown)';
  }
}

/** "2026-01-01 00:00 UTC": a reader's date, not a machine's. */
export function formatDate(ms: number): string {
  if (!Number.isFinite(ms)) throw badInput(`now() must return milliseconds since the epoch, got ${ms}`);
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// ---------------------------------------------------------------------------------------------
// Export

export interface ExportRequest extends ReportRequest {
  /** The .html file to write; the CSV files go beside it (`<base>-<table>.csv`). */
  out: string;
  /** true: a PDF beside the HTML (same name, .pdf); a string: that path; false/absent: none. */
  pdf?: boolean | string;
  /** Replace existing files (default false: an existing file is refused, naming it). */
  overwrite?: boolean;
}

export type { PdfPrinter } from '../../reports/index.ts';

export interface ExportOptions extends GatherOptions {
  printPdf?: PdfPrinter;
  chromiumPath?: string;
  /** How the caller says overwrite, for the refusal: '--force' (CLI, the default), 'overwrite: true' (API). */
  forceHint?: string;
}

/** ReportResult plus the PDF's page count (for the CLI). */
export interface ExportedReport extends ReportResult {
  pages?: number;
}

/** Gathers the report and writes HTML + CSV, then the PDF when asked. */
export async function exportReport(store: Store, params: ExportRequest, opts: ExportOptions = {}): Promise<ExportedReport> {
  const { out, pdf } = reportTargets(params);
  const safe = { overwrite: params.overwrite === true, forceHint: opts.forceHint ?? '--force', projects: [store.dir] };
  // Checked before the (slow) gathering, so a refused path fails at once; checked again when written.
  await checkReportOutputs(out, pdf, safe);

  const progress = opts.onProgress;
  // Gathering is most of the work; writing and printing are the last two steps.
  const doc = await gatherReport(store, params, { ...opts, onProgress: (d, t, m) => progress?.(d, t + 2, m) });
  const steps = reportSteps(params) + 2;
  if (opts.signal?.aborted) throw new MarginError('CANCELLED', 'report: cancelled');
  progress?.(steps - 2, steps, 'writing HTML and CSV');
  const written = await writeReport(doc, {
    out, pdf, ...safe, printPdf: opts.printPdf, chromiumPath: opts.chromiumPath,
    onPdf: () => {
      if (opts.signal?.aborted) throw new MarginError('CANCELLED', 'report: cancelled');
      progress?.(steps - 1, steps, 'printing the PDF');
    },
  });
  progress?.(steps, steps, 'done');
  return { html: written.html, csv: written.csv, bytes: written.bytes, ...(written.pdf !== undefined ? { pdf: written.pdf, pages: written.pages } : {}) };
}

/** The HTML and PDF paths of an export request (`pdf: true` puts the PDF beside the HTML). */
export function reportTargets(params: Pick<ExportRequest, 'out' | 'pdf'>): { out: string; pdf?: string } {
  if (!params || typeof params.out !== 'string' || params.out.trim() === '') throw badInput('out: give the path of the .html report to write');
  if (!/^\.html?$/i.test(extname(params.out))) throw badInput(`out: ${params.out} must end in .html (the PDF and CSV files go beside it)`);
  const out = resolve(params.out);
  let pdf: string | undefined;
  if (typeof params.pdf === 'string') {
    if (!/^\.pdf$/i.test(extname(params.pdf))) throw badInput(`pdf: ${params.pdf} must end in .pdf`);
    pdf = resolve(params.pdf);
  } else if (params.pdf === true) {
    pdf = join(dirname(out), `${basename(out, extname(out))}.pdf`);
  }
  if (pdf === out) throw badInput('pdf: the PDF path must differ from the HTML path');
  return pdf === undefined ? { out } : { out, pdf };
}
