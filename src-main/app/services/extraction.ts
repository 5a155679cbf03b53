/**
 * Running a checkpoint over its data set and keeping what it produces: predictions and latent
 * vectors always, activations of the chosen layers for all items or for a sample's members only.
 * The engine's worker-thread runner does the forward passes (both cores); the store's resumable
 * job commits whole batches, so a rerun after a crash continues where it stopped.
 */
import { createRunner } from '../../engine/runner.ts';
import { getSplit } from '../../store/datasets.ts';
import { getDataset } from '../../store/datasets.ts';
import { runExtraction, type ExtractionResult } from '../../store/extract-job.ts';
import { extractedItems, invalidateActivations } from '../../store/activations.ts';
import { describeDamage, repairDamage } from '../../store/activation-damage.ts';
import { withCheckpointWriter } from '../../store/activation-appender.ts';
import { predictedItems } from '../../store/predictions.ts';
import { getSample, listSamples } from '../../store/samples.ts';
import type { Store } from '../../store/project.ts';
import type { BatchRunner } from '../../core/extraction-types.ts';
import type { CheckpointInfo, ModelDetail } from '../../store/models.ts';
import { clampWorkers } from '../../system/workers.ts';
import { MarginError } from '../../shared/errors.ts';
import { checkpointModelPath } from './model-import.ts';
import { resolveCheckpoint } from './models.ts';
import { resolveLayers } from './layers.ts';

export interface ExtractRequest {
  model: string;
  checkpoint?: string;
  layers?: 'all' | 'main' | string[];
  /** Only the members of this sample. */
  sample?: string;
  dtype?: 'float32' | 'float16';
  workers?: number;
  batchSize?: number;
  /** Run it on a Dask cluster (`local:N` or a scheduler address), one task per shard of items. */
  cluster?: string;
  /** Items per shard (default from the model's cost). */
  shardSize?: number;
  /** Folder shared with the cluster's workers (default `<project>/cluster`). */
  sharedDir?: string;
}

export interface ExtractProgress {
  done: number;
  total: number;
  itemsPerSecond: number;
  etaSeconds: number;
  /** Cluster runs: shards committed of all ("shard 3/5 committed"). */
  message?: string;
}

export interface ExtractOutcome extends ExtractionResult {
  model: string;
  checkpoint: string;
  layers: string[];
  engine: string;
  /** What was adjusted rather than refused, e.g. workers clamped to the cores available. */
  notes: string[];
  /**
   * Damaged layers found before this run (files shorter than their index): their lost items were
   * dropped from the index and computed again by this run (whole-split runs; a sample's run only its members).
   */
  repaired: Array<{ layer: string; items: number; damage: string }>;
}

export function modelDataset(model: ModelDetail): { datasetId: number; split: string } {
  if (model.datasetId == null) throw new MarginError('CONFLICT', `model "${model.name}" is not linked to a data set: re-import it with --dataset`);
  return { datasetId: model.datasetId, split: model.split };
}

/** Items per extraction transaction (see extractItems). */
const COMMIT_ITEMS = 2048;

