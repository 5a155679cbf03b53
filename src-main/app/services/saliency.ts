/**
 * Saliency maps of items for a checkpoint: |∂ true-class logit / ∂ input|, max over channels
 * (the engine's computeSaliency heat map), computed once and kept in the store's `saliency`
 * table as raw float32 H×W maps (method SALIENCY_METHOD), so a second look is a table read.
 * PNGs are encoded on demand from the stored floats (a few ms for a dozen maps), which keeps the
 * stored data exact and lets every view pick its own size.
 *
 * The loaded TF.js model of a checkpoint is cached per open store for the session (loading
 * parses model.json and the weights: ~50–200 ms); `disposeSaliencyModels` frees them, and the
 * neuron handlers call it when the open project changes.
 */
import { ONNX_SALIENCY_UNSUPPORTED } from '../../onnx/onnx-model.ts';
import type * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend.ts';
import { loadModel } from '../../engine/model-io.ts';
import { computeSaliency, type SaliencyOptions, type SaliencyResult } from '../../engine/saliency.ts';
import { computeNeuronSaliency, supportBox, type NeuronTarget } from '../../engine/neuron-saliency.ts';
import { encodeHeatmapPng } from '../../datasets/index.ts';
import { getCheckpoint, getDataset, getSaliency, getSplit, saveSaliency } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { queryRows } from '../../store/db.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { checkpointModelPath } from './model-import.ts';

/** The `method` key of stored maps: vanilla gradient of the true class's logit, |·| max over channels. */
export const SALIENCY_METHOD = 'grad-true-class';

export interface SaliencyDeps {
  /** The engine's saliency (tests count calls through it). */
  compute?: (model: tf.LayersModel, pixels: Uint8Array | Float32Array, classes: Int32Array, opts: SaliencyOptions) => SaliencyResult;
  /** Loads a checkpoint's model.json (default: the engine's loadModel after initBackend). */
  load?: (modelJsonPath: string) => Promise<tf.LayersModel>;
  /** Recompute and overwrite maps that are stored already. */
  recompute?: boolean;
  /** The engine's neuron saliency (tests replace it). */
  computeNeuron?: typeof computeNeuronSaliency;
}

export interface SaliencyMap {
  itemId: number;
  h: number;
  w: number;
  /** h·w values, row-major: max over channels of |gradient|. */
  values: Float32Array;
  /** True when computed by this call, false when read from the store. */
  computed: boolean;
}

// Loaded models per open store and checkpoint (promises, so concurrent requests load once).
const models = new Map<Store, Map<number, Promise<tf.LayersModel>>>();

async function defaultLoad(p: string): Promise<tf.LayersModel> {
  await initBackend();
  return loadModel(p);
}

function cachedModel(store: Store, checkpointId: number, modelJsonPath: string, load: (p: string) => Promise<tf.LayersModel>): Promise<tf.LayersModel> {
  let perStore = models.get(store);
  if (!perStore) models.set(store, (perStore = new Map()));
  let m = perStore.get(checkpointId);
  if (!m) {
    m = load(modelJsonPath);
    perStore.set(checkpointId, m);
    m.catch(() => perStore!.delete(checkpointId)); // a failed load is retried next time
  }
  return m;
}

/** Frees cached models: of one store, or (no argument) of every store. */
export async function disposeSaliencyModels(store?: Store): Promise<void> {
  const stores = store ? [store] : [...models.keys()];
  for (const s of stores) {
    const perStore = models.get(s);
    models.delete(s);
    for (const p of perStore?.values() ?? []) {
      try { (await p).dispose(); } catch { /* a failed load holds nothing */ }
    }
  }
}

/** How many models are cached (for tests and diagnostics). */
export function cachedSaliencyModels(store: Store): number {
  return models.get(store)?.size ?? 0;
}

/**
 * Saliency maps of `itemIds` (in that order) for a checkpoint: stored maps are read, missing ones
 * computed in one batch on the checkpoint's model, stored, and returned.
 */
export async function saliencyMaps(store: Store, checkpointId: number, itemIds: readonly number[], deps: SaliencyDeps = {}): Promise<SaliencyMap[]> {
  if (!Number.isInteger(checkpointId)) throw badInput(`saliencyMaps: checkpointId must be an integer, got ${checkpointId}`);
  if (!Array.isArray(itemIds) || itemIds.some((i) => !Number.isInteger(i) || i < 0)) {
    throw badInput('saliencyMaps: itemIds must be a list of non-negative integer item ids');
  }
  if (itemIds.length === 0) return [];
  const out = new Map<number, SaliencyMap>();
  if (!deps.recompute) {
    for (const id of new Set(itemIds)) {
      const s = await getSaliency(store, checkpointId, id, SALIENCY_METHOD);
      if (s && s.format === 'f32') {
        // Copy into an aligned buffer: the blob's bytes may start at any offset.
        const values = new Float32Array(s.h * s.w);
        new Uint8Array(values.buffer).set(s.data.subarray(0, values.byteLength));
        out.set(id, { itemId: id, h: s.h, w: s.w, values, computed: false });
      }
    }
  }
  const missing = [...new Set(itemIds)].filter((id) => !out.has(id));
  if (missing.length > 0) {
    for (const m of await computeAndStore(store, checkpointId, missing, deps)) out.set(m.itemId, m);
  }
  return itemIds.map((id) => out.get(id)!);
}

