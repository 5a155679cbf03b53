/**
 * The paper's evaluation (E1–E4, Table IV; SPEC §6) on a checkpoint of a project:
 *   1. load what the experiments read — latent vectors, true and predicted labels, and the full
 *      activations of the model's main layers for ALL items (extracting missing layers first);
 *   2. run the experiments in a worker thread (src-main/experiments/worker.ts), the matrices
 *      handed over in SharedArrayBuffers;
 *   3. store each experiment as an evaluation run ({experiment, model, checkpoint, rows, seconds},
 *      the shape the workbench's SamplersView parses) as soon as it finishes.
 * writeExperimentFiles turns runs into CSV, JSON and the paper's figures as SVG.
 */
import { join } from 'node:path';
import type { E1Row, E2Row, E3Row, E4Row, Table4Row } from '../../experiments/index.ts';
import type { ExperimentName, ExperimentWorkerData, ExperimentWorkerMessage, FitCounts } from '../../experiments/worker.ts';
import { fitCacheDir } from '../../store/fit-cache-files.ts';
import { runWorkerTask } from '../workers/run-worker.ts';
import { checkOutputs, prepareOutputDir, writeOutput, type SafeOutputOptions } from '../../store/safe-output.ts';
import { toCsv, type CsvValue } from '../../reports/csv.ts';
import { fig4, fig5, fig6, fig7, table4Html } from '../../reports/svg-charts.ts';
import type { EvaluationRunSummary } from '../../shared/api.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { activationView, extractedItems } from '../../store/activations.ts';
import type { CheckpointInfo, ModelDetail } from '../../store/models.ts';
import { getLatent, getPredictions } from '../../store/predictions.ts';
import type { Store } from '../../store/project.ts';
import { listEvalRuns, saveEvalRun } from '../../store/samples.ts';
import { extract, type ExtractProgress, type ExtractRequest } from './extraction.ts';
import { mainLayers } from './layers.ts';
import type { ExactAggregates } from './queries.ts';
import { combinationSubsets } from '../../queries/querysets.ts';
import { correctFlags } from '../../experiments/scoring.ts';
import { resolveCheckpoint } from './models.ts';
import { escapeHtml } from '../../shared/escape-html.ts';
import { checkSamplerOptionsByMethod, type SamplerOptionsByMethod } from '../../shared/sampler-variants.ts';

export type { ExperimentName } from '../../experiments/worker.ts';
export const EXPERIMENT_NAMES: readonly ExperimentName[] = ['e1', 'e2', 'e3', 'e4', 'table4'];

export interface EvaluateRequest {
  model: string;
  checkpoint?: string;
  experiment: ExperimentName | 'all';
  /** Seeds per randomised sampler (default 10, as the paper). */
  seeds?: number;
  /** E1's fractions (default the paper's 0.05, 0.1, 0.2, 0.4, 0.8). */
  fractions?: number[];
  /** Options per sampler (issue 13's open choices; default {} = Margin's defaults), stored with each run. */
  samplerOptions?: SamplerOptionsByMethod;
}

export type ExperimentRows = E1Row[] | E2Row[] | E3Row[] | E4Row[] | Table4Row[];

/** One stored experiment. `rows` is what the figures and CSVs are made of. */
export interface EvaluationRun {
  id: number;
  experiment: ExperimentName;
  model: string;
  checkpoint: string;
  rows: ExperimentRows;
  seconds: number;
  /** MaxMargin / GMM fits this experiment read from the project's cache/fits (reused) or fitted (computed); E4 fits every time and reports none. */
  fits?: FitCounts;
}

export interface EvaluateOptions {
  signal?: AbortSignal;
  /**
   * Computes the exact answers' aggregates elsewhere (a Dask cluster: cluster/exact.ts) instead
   * of scanning every layer in the worker; the same numbers either way.
   */
  exactAggregates?: ExactAggregates;
  /** Overall progress; `message` says what is being done. */
  onProgress?: (done: number, total: number, message?: string) => void;
}

/** Replaceable for tests: extraction needs a real model file. */
export interface EvaluateDeps {
  extract: (store: Store, r: ExtractRequest, opts: { signal?: AbortSignal; onProgress?: (p: ExtractProgress) => void }) => Promise<unknown>;
}

