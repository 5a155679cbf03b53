/**
 * Creating samples of a checkpoint's items with the paper's samplers, in a worker thread, and
 * recording them (method, parameters, seed, members, weights, creation seconds) in the store.
 */
import { SAMPLER_OPTION_METHODS, type SampleSummary, type SamplerMethodName, type SamplerOptions } from '../../shared/api.ts';
import { MarginError, type ErrorPayload } from '../../shared/errors.ts';
import { fractionTooSmall } from '../../shared/evidence.ts';
import { fitCacheDir } from '../../store/fit-cache-files.ts';
import { getLatent, getPredictions } from '../../store/predictions.ts';
import { queryOne } from '../../store/db.ts';
import { extractedItems } from '../../store/index.ts';
import { insertSample, listSamples } from '../../store/samples.ts';
import type { Store } from '../../store/project.ts';
import { runWorkerTask } from '../workers/run-worker.ts';
import type { SampleResult, SamplerParams } from '../../samplers/index.ts';
import { DEFAULT_J } from '../../samplers/index.ts';
import type { SamplerWorkerData } from '../workers/sampler-worker.ts';
import { resolveCheckpoint } from './models.ts';
import { sampleSummaries } from './project-info.ts';

export interface SampleRequest {
  model: string;
  checkpoint?: string;
  method: SamplerMethodName;
  fraction?: number;
  j?: number;
  seed?: number;
  name?: string;
  /** Advanced settings of the sampler (each only for the methods SAMPLER_OPTION_METHODS lists). */
  options?: SamplerOptions;
}

/** Refuses an option the method does not use, naming it and the methods it is for. */
export function checkSamplerOptions(method: SamplerMethodName, options: SamplerOptions | undefined): void {
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value === undefined) continue;
    const methods = SAMPLER_OPTION_METHODS[key as keyof SamplerOptions];
    if (!methods) throw new MarginError('BAD_INPUT', `options.${key} is not a sampler option; known: ${Object.keys(SAMPLER_OPTION_METHODS).join(', ')}`);
    if (!methods.includes(method)) {
      throw new MarginError('BAD_INPUT', `options.${key} applies to ${methods.join(', ')}, not ${method}: drop it or choose one of those methods`, { argument: key });
    }
  }
}

const USES_J = new Set<SamplerMethodName>(['gmm-full', 'gmm-spherical', 'maxmargin', 'weighted']);

export function defaultSampleName(method: string, fraction: number, j: number | undefined, seed: number): string {
  const pct = `${+(fraction * 100).toFixed(2)}%`;
  return `${method}-${pct}${j !== undefined ? `-j${j}` : ''}-s${seed}`;
}

/** Runs a sampler in a worker thread; cancelling terminates the worker. */
export function runSamplerInWorker(data: SamplerWorkerData, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<SampleResult> {
  return runWorkerTask<SampleResult, { type: string; done?: number; total?: number; result?: SampleResult; error?: ErrorPayload }>({
    entry: new URL('../workers/sampler-worker.ts', import.meta.url),
    workerData: data,
    transferList: [data.latent.buffer as ArrayBuffer],
    signal: opts.signal,
    what: `${data.method} sampling`,
    onMessage: (m, done) => {
      if (m.type === 'progress') opts.onProgress?.(m.done!, m.total!);
      else if (m.type === 'done') done(m.result!);
    },
  });
}

/**
 * Checks a sample request before its job starts (so a bad fraction is refused as the request's
 * own error): the model and checkpoint exist, and the fraction yields at least one item per class
 * of the checkpoint's items with latent vectors. The job checks again on the data it reads.
 */
export async function checkSampleRequest(store: Store, r: SampleRequest): Promise<void> {
  checkSamplerOptions(r.method, r.options);
  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);
  const row = await queryOne(store.conn, 'SELECT count(*)::INTEGER AS n FROM latents WHERE checkpoint_id = $1', [checkpoint.id]);
  const inFiles = (await extractedItems(store, checkpoint.id, model.latentLayer)).length;
  const items = Math.max(Number(row?.n ?? 0), inFiles);
  if (items === 0) return; // the job names the missing extraction
  const tooSmall = fractionTooSmall(r.fraction ?? 0.05, items, model.numClasses);
  if (tooSmall) throw new MarginError('BAD_INPUT', tooSmall, { argument: 'fraction' });
}

export async function createSample(store: Store, r: SampleRequest, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<SampleSummary> {
  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);
  const fraction = r.fraction ?? 0.05;
  const seed = r.seed ?? 1;
  const j = USES_J.has(r.method) ? (r.j ?? DEFAULT_J) : undefined;
  if (r.j !== undefined && !USES_J.has(r.method)) throw new MarginError('BAD_INPUT', `j: the tuning factor applies to gmm-full, gmm-spherical, maxmargin and weighted, not ${r.method}`);
  const name = r.name ?? defaultSampleName(r.method, fraction, j, seed);
  if ((await listSamples(store, model.id)).some((s) => s.name === name)) {
    throw new MarginError('CONFLICT', `model "${model.name}" already has a sample named "${name}": choose another name (or another seed)`);
  }
  const latent = await getLatent(store, checkpoint.id);
  const pred = await getPredictions(store, checkpoint.id);
  if (latent.rows === 0) throw new MarginError('NOT_FOUND', `checkpoint ${checkpoint.label} of "${model.name}" has no latent vectors yet: run the extraction first`);
  const tooSmall = fractionTooSmall(fraction, latent.rows, model.numClasses);
  if (tooSmall) throw new MarginError('BAD_INPUT', tooSmall, { argument: 'fraction' });
  checkSamplerOptions(r.method, r.options);
  const params: SamplerParams = { fraction, seed, ...(j !== undefined ? { j } : {}), ...(r.options ?? {}) };
  const result = await runSamplerInWorker(
    {
      method: r.method,
      params,
      rows: latent.rows,
      cols: latent.cols,
      latent: latent.data.slice(), // the store's buffer stays; a copy is transferred
      trueLabels: pred.trueLabels,
      predLabels: pred.predicted,
      numClasses: model.numClasses,
      ...(pred.probs.cols === model.numClasses && pred.probs.rows === latent.rows ? { probabilities: pred.probs.data } : {}),
      fitCache: { dir: fitCacheDir(store.dir), checkpointId: checkpoint.id, readOnly: store.readOnly },
    },
    opts,
  );
  const memberIds = Int32Array.from(result.members, (row) => latent.itemIds[row]);
  const id = await insertSample(store, {
    modelId: model.id,
    name,
    method: r.method,
    params: { ...result.params, diagnostics: result.diagnostics },
    seed,
    fraction,
    j: j ?? null,
    checkpointId: checkpoint.id,
    seconds: result.seconds,
    memberIds,
    weights: result.weights ?? null,
  });
  const summary = (await sampleSummaries(store, model.name)).find((s) => s.id === id);
  if (!summary) throw new MarginError('INTERNAL', `sample ${id} was not found after it was stored`);
  return summary;
}