/** Runs one extraction of a checkpoint over item ids (all items of its split when undefined). */
export async function extractItems(
  store: Store,
  model: ModelDetail,
  checkpoint: CheckpointInfo,
  layers: string[],
  itemIds: Int32Array | undefined,
  opts: { dtype?: 'float32' | 'float16'; workers?: number; batchSize?: number; commitItems?: number; onProgress?: (p: ExtractProgress) => void; signal?: AbortSignal } = {},
): Promise<ExtractionResult & { engine: string }> {
  const { datasetId, split } = modelDataset(model);
  const ds = await getDataset(store, datasetId);
  const data = await getSplit(store, datasetId, split);
  // Nothing to do (a rerun of a finished extraction): answer without starting the engine.
  const wanted = itemIds ?? data.itemIds;
  const predicted = await predictedItems(store, checkpoint.id);
  const stored = await Promise.all(layers.map(async (l) => new Set(await extractedItems(store, checkpoint.id, l))));
  if (wanted.every((id) => predicted.has(id) && stored.every((s) => s.has(id)))) {
    return { total: wanted.length, skipped: wanted.length, computed: 0, batches: 0, seconds: 0, waitSeconds: 0, writeSeconds: 0, engine: 'none (already stored)' };
  }
  const plan = runnerPlan(store.dir, model, checkpoint, { ...opts, itemCount: itemIds?.length });
  const runner = await openRunner(plan, { pixels: data.pixels, height: ds.height, width: ds.width, channels: ds.channels, pixelScale: ds.pixelScale, latentLayer: model.latentLayer });
  const commitItems = plan.commitItems;
  try {
    const result = await runExtraction({
      store,
      checkpointId: checkpoint.id,
      runner,
      datasetId,
      split,
      layers,
      itemIds,
      dtype: opts.dtype ?? 'float32',
      batchSize: plan.batchSize,
      parallel: plan.parallel,
      commitItems,
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
    return { ...result, engine: runner.engine };
  } finally {
    await runner.close();
  }
}

/** How a checkpoint runs: its engine's model file and the batch sizes of an extraction. */
export interface RunnerPlan {
  /** The .onnx file when it runs on ONNX Runtime (native ONNX, or a TF.js checkpoint translated at import), else null. */
  onnxPath: string | null;
  /** The TF.js model.json (or the .onnx of a native ONNX model). */
  modelPath: string;
  /** Items per forward pass of the runner. */
  runnerBatch: number;
  /** TF.js worker threads (ONNX Runtime: 1). */
  workers: number;
  /** Items per compute batch of the extraction job, and runner calls issued at once per batch. */
  batchSize: number;
  parallel: number;
  /** Items per transaction. */
  commitItems: number;
}

/**
 * The engine and batch sizes of an extraction of `checkpoint`: one place, so that a cluster
 * shard (src-main/cluster/) runs exactly the batches a local extraction runs.
 */
export function runnerPlan(projectDir: string, model: ModelDetail, checkpoint: CheckpointInfo,
  opts: { workers?: number; batchSize?: number; commitItems?: number; itemCount?: number } = {}): RunnerPlan {
  // A native ONNX model's file is its .onnx; a TF.js checkpoint translated at import has one beside its model.json.
  const modelPath = checkpointModelPath({ dir: projectDir }, checkpoint.path);
  const onnxPath = model.engine === 'onnxruntime' ? modelPath : checkpoint.onnxPath ? checkpointModelPath({ dir: projectDir }, checkpoint.onnxPath) : null;
  const onnx = onnxPath !== null;
  // ONNX Runtime runs synchronously in this thread on one native thread, in runs of 128 items
  // (fastest measured, see src-main/onnx/README.md), while the previous batch is written. Compute
  // batches of 512 are gathered into transactions of ≥ 2,048 items: small batches keep little
  // memory in flight (the first extraction of a process first-touches it: 1.45 → 1.0 s for 10,000
  // items against batches of 2,000), few commits keep DuckDB's share down. TF.js uses worker threads.
  const runnerBatch = opts.batchSize ?? (onnx ? 512 : 256);
  const workers = onnx ? 1 : (opts.workers ?? (opts.itemCount !== undefined && opts.itemCount <= runnerBatch ? 0 : 2));
  return {
    onnxPath, modelPath, runnerBatch, workers,
    batchSize: runnerBatch * Math.max(1, workers), parallel: Math.max(1, workers),
    commitItems: opts.commitItems ?? COMMIT_ITEMS,
  };
}

/** Starts the plan's engine over a split's pixels. */
export async function openRunner(plan: RunnerPlan, common: { pixels: Uint8Array | Float32Array; height: number; width: number; channels: number; pixelScale: number; latentLayer: string }): Promise<BatchRunner> {
  return plan.onnxPath !== null
    ? (await import('../../onnx/index.ts')).createOnnxRunner({ ...common, modelPath: plan.onnxPath })
    : createRunner({ ...common, modelJsonPath: plan.modelPath, batchSize: plan.runnerBatch, workers: plan.workers });
}

export async function extract(store: Store, r: ExtractRequest, opts: { onProgress?: (p: ExtractProgress) => void; signal?: AbortSignal } = {}): Promise<ExtractOutcome> {
  const { workers, note } = clampWorkers(r.workers);
  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);
  const asked = resolveLayers(model.layers, r.layers ?? 'main');
  // Heal first: damaged chunks (files shorter than their index) leave the index, so their items
  // are missing again, and their layers are extracted along with the ones asked for.
  const damage = store.readOnly ? [] : await withCheckpointWriter(store, checkpoint.id, () => repairDamage(store, checkpoint.id));
  if (damage.length > 0) {
    invalidateActivations(store, checkpoint.id);
    store.damage = store.damage.filter((d) => d.checkpointId !== checkpoint.id);
  }
  const repaired = damage.map((d) => ({ layer: d.layer, items: d.items, damage: describeDamage(d) }));
  const layers = [...asked, ...damage.map((d) => d.layer).filter((l) => !asked.includes(l) && model.layers.some((x) => x.name === l))];
  let itemIds: Int32Array | undefined;
  if (r.sample) {
    const s = (await listSamples(store, model.id)).find((x) => x.name === r.sample);
    if (!s) throw new MarginError('NOT_FOUND', `sample: model "${r.model}" has no sample "${r.sample}"`);
    itemIds = (await getSample(store, s.id)).memberIds;
  }
  if (r.cluster) {
    if (itemIds) throw new MarginError('BAD_INPUT', 'cluster: a cluster extraction runs a whole split; extract a sample\'s members locally');
    const { extractOnCluster } = await import('../../cluster/extract.ts');
    const res = await extractOnCluster(store, model, checkpoint, layers, {
      cluster: r.cluster, shardSize: r.shardSize, sharedDir: r.sharedDir, dtype: r.dtype, signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ done: p.done, total: p.total, itemsPerSecond: p.itemsPerSecond, etaSeconds: p.etaSeconds, message: `shards ${p.shardsDone}/${p.shards}: ${p.message}` }),
    });
    return { ...res, model: model.name, checkpoint: checkpoint.label, layers, notes: note ? [note] : [], repaired };
  }
  const res = await extractItems(store, model, checkpoint, layers, itemIds, { ...r, workers, ...opts });
  return { ...res, model: model.name, checkpoint: checkpoint.label, layers, notes: note ? [note] : [], repaired };
}