// Progress weights: roughly each experiment's share of a full run on the demo.
const WEIGHT: Record<ExperimentName | 'load', number> = { load: 5, e1: 60, e2: 12, e3: 8, e4: 12, table4: 3 };

export async function runExperiment(
  store: Store,
  r: EvaluateRequest,
  opts: EvaluateOptions = {},
  deps: EvaluateDeps = { extract },
): Promise<{ runs: EvaluationRun[] }> {
  const experiments = r.experiment === 'all' ? [...EXPERIMENT_NAMES] : [r.experiment];
  if (!experiments.every((e) => EXPERIMENT_NAMES.includes(e))) {
    throw badInput(`experiment must be one of ${[...EXPERIMENT_NAMES, 'all'].join(', ')}, got ${JSON.stringify(r.experiment)}`);
  }
  const seeds = r.seeds ?? 10;
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 50) throw badInput(`seeds must be an integer from 1 to 50, got ${String(r.seeds)}`);
  const samplerOptions = checkSamplerOptionsByMethod(r.samplerOptions ?? {});
  const fractions = r.fractions;
  if (fractions !== undefined && (!Array.isArray(fractions) || fractions.length === 0 || fractions.length > 20 || !fractions.every((f) => typeof f === 'number' && f > 0 && f <= 1))) {
    throw badInput(`fractions must be 1 to 20 numbers in (0, 1], e.g. [0.05]; got ${JSON.stringify(fractions)}`);
  }
  throwIfCancelled(opts.signal);
  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);

  const total = WEIGHT.load + experiments.reduce((s, e) => s + WEIGHT[e], 0);
  const progress = (done: number, message: string) => opts.onProgress?.(Math.min(total, done), total, message);
  const data = await loadExperimentData(store, model, checkpoint, deps, {
    signal: opts.signal,
    onProgress: (share, message) => progress(share * WEIGHT.load, message),
  });
  throwIfCancelled(opts.signal);
  let exact: ExperimentWorkerData['exact'];
  if (opts.exactAggregates) {
    // The ground truth on the cluster: per layer, the aggregates of each class × outcome group.
    const subsets = combinationSubsets(data.trueLabels, correctFlags(data), data.numClasses)
      .map((rows) => ({ itemIds: Int32Array.from(rows, (r) => data.itemIds[r]), parts: { max: true, argmax: true } }));
    exact = [];
    for (const [i, l] of data.layers.entries()) {
      progress(WEIGHT.load * (0.8 + (0.2 * i) / data.layers.length), `exact answers of ${l.name} on the cluster`);
      const layer = model.layers.find((x) => x.name === l.name)!;
      exact.push(await opts.exactAggregates(store, { checkpointId: checkpoint.id, layer, channel: null, subsets }));
      throwIfCancelled(opts.signal);
    }
  }

  const params = {
    model: model.name, checkpoint: checkpoint.label, seeds, items: data.latent.rows, layers: data.layers.map((l) => l.name),
    samplerOptions, ...(fractions ? { fractions } : {}),
  };
  const runs: EvaluationRun[] = [];
  let saving: Promise<void> = Promise.resolve();
  let base = WEIGHT.load;
  const offsets = new Map<ExperimentName, number>();
  for (const e of experiments) { offsets.set(e, base); base += WEIGHT[e]; }

  // The project's fit cache: a second evaluation of the checkpoint (or a sample made in the workbench) refits nothing.
  const fitCache = { dir: fitCacheDir(store.dir), checkpointId: checkpoint.id, readOnly: store.readOnly };
  const worker = runInWorker({ ...data, ...(exact ? { exact } : {}), fitCache }, experiments, { seeds, samplerOptions, ...(fractions ? { fractions } : {}) }, {
    signal: opts.signal,
    onProgress: (e, done, t, message) => progress(offsets.get(e)! + (t > 0 ? (WEIGHT[e] * done) / t : 0), message ?? e),
    onResult: (experiment, rows, seconds, fits) => {
      // Saved in order while the worker runs the next experiment.
      saving = saving.then(async () => {
        const result = { experiment, model: model.name, checkpoint: checkpoint.label, rows, seconds, fits };
        const id = await saveEvalRun(store, experiment, { ...params, experiment }, result);
        runs.push({ id, experiment, model: model.name, checkpoint: checkpoint.label, rows: rows as ExperimentRows, seconds, fits });
      });
    },
  });
  try {
    await worker;
  } finally {
    await saving; // a cancelled run still stores the experiments that finished
  }
  progress(total, 'done');
  return { runs };
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MarginError('CANCELLED', 'the evaluation was cancelled');
}

