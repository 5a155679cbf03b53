/**
 * Neuron drill-down (`neuron.inspect`): the items that activate one neuron of a layer most —
 * a unit of the layer's output, or at channel granularity a feature map reduced by its spatial
 * mean or max (the definition of queries/granularity.ts `toChannels`) — with their value, labels,
 * confidence, thumbnail and saliency map.
 *
 * Items searched: every item with stored activations of the layer, or a sample's members (their
 * missing activations are computed first through the injected ensureActivations — only the
 * members', the point of the paper). The scan reads the cached layer in place (activationView)
 * and, at channel granularity, reduces only the asked channel, so a 10,000-item layer is a few
 * milliseconds. Items whose value is NaN are not ranked. Ties go to the lower item id.
 */
import { ONNX_SALIENCY_UNSUPPORTED } from '../../onnx/onnx-model.ts';
import type { LayerInfo } from '../../core/extraction-types.ts';
import type { Matrix } from '../../core/matrix.ts';
import type { NeuronInspection, ParamsOut } from '../../shared/api.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { activationView, extractedItems, getDataset, getSample, listSamples } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { queryRows } from '../../store/db.ts';
import type { EnsureActivations } from './queries.ts';
import { itemThumbnails } from './datasets.ts';
import { resolveCheckpoint } from './models.ts';
import { resolveLayers } from './layers.ts';
import { pngDataUrl, saliencyMaps, saliencyPng, type SaliencyDeps } from './saliency.ts';

export type NeuronRequest = ParamsOut<'neuron.inspect'>;

export interface NeuronDeps {
  ensureActivations: EnsureActivations;
  saliency?: SaliencyDeps;
  /** Clock in ms for `seconds` (default performance.now). */
  now?: () => number;
  signal?: AbortSignal;
  /** Side of thumbnails and saliency PNGs in px (default 56). */
  imageSize?: number;
}

/** How many neurons a layer has at a granularity: its units, or its channels (the last axis). */
export function neuronCount(layer: LayerInfo, granularity: 'unit' | 'channel'): number {
  return granularity === 'unit' || layer.shape.length === 1 ? layer.units : layer.shape[layer.shape.length - 1];
}

/**
 * Value of one neuron for the items at `rows` of an item × unit matrix. Unit granularity reads
 * column `neuron`; channel granularity reduces channel `neuron` of each row's [..spatial, C]
 * tensor (channel last, index = position·C + c) by its mean or max, as toChannels does.
 */
export function neuronValues(m: Matrix, rows: Int32Array, shape: readonly number[], neuron: number, granularity: 'unit' | 'channel', reduce: 'mean' | 'max'): Float64Array {
  const out = new Float64Array(rows.length);
  const d = m.data;
  const cols = m.cols;
  if (granularity === 'unit' || shape.length === 1) {
    for (let i = 0; i < rows.length; i++) out[i] = d[rows[i] * cols + neuron];
    return out;
  }
  const c = shape[shape.length - 1];
  const spatial = cols / c;
  for (let i = 0; i < rows.length; i++) {
    const base = rows[i] * cols + neuron;
    if (reduce === 'mean') {
      let s = 0;
      for (let p = 0; p < spatial; p++) s += d[base + p * c];
      out[i] = s / spatial;
    } else {
      let mx = -Infinity;
      for (let p = 0; p < spatial; p++) mx = Math.max(mx, d[base + p * c]); // NaN stays NaN
      out[i] = mx;
    }
  }
  return out;
}

/**
 * Indices (into `values`) of the k largest values, best first; NaN is skipped and ties go to the
 * lower `ids[i]`. O(n·log k) in the usual case: a sorted buffer of k that most values fail to enter.
 */