/**
 * Lazy artifacts (the point of the paper): make sure `layer` of the checkpoint is stored for
 * `itemIds`, computing and storing only the missing ones. Returns what had to be computed.
 */
export async function ensureActivations(
  store: Store,
  checkpointId: number,
  layer: string,
  itemIds: Int32Array,
  opts: { signal?: AbortSignal; dtype?: 'float32' | 'float16' } = {},
): Promise<{ computedItems: number; computedBytes: number; seconds: number }> {
  const t0 = performance.now();
  const have = new Set(await extractedItems(store, checkpointId, layer));
  const missing = Int32Array.from(Array.from(itemIds).filter((id) => !have.has(id)));
  if (missing.length === 0) return { computedItems: 0, computedBytes: 0, seconds: 0 };
  const { model, checkpoint } = await checkpointOwner(store, checkpointId);
  const info = model.layers.find((l) => l.name === layer);
  if (!info) throw new MarginError('NOT_FOUND', `layer ${layer} is not a layer of model "${model.name}"`);
  const res = await extractItems(store, model, checkpoint, [layer], missing, { signal: opts.signal, dtype: opts.dtype });
  const bytesPer = (opts.dtype ?? 'float32') === 'float16' ? 2 : 4;
  return { computedItems: res.computed, computedBytes: res.computed * info.units * bytesPer, seconds: (performance.now() - t0) / 1000 };
}

async function checkpointOwner(store: Store, checkpointId: number): Promise<{ model: ModelDetail; checkpoint: CheckpointInfo }> {
  const { getCheckpoint, getModel } = await import('../../store/models.ts');
  const cp = await getCheckpoint(store, checkpointId);
  const model = await getModel(store, cp.modelId);
  return { model, checkpoint: model.checkpoints.find((c) => c.id === checkpointId)! };
}