/** A Float32Array in shared memory: handed to the worker without a copy. */
function sharedF32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

/** What the experiment worker reads: matrices in shared memory, rows in item-id order (`itemIds`). */
export type WorkerMatrices = Omit<ExperimentWorkerData, 'experiments' | 'seeds' | 'fractions' | 'samplerOptions'> & { itemIds: Int32Array };

/**
 * Latent vectors, labels and every main layer's activations of all items, rows in item-id
 * order. Layers not extracted for every item are extracted first (resumable).
 */
export async function loadExperimentData(
  store: Store,
  model: ModelDetail,
  checkpoint: CheckpointInfo,
  deps: EvaluateDeps,
  opts: { signal?: AbortSignal; onProgress?: (share: number, message: string) => void } = {},
): Promise<WorkerMatrices> {
  const latent = await getLatent(store, checkpoint.id);
  if (latent.rows === 0) {
    throw new MarginError('NOT_FOUND', `checkpoint ${checkpoint.label} of "${model.name}" has no latent vectors yet: run \`margin extract --model ${model.name}\` first`,
      { ui: `checkpoint ${checkpoint.label} of "${model.name}" has no latent vectors yet: extract it first ("Extract activations" in the Model view)` });
  }
  const pred = await getPredictions(store, checkpoint.id);
  if (pred.itemIds.length !== latent.rows || pred.itemIds.some((id, i) => id !== latent.itemIds[i])) {
    throw new MarginError('CONFLICT', `checkpoint ${checkpoint.label} of "${model.name}" has predictions for ${pred.itemIds.length} items but latent vectors for ${latent.rows}: re-run the extraction`);
  }
  const layers = mainLayers(model.layers);
  const items = new Set(latent.itemIds);
  const missing: string[] = [];
  for (const layer of layers) {
    const have = await extractedItems(store, checkpoint.id, layer);
    let covered = 0;
    for (const id of have) if (items.has(id)) covered++;
    if (covered < items.size) missing.push(layer);
  }
  if (missing.length > 0) {
    opts.onProgress?.(0, `extracting ${missing.join(', ')}`);
    await deps.extract(store, { model: model.name, checkpoint: checkpoint.label, layers: missing }, {
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.(p.total > 0 ? (0.8 * p.done) / p.total : 0, `extracting ${missing.join(', ')}`),
    });
  }
  const out: ExperimentWorkerData['layers'] = [];
  for (const [i, layer] of layers.entries()) {
    throwIfCancelled(opts.signal);
    opts.onProgress?.(0.8 + (0.2 * i) / layers.length, `reading ${layer}`);
    const { matrix, rows } = await activationView(store, checkpoint.id, layer, latent.itemIds);
    const cols = matrix.cols;
    const data = sharedF32(rows.length * cols);
    for (let k = 0; k < rows.length; k++) data.set(matrix.data.subarray(rows[k] * cols, (rows[k] + 1) * cols), k * cols);
    out.push({ name: layer, rows: rows.length, cols, data });
  }
  const lat = sharedF32(latent.data.length);
  lat.set(latent.data);
  let probabilities: Float32Array | undefined;
  if (pred.probs.rows === latent.rows && pred.probs.cols === model.numClasses) {
    probabilities = sharedF32(pred.probs.data.length);
    probabilities.set(pred.probs.data);
  }
  return {
    itemIds: latent.itemIds,
    latent: { rows: latent.rows, cols: latent.cols, data: lat },
    trueLabels: pred.trueLabels,
    predLabels: pred.predicted,
    numClasses: model.numClasses,
    ...(probabilities ? { probabilities } : {}),
    layers: out,
  };
}

