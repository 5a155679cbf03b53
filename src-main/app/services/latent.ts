/** The latent-space view's data: a 2-D projection of a checkpoint's latent vectors with labels, predictions and a sample's members. */
import type { LatentProjection } from '../../shared/api.ts';
import { getLatent, getPredictions } from '../../store/predictions.ts';
import { getDataset } from '../../store/datasets.ts';
import { getSample, listSamples } from '../../store/samples.ts';
import type { Store } from '../../store/project.ts';
import { MarginError } from '../../shared/errors.ts';
import { pcaProjection, umapProjection, type Projection2D } from '../../latent/projection.ts';
import { resolveCheckpoint } from './models.ts';
import { modelDataset } from './extraction.ts';
import { runWorkerTask } from '../workers/run-worker.ts';
import type { TsneWorkerData } from '../workers/tsne-worker.ts';
import type { ErrorPayload } from '../../shared/errors.ts';

// Projections are deterministic for (checkpoint, method, seed, items): keep them for the session.
const cache = new WeakMap<Store, Map<string, Projection2D>>();

export async function latentProjection(
  store: Store,
  p: { model: string; checkpoint?: string; method?: 'pca' | 'umap'; sample?: string; seed?: number },
): Promise<LatentProjection> {
  const t0 = performance.now();
  const method = p.method ?? 'pca';
  const seed = p.seed ?? 1;
  const { model, checkpoint } = await resolveCheckpoint(store, p.model, p.checkpoint);
  const latent = await getLatent(store, checkpoint.id);
  if (latent.rows === 0) {
    throw new MarginError('NOT_FOUND', `checkpoint ${checkpoint.label} of "${model.name}" has no latent vectors yet: run the extraction first`);
  }
  const pred = await getPredictions(store, checkpoint.id);
  const key = `${checkpoint.id}/${method}/${seed}/${latent.rows}`;
  let m = cache.get(store);
  if (!m) cache.set(store, (m = new Map()));
  let proj = m.get(key);
  if (!proj) {
    proj = method === 'pca' ? pcaProjection(latent) : await umapProjection(latent, { seed });
    m.set(key, proj);
  }
  return assemble(store, model, pred, latent.itemIds, proj, method, p.sample, t0);
}

/**
 * Barnes-Hut t-SNE of a checkpoint's latent vectors (src-main/latent/tsne.ts) in a worker
 * thread: progress every 10 iterations, cancelling terminates the thread. Kept for the session
 * like the other projections (deterministic: PCA-initialised).
 */
export async function latentTsne(
  store: Store,
  p: { model: string; checkpoint?: string; sample?: string; perplexity?: number; iterations?: number },
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<LatentProjection> {
  const t0 = performance.now();
  const perplexity = p.perplexity ?? 30;
  const iterations = p.iterations ?? 500;
  const { model, checkpoint } = await resolveCheckpoint(store, p.model, p.checkpoint);
  const latent = await getLatent(store, checkpoint.id);
  if (latent.rows === 0) {
    throw new MarginError('NOT_FOUND', `checkpoint ${checkpoint.label} of "${model.name}" has no latent vectors yet: run the extraction first`,
      { ui: `checkpoint ${checkpoint.label} of "${model.name}" has no latent vectors yet: extract it first ("Extract activations" in the Model view)` });
  }
  if (3 * perplexity > latent.rows - 1) {
    throw new MarginError('BAD_INPUT', `perplexity ${perplexity} is too large for ${latent.rows} items: at most ${Math.floor((latent.rows - 1) / 3)}`, { argument: 'perplexity' });
  }
  const pred = await getPredictions(store, checkpoint.id);
  const key = `${checkpoint.id}/tsne/${perplexity}/${iterations}/${latent.rows}`;
  let m = cache.get(store);
  if (!m) cache.set(store, (m = new Map()));
  let proj = m.get(key);
  if (!proj) {
    const data = Float64Array.from(latent.data);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new MarginError('BAD_INPUT', `latent vector of row ${Math.floor(i / latent.cols)} holds ${data[i]}: re-extract the checkpoint`);
    }
    const y = await runWorkerTask<Float64Array, { type: string; done?: number; total?: number; y?: Float64Array; error?: ErrorPayload }>({
      entry: new URL('../workers/tsne-worker.ts', import.meta.url),
      workerData: { rows: latent.rows, cols: latent.cols, latent: data, perplexity, iterations } satisfies TsneWorkerData,
      transferList: [data.buffer as ArrayBuffer],
      signal: opts.signal,
      what: 't-SNE projection',
      onMessage: (msg, done) => {
        if (msg.type === 'progress') opts.onProgress?.(msg.done!, msg.total!);
        else if (msg.type === 'done') done(msg.y!);
      },
    });
    const x = new Float64Array(latent.rows), yy = new Float64Array(latent.rows);
    for (let i = 0; i < latent.rows; i++) { x[i] = y[2 * i]; yy[i] = y[2 * i + 1]; }
    proj = { x, y: yy };
    m.set(key, proj);
  }
  return assemble(store, model, pred, latent.itemIds, proj, 'tsne', p.sample, t0);
}

async function assemble(
  store: Store,
  model: Awaited<ReturnType<typeof resolveCheckpoint>>['model'],
  pred: Awaited<ReturnType<typeof getPredictions>>,
  itemIds: ArrayLike<number>,
  proj: Projection2D,
  method: LatentProjection['method'],
  sample: string | undefined,
  t0: number,
): Promise<LatentProjection> {
  const p = { sample };
  // predictions and latents are both ordered by item id
  let members: number[] = [];
  if (p.sample) {
    const s = (await listSamples(store, model.id)).find((x) => x.name === p.sample);
    if (!s) throw new MarginError('NOT_FOUND', `sample: model "${model.name}" has no sample "${p.sample}"`);
    members = Array.from((await getSample(store, s.id)).memberIds);
  }
  const ds = await getDataset(store, modelDataset(model).datasetId);
  const round = (v: Float64Array) => Array.from(v, (x) => Math.round(x * 1e4) / 1e4);
  return {
    method,
    itemIds: Array.from(itemIds),
    x: round(proj.x),
    y: round(proj.y),
    trueLabels: Array.from(pred.trueLabels),
    predicted: Array.from(pred.predicted),
    confidence: Array.from(pred.confidence, (c) => Math.round(c * 1e4) / 1e4),
    classNames: ds.classNames,
    sampleMembers: members,
    seconds: (performance.now() - t0) / 1000,
  };
}
