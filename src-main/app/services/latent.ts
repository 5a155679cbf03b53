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
    itemIds: Array.from(latent.itemIds),
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