function runInWorker(
  data: WorkerMatrices,
  experiments: ExperimentName[],
  settings: Pick<ExperimentWorkerData, 'seeds' | 'fractions' | 'samplerOptions'>,
  opts: {
    signal?: AbortSignal;
    onProgress: (e: ExperimentName, done: number, total: number, message?: string) => void;
    onResult: (e: ExperimentName, rows: unknown[], seconds: number, fits: FitCounts) => void;
  },
): Promise<void> {
  return runWorkerTask<void, ExperimentWorkerMessage>({
    entry: new URL('../../experiments/worker.ts', import.meta.url),
    workerData: { ...data, experiments, ...settings } satisfies ExperimentWorkerData,
    signal: opts.signal,
    what: 'the evaluation',
    onMessage: (m, done) => {
      if (m.type === 'progress') opts.onProgress(m.experiment, m.done, m.total, m.message);
      else if (m.type === 'result') opts.onResult(m.experiment, m.rows, m.seconds, m.fits);
      else if (m.type === 'done') done(undefined);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Listing stored runs

/** Stored evaluation runs as the API returns them, optionally of one model, oldest first. */
export async function evaluationSummaries(store: Store, model?: string): Promise<EvaluationRunSummary[]> {
  const runs = await listEvalRuns(store);
  return runs
    .map((r) => {
      const own = (r.result as { model?: unknown } | null)?.model ?? (r.params as { model?: unknown } | null)?.model;
      return { id: r.id, kind: r.kind, model: typeof own === 'string' ? own : '', created: r.created, params: r.params, result: r.result };
    })
    .filter((r) => model === undefined || r.model === model);
}

// ---------------------------------------------------------------------------------------------
// Files

const COLUMNS: Record<ExperimentName, string[]> = {
  e1: ['method', 'fraction', 'seed', 'size', 's1', 's2', 's3'],
  e2: ['method', 'k', 'precision'],
  e3: ['method', 'j', 'weighted', 'reference', 's1', 's2', 's3'],
  e4: ['method', 'seconds', 'size'],
  table4: ['method', 'correct', 'incorrect', 'size'],
};

/** The files writeExperimentFiles writes for one experiment, in order. */
export function experimentFileNames(e: ExperimentName): string[] {
  const figures: Record<ExperimentName, string[]> = {
    e1: ['e1-s1.svg', 'e1-s2.svg', 'e1-s3.svg'], e2: ['e2.svg'], e3: ['e3-s1.svg', 'e3-s2.svg', 'e3-s3.svg'], e4: ['e4.svg'], table4: ['table4.html'],
  };
  return [`${e}.csv`, `${e}.json`, ...figures[e]];
}

/**
 * Checks an evaluation's output folder before the (long) run: not inside a project's own files, a
 * folder (or missing: it is made when the files are written), none of the files of `experiments`
 * there unless `overwrite`.
 */
export async function checkExperimentOutputs(experiments: readonly ExperimentName[], outDir: string, safe: SafeOutputOptions = {}): Promise<void> {
  if (typeof outDir !== 'string' || outDir === '') throw badInput('outDir must be a folder path');
  const dir = await prepareOutputDir(outDir, { ...safe, make: false });
  await checkOutputs(experiments.flatMap((e) => experimentFileNames(e).map((f) => join(dir, f))), safe);
}

/**
 * Per run: `<experiment>.csv` and `<experiment>.json` (the rows), and its figure(s):
 * e1-s1/s2/s3.svg (Figure 4), e2.svg (Figure 5), e3-s1/s2/s3.svg (Figure 6), e4.svg (Figure 7),
 * table4.html (Table IV). Every file through the safe output path (all checked before the first
 * is written; an existing one only replaced with `overwrite`). Returns the paths written.
 */
export async function writeExperimentFiles(
  runs: ReadonlyArray<Pick<EvaluationRun, 'experiment' | 'rows'> & Partial<EvaluationRun>>,
  outDir: string,
  safe: SafeOutputOptions = {},
): Promise<string[]> {
  if (typeof outDir !== 'string' || outDir === '') throw badInput('outDir must be a folder path');
  if (!Array.isArray(runs) || runs.length === 0) throw badInput('runs is empty: run an experiment first');
  for (const run of runs) if (!EXPERIMENT_NAMES.includes(run.experiment)) throw badInput(`runs: unknown experiment ${JSON.stringify(run.experiment)}`);
  // Render everything first, check every path, then write.
  const files: Array<{ name: string; text: string }> = [];
  for (const run of runs) files.push(...experimentFiles(run));
  const dir = await prepareOutputDir(outDir, safe);
  const paths = files.map((f) => join(outDir, f.name));
  const targets = await checkOutputs(files.map((f) => join(dir, f.name)), safe);
  for (const [i, f] of files.entries()) await writeOutput(targets[i], f.text);
  return paths;
}

function experimentFiles(run: Pick<EvaluationRun, 'experiment' | 'rows'> & Partial<EvaluationRun>): Array<{ name: string; text: string }> {
  const e: ExperimentName = run.experiment;
  const out: Array<{ name: string; text: string }> = [];
  const write = (name: string, text: string) => out.push({ name, text });
  const rows = run.rows as unknown as Array<Record<string, CsvValue>>;
  write(`${e}.csv`, toCsv(COLUMNS[e], rows.map((r) => COLUMNS[e].map((c) => r[c]))));
  const meta = { experiment: e, model: run.model, checkpoint: run.checkpoint, seconds: run.seconds, rows: run.rows };
  write(`${e}.json`, JSON.stringify(meta, null, 1) + '\n');
  if (e === 'e1') {
    const c = fig4(run.rows as E1Row[]);
    write('e1-s1.svg', c.s1); write('e1-s2.svg', c.s2); write('e1-s3.svg', c.s3);
  } else if (e === 'e2') {
    write('e2.svg', fig5(run.rows as E2Row[]));
  } else if (e === 'e3') {
    const c = fig6(run.rows as E3Row[]);
    write('e3-s1.svg', c.s1); write('e3-s2.svg', c.s2); write('e3-s3.svg', c.s3);
  } else if (e === 'e4') {
    write('e4.svg', fig7(run.rows as E4Row[]));
  } else {
    const title = `Table IV${run.model ? ` — ${run.model}${run.checkpoint ? ` @ ${run.checkpoint}` : ''}` : ''}`;
    write('table4.html', `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:Helvetica,Arial,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px}td.num,th.num{text-align:right}caption{font-weight:bold;margin-bottom:.5em}</style>
</head><body>\n${table4Html(run.rows as Table4Row[])}\n</body></html>\n`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One-line summaries (the CLI prints one per experiment)

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

export function summaryLine(run: Pick<EvaluationRun, 'experiment' | 'rows' | 'seconds'>): string {
  const t = `${run.seconds.toFixed(1)} s`;
  switch (run.experiment) {
    case 'e1': {
      const rows = run.rows as E1Row[];
      const at5 = (m: string) => mean(rows.filter((r) => r.method === m && Math.abs(r.fraction - 0.05) < 1e-9).map((r) => r.s1));
      const qs = rows.some((r) => r.method === 'query-strata') ? `, query-strata ${at5('query-strata').toFixed(3)}` : '';
      return `e1: ${rows.length} rows (${t}); S1 at 5 %: maxmargin ${at5('maxmargin').toFixed(3)}, uniform ${at5('uniform').toFixed(3)}${qs}`;
    }
    case 'e2': {
      const rows = run.rows as E2Row[];
      const at = (m: string) => rows.find((r) => r.method === m && r.k === 10)?.precision;
      return `e2: ${rows.length} rows (${t}); precision@10 at 5 %: maxmargin ${at('maxmargin')?.toFixed(3) ?? '–'}, uniform ${at('uniform')?.toFixed(3) ?? '–'}`;
    }
    case 'e3': {
      const rows = run.rows as E3Row[];
      const best = [...rows].filter((r) => !r.weighted && !r.reference).sort((a, b) => b.s1 - a.s1)[0];
      const refs = [...new Map(rows.filter((r) => r.reference).map((r) => [r.method, r.s1])).entries()].map(([m, s1]) => `, ${m} (no j) ${s1.toFixed(3)}`).join('');
      return `e3: ${rows.length} rows (${t}); best S1: ${best ? `${best.method} j=${best.j} ${best.s1.toFixed(3)}` : '–'}${refs}`;
    }
    case 'e4': {
      const rows = run.rows as E4Row[];
      return `e4: ${rows.length} rows (${t}); ${rows.map((r) => `${r.method} ${r.seconds.toFixed(3)} s`).join(', ')}`;
    }
    case 'table4': {
      const rows = run.rows as Table4Row[];
      return `table4: ${rows.length} rows (${t}); incorrect/size: ${rows.map((r) => `${r.method} ${r.incorrect}/${r.size}`).join(', ')}`;
    }
  }
}
