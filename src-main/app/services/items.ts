/**
 * The item grid's requests: `items.list` (a filtered, sorted page of a checkpoint's items with
 * thumbnails, from store/item-list.ts) and `items.detail` (one item: a large image, every class
 * probability, its nearest neighbours in the checkpoint's latent space, the samples holding it).
 */
import { stat } from 'node:fs/promises';
import type { ItemDetail, ItemPage, ParamsOut } from '../../shared/api.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { getDataset, getLatent, getPredictions, listSamples } from '../../store/index.ts';
import { itemExportSql, listItems, type ItemListFilter } from '../../store/item-list.ts';
import { copyQueryTo } from '../../store/export.ts';
import { checkOutput, writeOutputWith, type SafeOutputOptions } from '../../store/safe-output.ts';
import type { ModelDetail } from '../../store/models.ts';
import { queryRows } from '../../store/db.ts';
import type { Store } from '../../store/index.ts';
import { itemThumbnails } from './datasets.ts';
import { resolveCheckpoint } from './models.ts';
import { pngDataUrl } from './saliency.ts';

async function datasetOf(store: Store, datasetId: number | null, modelName: string) {
  if (datasetId == null) throw new MarginError('NOT_FOUND', `model "${modelName}" is not linked to a data set: import it with its data set first`);
  return getDataset(store, datasetId);
}

type Filter = ParamsOut<'items.list'>['filter'];

/** The store filter of a request's filter: classes checked against the model, a sample resolved to its id. */
async function storeFilter(store: Store, model: ModelDetail, f: Filter): Promise<ItemListFilter> {
  for (const [arg, v] of [['filter.trueClass', f.trueClass], ['filter.predClass', f.predClass]] as const) {
    if (v !== undefined && v >= model.numClasses) throw badInput(`${arg}: ${v} is not a class of model "${model.name}" (0–${model.numClasses - 1})`);
  }
  if (f.confidence && !(f.confidence[0] <= f.confidence[1])) throw badInput(`filter.confidence: [${f.confidence.join(', ')}] is not a range [lo, hi] with lo ≤ hi`);
  let sampleId: number | undefined;
  if (f.sample) {
    const samples = await listSamples(store, model.id);
    const s = samples.find((x) => x.name === f.sample);
    if (!s) throw new MarginError('NOT_FOUND', `filter.sample: model "${model.name}" has no sample "${f.sample}"${samples.length ? `; its samples: ${samples.map((x) => x.name).join(', ')}` : ''}`);
    sampleId = s.id;
  } else if (f.membership !== 'any') {
    throw badInput(`filter.membership: '${f.membership}' needs filter.sample, the sample whose members to keep or drop`);
  }
  return { trueClass: f.trueClass, predClass: f.predClass, outcome: f.outcome, confidence: f.confidence, items: f.items, sampleId, membership: f.membership };
}

export async function listItemPage(store: Store, r: ParamsOut<'items.list'>): Promise<ItemPage> {
  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);
  const ds = await datasetOf(store, model.datasetId, model.name);
  const { total, rows } = await listItems(store, checkpoint.id, await storeFilter(store, model, r.filter), r.sort, r.offset, r.limit);
  const thumbs = await itemThumbnails(store, ds.name, rows.map((x) => x.itemId));
  return {
    total,
    offset: r.offset,
    classNames: ds.classNames,
    items: rows.map((x, i) => ({ ...x, thumbnail: pngDataUrl(thumbs[i].png) })),
  };
}

/** Indices of the k smallest entries of `d` other than `self`, smallest first (ties by index). */
export function nearest(d: Float64Array, k: number, self: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < d.length; i++) if (i !== self && Number.isFinite(d[i])) idx.push(i);
  idx.sort((a, b) => d[a] - d[b] || a - b);
  return idx.slice(0, k);
}

export async function itemDetail(store: Store, r: ParamsOut<'items.detail'>): Promise<ItemDetail> {
  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);
  const ds = await datasetOf(store, model.datasetId, model.name);
  const preds = await getPredictions(store, checkpoint.id);
  const row = preds.itemIds.indexOf(r.item);
  if (row < 0) throw new MarginError('NOT_FOUND', `item: ${r.item} has no prediction for checkpoint "${checkpoint.label}" of model "${model.name}"`);
  const k = preds.probs.cols;
  const probs = Array.from(preds.probs.data.subarray(row * k, (row + 1) * k));
  // Nearest neighbours by Euclidean distance between latent vectors.
  const latent = await getLatent(store, checkpoint.id);
  const at = latent.itemIds.indexOf(r.item);
  let neighbours: ItemDetail['neighbours'] = [];
  if (at >= 0 && r.neighbours > 0) {
    const dim = latent.cols;
    const d = new Float64Array(latent.rows);
    for (let i = 0; i < latent.rows; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) { const t = latent.data[i * dim + j] - latent.data[at * dim + j]; s += t * t; }
      d[i] = Math.sqrt(s);
    }
    const near = nearest(d, r.neighbours, at);
    const ids = near.map((i) => latent.itemIds[i]);
    const thumbs = await itemThumbnails(store, ds.name, ids);
    const rowOf = new Map<number, number>();
    preds.itemIds.forEach((id, i) => rowOf.set(id, i));
    neighbours = near.map((i, j) => {
      const pr = rowOf.get(ids[j]);
      return {
        itemId: ids[j], trueLabel: thumbs[j].label, distance: d[i], thumbnail: pngDataUrl(thumbs[j].png),
        predicted: pr === undefined ? null : preds.predicted[pr], confidence: pr === undefined ? null : preds.confidence[pr],
      };
    });
  }
  const [big] = await itemThumbnails(store, ds.name, [r.item], 224);
  const member = await queryRows(store.conn,
    'SELECT DISTINCT s.name, s.id FROM samples s JOIN sample_members m ON m.sample_id = s.id WHERE s.model_id = $1 AND m.item_id = $2 ORDER BY s.id', [model.id, r.item]);
  return {
    itemId: r.item, trueLabel: preds.trueLabels[row], predicted: preds.predicted[row], confidence: preds.confidence[row],
    probs, classNames: ds.classNames, image: pngDataUrl(big.png), neighbours, samples: member.map((m) => String(m.name)),
  };
}

/**
 * Writes the filtered items (with predictions, class names and sample membership) to CSV or
 * Parquet through DuckDB's COPY, via the one safe output path (never into a project's own files,
 * no silent overwrite, temp file + rename).
 */
export async function exportItems(store: Store, r: ParamsOut<'items.export'>, safe: SafeOutputOptions): Promise<{ path: string; rows: number; bytes: number }> {
  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);
  const ds = await datasetOf(store, model.datasetId, model.name);
  const sql = itemExportSql(checkpoint.id, ds.id, await storeFilter(store, model, r.filter));
  const target = await checkOutput(r.out, { ...safe, overwrite: r.overwrite });
  const rows = await writeOutputWith(target, (tmp) => copyQueryTo(store, sql, tmp, r.format), { ...safe, overwrite: r.overwrite });
  const { size } = await stat(target.real);
  return { path: target.requested, rows, bytes: size };
}