export function topKIndices(values: ArrayLike<number>, ids: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  const better = (a: number, b: number) => values[a] > values[b] || (values[a] === values[b] && ids[a] < ids[b]);
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    if (best.length === k && !better(i, best[k - 1])) continue;
    // Binary search for the insertion point in the descending buffer.
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (better(i, best[mid])) hi = mid;
      else lo = mid + 1;
    }
    best.splice(lo, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

export async function inspectNeuron(store: Store, r: NeuronRequest, deps: NeuronDeps): Promise<NeuronInspection> {
  const now = deps.now ?? (() => performance.now());
  const t0 = now();
  if (!Number.isInteger(r.neuron) || r.neuron < 0) throw badInput(`neuron: must be a non-negative integer index, got ${r.neuron}`);
  if (!Number.isInteger(r.k) || r.k < 1 || r.k > 100) throw badInput(`k: must be an integer in 1…100, got ${r.k}`);
  const granularity = r.granularity ?? 'unit';
  const reduce = r.reduce ?? 'mean';
  if (granularity !== 'unit' && granularity !== 'channel') throw badInput(`granularity: must be 'unit' or 'channel', got ${String(granularity)}`);
  if (reduce !== 'mean' && reduce !== 'max') throw badInput(`reduce: must be 'mean' or 'max', got ${String(reduce)}`);

  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);
  const [layerName] = resolveLayers(model.layers, [r.layer]);
  const layer = model.layers.find((l) => l.name === layerName)!;
  const count = neuronCount(layer, granularity);
  if (r.neuron >= count) {
    const what = granularity === 'channel' && layer.shape.length > 1 ? 'channels' : 'units';
    throw badInput(`neuron: ${r.neuron} is out of range; layer ${layer.name} (shape ${JSON.stringify(layer.shape)}) has ${count} ${what}, so choose 0…${count - 1}`);
  }

  // The items searched.
  let itemIds: Int32Array | undefined;
  if (r.sample) {
    const s = (await listSamples(store, model.id)).find((x) => x.name === r.sample);
    if (!s) {
      const names = (await listSamples(store, model.id)).map((x) => x.name);
      throw new MarginError('NOT_FOUND', `sample: model "${model.name}" has no sample "${r.sample}"${names.length ? `; choose one of ${names.join(', ')}` : ''}`);
    }
    itemIds = (await getSample(store, s.id)).memberIds;
    await deps.ensureActivations(store, checkpoint.id, layer.name, itemIds, { signal: deps.signal });
  }
  const view = await activationView(store, checkpoint.id, layer.name, itemIds).catch(async (err: unknown) => {
    // Nothing stored for the layer: say how to get it (the store's message names only ids).
    if (!itemIds && err instanceof MarginError && err.code === 'NOT_FOUND' && (await extractedItems(store, checkpoint.id, layer.name)).length === 0) {
      throw new MarginError('NOT_FOUND',
        `no activations of layer ${layer.name} are stored for checkpoint ${checkpoint.label} of "${model.name}": extract the layer (margin extract --layers ${layer.name}) or inspect over a sample`,
        { checkpointId: checkpoint.id, layer: layer.name });
    }
    throw err;
  });
  const ids = itemIds ?? view.itemIds;
  const values = neuronValues(view.matrix, view.rows, layer.shape, r.neuron, granularity, reduce);
  const top = topKIndices(values, ids, r.k).map((i) => ({ itemId: ids[i], value: values[i] }));

  // Labels and confidence of the top items; their thumbnails and saliency maps.
  const ds = model.datasetId != null ? await getDataset(store, model.datasetId) : null;
  const topIds = top.map((t) => t.itemId);
  const preds = topIds.length === 0 ? [] : await queryRows(store.conn,
    `SELECT p.item_id, p.predicted, p.confidence, i.label FROM predictions p JOIN items i USING (item_id)
     WHERE p.checkpoint_id = $1 AND p.item_id IN (${topIds.join(',')})`, [checkpoint.id]);
  const predOf = new Map(preds.map((p) => [Number(p.item_id), p]));
  const size = deps.imageSize ?? 56;
  const thumbs = ds ? await itemThumbnails(store, ds.name, topIds, size) : [];
  // ONNX Runtime gives no gradients: such a model's drill-down says so instead of failing.
  const gradients = model.engine !== 'onnxruntime';
  const maps = r.saliency && gradients && topIds.length > 0 ? await saliencyMaps(store, checkpoint.id, topIds, deps.saliency) : [];

  return {
    model: model.name,
    checkpoint: checkpoint.label,
    layer: layer.name,
    neuron: r.neuron,
    granularity,
    searched: ids.length,
    items: top.map((t, i) => {
      const p = predOf.get(t.itemId);
      return {
        itemId: t.itemId,
        value: t.value,
        trueLabel: p ? Number(p.label) : (thumbs[i]?.label ?? -1),
        predicted: p ? Number(p.predicted) : -1,
        confidence: p ? Number(p.confidence) : NaN,
        thumbnail: thumbs[i] ? pngDataUrl(thumbs[i].png) : '',
        ...(maps[i] ? { saliency: pngDataUrl(saliencyPng(maps[i], size)) } : {}),
      };
    }),
    classNames: ds?.classNames ?? [],
    ...(r.saliency && !gradients ? { saliencyNote: ONNX_SALIENCY_UNSUPPORTED } : {}),
    seconds: (now() - t0) / 1000,
  };
}
