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
import { neuronSaliencyMaps, pngDataUrl, saliencyMaps, saliencyPng, type SaliencyDeps, type SaliencyMap } from './saliency.ts';
import { getPredictions } from '../../store/predictions.ts';
import { selectItems } from '../../queries/index.ts';

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

/**
 * Item ids of a subset of the checkpoint's predicted items (the filter of query.run), within
 * `within` when given (a sample's members). Ids without a prediction are refused with their count.
 */
async function subsetItemIds(
  store: Store, checkpointId: number, modelName: string, label: string, numClasses: number,
  subset: NonNullable<NeuronRequest['subset']>, within: Int32Array | undefined,
): Promise<Int32Array> {
  for (const [arg, v] of [['subset.trueClass', subset.trueClass], ['subset.predClass', subset.predClass]] as const) {
    if (v !== undefined && v >= numClasses) throw badInput(`${arg}: ${v} is not a class of model "${modelName}" (0–${numClasses - 1})`);
  }
  const p = await getPredictions(store, checkpointId);
  const rowOf = new Map<number, number>();
  p.itemIds.forEach((id, i) => rowOf.set(id, i));
  let rows: Int32Array | undefined;
  if (subset.items) {
    const unknown = subset.items.filter((id) => !rowOf.has(id));
    if (unknown.length) {
      throw badInput(`subset.items: ${unknown.length} item id(s) have no prediction for checkpoint "${label}" of model "${modelName}" (e.g. ${unknown.slice(0, 5).join(', ')}): the selection belongs to another model or checkpoint`);
    }
    rows = Int32Array.from(subset.items, (id) => rowOf.get(id)!);
  }
  const chosen = selectItems({ trueLabel: p.trueLabels, predLabel: p.predicted, correct: p.correct, confidence: p.confidence }, {
    trueClass: subset.trueClass, predClass: subset.predClass, outcome: subset.outcome, confidence: subset.confidence, items: rows,
  });
  let ids = Int32Array.from(chosen, (r) => p.itemIds[r]);
  if (within) {
    const keep = new Set(within);
    ids = ids.filter((id) => keep.has(id));
  }
  return ids;
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

  // The items searched: the subset's (the question asked), the sample's members (in the subset), or every stored item.
  let itemIds: Int32Array | undefined;
  if (r.sample) {
    const s = (await listSamples(store, model.id)).find((x) => x.name === r.sample);
    if (!s) {
      const names = (await listSamples(store, model.id)).map((x) => x.name);
      throw new MarginError('NOT_FOUND', `sample: model "${model.name}" has no sample "${r.sample}"${names.length ? `; choose one of ${names.join(', ')}` : ''}`);
    }
    itemIds = (await getSample(store, s.id)).memberIds;
  }
  if (r.subset) itemIds = await subsetItemIds(store, checkpoint.id, model.name, checkpoint.label, model.numClasses, r.subset, itemIds);
  if (itemIds) {
    if (itemIds.length > 0) await deps.ensureActivations(store, checkpoint.id, layer.name, itemIds, { signal: deps.signal });
  }
  const view = itemIds && itemIds.length === 0 ? null : await activationView(store, checkpoint.id, layer.name, itemIds).catch(async (err: unknown) => {
    // Nothing stored for the layer: say how to get it (the store's message names only ids).
    if (!itemIds && err instanceof MarginError && err.code === 'NOT_FOUND' && (await extractedItems(store, checkpoint.id, layer.name)).length === 0) {
      throw new MarginError('NOT_FOUND',
        `no activations of layer ${layer.name} are stored for checkpoint ${checkpoint.label} of "${model.name}": extract the layer (margin extract --layers ${layer.name}) or inspect over a sample`,
        { checkpointId: checkpoint.id, layer: layer.name,
          ui: `no activations of layer ${layer.name} are stored for checkpoint ${checkpoint.label} of "${model.name}": extract it ("Extract activations" in the Model view, with this layer) or inspect over a sample` });
    }
    throw err;
  });
  const ids = itemIds ?? view!.itemIds;
  const values = view ? neuronValues(view.matrix, view.rows, layer.shape, r.neuron, granularity, reduce) : new Float64Array(0);
  const top = topKIndices(values, ids, r.k).map((i) => ({ itemId: ids[i], value: values[i] }));

  // Labels and confidence of the top items; their thumbnails and saliency maps.
  const ds = model.datasetId != null ? await getDataset(store, model.datasetId) : null;
  const topIds = top.map((t) => t.itemId);
  const preds = topIds.length === 0 ? [] : await queryRows(store.conn,
    `SELECT p.item_id, p.predicted, p.confidence, i.label FROM predictions p JOIN items i USING (item_id)
     WHERE p.checkpoint_id = $1 AND p.item_id IN (${topIds.join(',')})`, [checkpoint.id]);
  const predOf = new Map(preds.map((p) => [Number(p.item_id), p]));
  const size = deps.imageSize ?? r.imageSize ?? 112;
  const thumbs = ds ? await itemThumbnails(store, ds.name, topIds, size) : [];
  // ONNX Runtime gives no gradients: such a model's drill-down says so instead of failing.
  const gradients = model.engine !== 'onnxruntime';
  const saliencyOf = r.saliencyOf ?? 'neuron';
  let maps: SaliencyMap[] = [];
  let receptiveField: NeuronInspection['receptiveField'];
  if (r.saliency && gradients && topIds.length > 0) {
    if (saliencyOf === 'class') {
      maps = await saliencyMaps(store, checkpoint.id, topIds, deps.saliency);
    } else {
      const n = await neuronSaliencyMaps(store, checkpoint.id, topIds, { layer: layer.name, neuron: r.neuron, granularity, reduce }, deps.saliency);
      maps = n.maps;
      receptiveField = n.receptiveField;
    }
  }

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
    saliencyOf,
    ...(receptiveField !== undefined ? { receptiveField } : {}),
    input: ds ? { height: ds.height, width: ds.width } : null,
    ...(r.subset ? { subset: r.subset } : {}),
    seconds: (now() - t0) / 1000,
  };
}