/** Pixels (NHWC, request order), true labels and the data set of some items of one data set. */
async function gatherPixels(store: Store, itemIds: readonly number[]) {
  const rows = await queryRows(store.conn,
    `SELECT i.item_id, i.dataset_id, i.split, i.split_index, i.label FROM items i WHERE i.item_id IN (${itemIds.join(',')})`);
  const byId = new Map(rows.map((r) => [Number(r.item_id), r]));
  const unknown = itemIds.filter((id) => !byId.has(id));
  if (unknown.length) throw new MarginError('NOT_FOUND', `items: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''} ${unknown.length > 1 ? 'are' : 'is'} not an item of this project`);
  const datasetIds = new Set(rows.map((r) => Number(r.dataset_id)));
  if (datasetIds.size > 1) throw badInput('items: saliency maps are computed for items of one data set at a time');
  const ds = await getDataset(store, [...datasetIds][0]);
  const per = ds.height * ds.width * ds.channels;
  const sample = (await getSplit(store, ds.id, String(byId.get(itemIds[0])!.split))).pixels;
  const pixels = sample instanceof Uint8Array ? new Uint8Array(itemIds.length * per) : new Float32Array(itemIds.length * per);
  const classes = new Int32Array(itemIds.length);
  for (let i = 0; i < itemIds.length; i++) {
    const r = byId.get(itemIds[i])!;
    const split = await getSplit(store, ds.id, String(r.split));
    const idx = Number(r.split_index);
    pixels.set(split.pixels.subarray(idx * per, (idx + 1) * per), i * per);
    classes[i] = Number(r.label);
  }
  return { ds, pixels, classes, opts: { height: ds.height, width: ds.width, channels: ds.channels, pixelScale: ds.pixelScale } };
}

async function checkpointModel(store: Store, checkpointId: number, deps: SaliencyDeps): Promise<tf.LayersModel> {
  const cp = await getCheckpoint(store, checkpointId);
  const modelPath = checkpointModelPath(store, cp.path);
  if (/\.onnx$/i.test(modelPath)) throw new MarginError('UNSUPPORTED', ONNX_SALIENCY_UNSUPPORTED);
  return cachedModel(store, checkpointId, modelPath, deps.load ?? defaultLoad);
}

async function computeAndStore(store: Store, checkpointId: number, itemIds: number[], deps: SaliencyDeps): Promise<SaliencyMap[]> {
  const { ds, pixels, classes, opts } = await gatherPixels(store, itemIds);
  const model = await checkpointModel(store, checkpointId, deps);
  const res = (deps.compute ?? computeSaliency)(model, pixels, classes, opts);
  const hw = ds.height * ds.width;
  const maps: SaliencyMap[] = [];
  for (let i = 0; i < itemIds.length; i++) {
    const values = res.heatmap.slice(i * hw, (i + 1) * hw);
    maps.push({ itemId: itemIds[i], h: ds.height, w: ds.width, values, computed: true });
    if (!store.readOnly) {
      await saveSaliency(store, checkpointId, itemIds[i], SALIENCY_METHOD, {
        format: 'f32', h: ds.height, w: ds.width, data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
      });
    }
  }
  return maps;
}

/**
 * Saliency of one neuron (engine/neuron-saliency.ts) for some items, in request order, and the
 * receptive field: the box where the neuron's gradient is non-zero for any of them. Not stored
 * (one map set per neuron; a dozen items take well under a second).
 */
export async function neuronSaliencyMaps(
  store: Store, checkpointId: number, itemIds: readonly number[], target: NeuronTarget, deps: SaliencyDeps = {},
): Promise<{ maps: SaliencyMap[]; receptiveField: { top: number; left: number; height: number; width: number } | null }> {
  if (itemIds.length === 0) return { maps: [], receptiveField: null };
  const { ds, pixels, opts } = await gatherPixels(store, itemIds);
  const model = await checkpointModel(store, checkpointId, deps);
  const heat = (deps.computeNeuron ?? computeNeuronSaliency)(model, pixels, itemIds.length, target, opts);
  const hw = ds.height * ds.width;
  const maps = itemIds.map((itemId, i) => ({ itemId, h: ds.height, w: ds.width, values: heat.slice(i * hw, (i + 1) * hw), computed: true }));
  return { maps, receptiveField: supportBox(heat, itemIds.length, ds.height, ds.width) };
}

/** A map as a viridis PNG (each map scaled to its own range; the longer side `size` px). */
export function saliencyPng(map: SaliencyMap, size = 56): Buffer {
  return encodeHeatmapPng(map.values, map.h, map.w, { size, colorMap: 'viridis', min: 0 });
}

export function pngDataUrl(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}
