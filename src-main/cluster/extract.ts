/**
 * A checkpoint's extraction as Dask tasks, one per shard of items (issue 14). The workstation
 * (this process) writes the job to shared storage, lets `margin_dask.py` run one
 * `margin extract-shard` per shard on the cluster, and commits each finished shard into the store
 * as it arrives — in work-list order (a shard that finishes early waits on disk), one transaction
 * per shard (its index rows, predictions, an extraction_batches row and its extraction_shards row,
 * COMMIT only after its bytes are fsynced). The files and index it leaves equal a local run's byte
 * for byte when the shard size is a multiple of the transaction size (shard-plan.ts).
 *
 * Faults: Dask retries a task whose worker died (`retries`, and its own lost-worker handling); a
 * shard folder is written under a temporary name and renamed, so two deliveries leave one folder;
 * (job, shard) is the extraction_shards key, so a shard is committed once; a rerun of the same
 * job (same key) skips committed shards, commits folders already on disk without recomputing,
 * and computes the rest. Resume also works at the item level like a local run: items already
 * complete (e.g. from a local extraction) are not written again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import { inTransaction, queryOne, queryRows } from '../store/db.ts';
import { ActivationAppender, withCheckpointWriter, type AppendedPiece } from '../store/activation-appender.ts';
import { bytesPerValue, type ActivationDtype } from '../store/activation-files.ts';
import { extractedItems, invalidateActivations } from '../store/activations.ts';
import { predictedItems, writePredictions } from '../store/predictions.ts';
import { getDataset, getSplit } from '../store/datasets.ts';
import { pixelCacheFile } from '../store/pixel-cache.ts';
import { updateTestAccuracy, type ExtractionResult } from '../store/extract-job.ts';
import { assertWritable, type Store } from '../store/project.ts';
import type { CheckpointInfo, ModelDetail } from '../store/models.ts';
import { modelDataset, runnerPlan } from '../app/services/extraction.ts';
import { chooseShardSize, planShards } from './shard-plan.ts';
import { JOB_FORMAT, jobKey, readManifest, shardDirName, type ExtractJobSpec, type ShardManifest } from './job.ts';
import { MARGIN_BIN, parseClusterAddress, runDaskTasks, type DaskEvent } from './dask-client.ts';
import { assertNotInProjectFiles } from '../store/safe-output.ts';

export interface ClusterProgress {
  done: number;
  total: number;
  itemsPerSecond: number;
  etaSeconds: number;
  shardsDone: number;
  shards: number;
  message: string;
}

export interface ClusterExtractOptions {
  /** `local:N` or a scheduler address. */
  cluster: string;
  /** Items per shard (a multiple of the compute batch); default chosen from the model's cost. */
  shardSize?: number;
  /** Folder on storage shared with the workers (default `<project>/cluster`). */
  sharedDir?: string;
  retries?: number;
  dtype?: ActivationDtype;
  onProgress?: (p: ClusterProgress) => void;
  /** Every event of the Dask client, after it is handled (tests use it to kill a worker mid-run). */
  onEvent?: (e: DaskEvent) => void;
  signal?: AbortSignal;
  now?: () => number;
}

export interface ClusterExtractResult extends ExtractionResult {
  engine: string;
  key: string;
  shardSize: number;
  shards: number;
  /** Shards committed by this run, skipped (committed before, or all items already stored), and committed from folders a previous run left. */
  shardsCommitted: number;
  shardsSkipped: number;
  shardsReused: number;
  /** Deliveries of an already committed shard (ignored). */
  duplicates: number;
  /** Compute seconds per shard as the workers measured them. */
  shardSeconds: number[];
  workers: number;
}

/** Planning a cluster extraction of the checkpoint's whole split (nothing is started). */
export async function planClusterExtraction(store: Store, model: ModelDetail, checkpoint: CheckpointInfo, layers: string[], o: { cluster: string; shardSize?: number; dtype?: ActivationDtype; sharedDir?: string }) {
  const where = parseClusterAddress(o.cluster);
  const dtype = o.dtype ?? 'float32';
  const { datasetId, split } = modelDataset(model);
  const ds = await getDataset(store, datasetId);
  const data = await getSplit(store, datasetId, split); // also (re)writes the pixel-cache file the workers read
  const pixelFile = pixelCacheFile(store, datasetId, split);
  const per = ds.height * ds.width * ds.channels * (data.pixels instanceof Uint8Array ? 1 : 4);
  if (!fs.existsSync(pixelFile) || fs.statSync(pixelFile).size !== 16 + data.itemIds.length * per) {
    throw new MarginError('CONFLICT', `the pixel file ${pixelFile} that cluster workers read is missing or stale: close other Margin processes on this project and run the extraction again`);
  }
  const plan = runnerPlan(store.dir, model, checkpoint, {});
  const n = data.itemIds.length;
  let shardSize: number;
  if (o.shardSize !== undefined) {
    if (!(Number.isInteger(o.shardSize) && o.shardSize > 0 && o.shardSize % plan.batchSize === 0)) {
      throw new MarginError('BAD_INPUT', `--shard-size must be a positive multiple of the compute batch (${plan.batchSize} items for this model), got ${o.shardSize}; multiples of ${plan.commitItems} give files identical to a local extraction`);
    }
    shardSize = o.shardSize;
  } else {
    const info = new Map(model.layers.map((l) => [l.name, l]));
    const stored = new Set([...layers, model.latentLayer]);
    const bytesPerItem = [...stored].reduce((s, l) => s + (info.get(l)?.units ?? 0) * (l === model.latentLayer ? 4 : bytesPerValue(dtype)), 0);
    shardSize = chooseShardSize({
      items: n, workers: where.kind === 'local' ? where.workers : 16, flopsPerItem: model.layers.reduce((s, l) => s + l.flops, 0),
      bytesPerItem, commitItems: plan.commitItems, batchSize: plan.batchSize,
    });
  }
  const key = jobKey({ project: path.resolve(store.dir), checkpoint: checkpoint.id, datasetId, split, layers, dtype, shardSize, n, first: data.itemIds[0], last: data.itemIds[n - 1] });
  const spec: ExtractJobSpec = {
    format: JOB_FORMAT, version: 1, kind: 'extract', key, checkpointId: checkpoint.id, plan, latentLayer: model.latentLayer,
    numClasses: model.numClasses, layers, dtype,
    pixels: { file: pixelFile, headerBytes: 16, type: data.pixels instanceof Uint8Array ? 'uint8' : 'float32', height: ds.height, width: ds.width, channels: ds.channels, pixelScale: ds.pixelScale, items: n },
    itemIds: Array.from(data.itemIds), splitIndex: Array.from({ length: n }, (_, i) => i), labels: Array.from(data.labels),
    shardSize, shards: planShards(n, shardSize),
  };
  // A user-named shared folder is never one of a project's own folders (activations/, models/, …).
  if (o.sharedDir !== undefined) await assertNotInProjectFiles(o.sharedDir, { projects: [store.dir] });
  const jobDir = path.join(path.resolve(o.sharedDir ?? path.join(store.dir, 'cluster')), key);
  return { spec, jobDir, datasetId, split, dtype };
}

/** Runs the whole split of `checkpoint` through the cluster; see the file comment. */
export async function extractOnCluster(store: Store, model: ModelDetail, checkpoint: CheckpointInfo, layers: string[], o: ClusterExtractOptions): Promise<ClusterExtractResult> {
  assertWritable(store, 'extract --cluster');
  const now = o.now ?? (() => performance.now());
  const { spec, jobDir, datasetId, split, dtype } = await planClusterExtraction(store, model, checkpoint, layers, o);
  fs.mkdirSync(jobDir, { recursive: true });
  const jobFile = path.join(jobDir, 'job.json');
  fs.writeFileSync(`${jobFile}.tmp`, JSON.stringify(spec));
  fs.renameSync(`${jobFile}.tmp`, jobFile);
  return withCheckpointWriter(store, checkpoint.id, () => runJob(store, spec, jobDir, jobFile, datasetId, split, dtype, o, now));
}

async function runJob(store: Store, spec: ExtractJobSpec, jobDir: string, jobFile: string, datasetId: number, split: string, dtype: ActivationDtype,
  o: ClusterExtractOptions, now: () => number): Promise<ClusterExtractResult> {
  const ckId = spec.checkpointId;
  const latent = spec.latentLayer;
  const stored = spec.layers.includes(latent) ? spec.layers : [...spec.layers, latent];
  const predicted = await predictedItems(store, ckId);
  const hasLayer = new Map<string, Set<number>>();
  for (const l of stored) hasLayer.set(l, new Set(await extractedItems(store, ckId, l)));
  const complete = (id: number) => predicted.has(id) && stored.every((l) => hasLayer.get(l)!.has(id));
  const committedBefore = new Set((await queryRows(store.conn, 'SELECT shard FROM extraction_shards WHERE job = $1', [spec.key])).map((r) => Number(r.shard)));
  const legacyLatents = Number((await queryOne(store.conn, 'SELECT count(*) AS n FROM latents WHERE checkpoint_id = $1', [ckId]))?.n ?? 0) > 0;

  const shardItems = (s: { start: number; count: number }) => spec.itemIds.slice(s.start, s.start + s.count);
  const pending = spec.shards.filter((s) => !committedBefore.has(s.id) && !shardItems(s).every(complete));
  const total = spec.itemIds.length;
  const skipped = spec.itemIds.filter(complete).length;
  // Leftovers of workers killed mid-write; whole shard folders of a previous run are kept and committed.
  for (const name of fs.readdirSync(jobDir)) if (/\.tmp-/.test(name)) fs.rmSync(path.join(jobDir, name), { recursive: true, force: true });
  const onDisk = new Map<number, ShardManifest>();
  for (const s of pending) {
    const m = readManifest(path.join(jobDir, shardDirName(s.id)));
    if (m && m.key === spec.key && m.count === s.count) onDisk.set(s.id, m);
  }

  const t0 = now();
  let computed = 0;
  let committedShards = 0;
  let duplicates = 0;
  let workers = 0;
  let engine = '';
  const shardSeconds: number[] = [];
  const report = (message: string) => {
    const secs = (now() - t0) / 1000;
    const ips = secs > 0 ? computed / secs : 0;
    const left = total - skipped - computed;
    o.onProgress?.({ done: skipped + computed, total, itemsPerSecond: ips, etaSeconds: ips > 0 ? left / ips : left === 0 ? 0 : Infinity,
      shardsDone: spec.shards.length - pending.length + committedShards, shards: spec.shards.length, message });
  };
  report(`${pending.length} of ${spec.shards.length} shards to do${onDisk.size ? ` (${onDisk.size} already computed)` : ''}`);

  const appender = await store.lock.run(() => ActivationAppender.open(store, ckId, dtype));
  const latentAppender = dtype === 'float32' ? appender : await store.lock.run(() => ActivationAppender.open(store, ckId, 'float32'));
  const appenderOf = (layer: string) => (layer === latent ? latentAppender : appender);

  /** One shard, one transaction. Returns false if it was committed before (a second delivery). */
  const commitShard = async (s: { id: number; start: number; count: number }, m: ShardManifest, dir: string, worker: string | null): Promise<boolean> => {
    const ids = Int32Array.from(shardItems(s));
    const k = spec.numClasses;
    const pred = fs.readFileSync(path.join(dir, m.predictions.file));
    if (m.count !== s.count || m.predictions.numClasses !== k || pred.byteLength !== s.count * 4 * (1 + 2 * k)) {
      throw new MarginError('INTERNAL', `shard ${s.id} in ${dir} does not match its job (items or predictions of the wrong size): delete the folder and run again`);
    }
    const layerBytes = new Map<string, { units: number; dtype: ActivationDtype; bytes: Buffer }>();
    for (const l of m.layers) {
      const bytes = fs.readFileSync(path.join(dir, l.file));
      const want: ActivationDtype = l.name === latent ? 'float32' : dtype;
      if (l.dtype !== want || bytes.byteLength !== s.count * l.units * bytesPerValue(l.dtype)) {
        throw new MarginError('INTERNAL', `shard ${s.id}: layer ${l.name} file in ${dir} has the wrong size or dtype: delete the folder and run again`);
      }
      layerBytes.set(l.name, { units: l.units, dtype: l.dtype, bytes });
    }
    for (const l of stored) if (!layerBytes.has(l)) throw new MarginError('INTERNAL', `shard ${s.id} in ${dir} lacks layer ${l}`);
    const ok = await store.lock.run(() => inTransaction(store.conn, async () => {
      if (await queryOne(store.conn, 'SELECT 1 AS x FROM extraction_shards WHERE job = $1 AND shard = $2', [spec.key, s.id])) return false;
      // Groups at the transaction boundaries of a local run (positions in the work list).
      const cuts: number[] = [0];
      for (let p = s.start + 1; p < s.start + s.count; p++) if (p % (spec.plan.commitItems) === 0) cuts.push(p - s.start);
      cuts.push(s.count);
      const all: AppendedPiece[] = [];
      for (let g = 0; g + 1 < cuts.length; g++) {
        const pieces: AppendedPiece[] = [];
        for (const [name, l] of layerBytes) {
          if (!stored.includes(name)) continue;
          const have = hasLayer.get(name)!;
          const rows: number[] = [];
          for (let r = cuts[g]; r < cuts[g + 1]; r++) if (!have.has(ids[r])) rows.push(r);
          if (rows.length === 0) continue;
          const rowBytes = l.units * bytesPerValue(l.dtype);
          const contiguous = rows.length === cuts[g + 1] - cuts[g];
          const bytes = contiguous ? l.bytes.subarray(cuts[g] * rowBytes, cuts[g + 1] * rowBytes) : Buffer.concat(rows.map((r) => l.bytes.subarray(r * rowBytes, (r + 1) * rowBytes)));
          pieces.push(appenderOf(name).appendEncoded({ layer: name, units: l.units, itemIds: Int32Array.from(rows, (r) => ids[r]), bytes }));
        }
        const own = pieces.filter((p) => p.layer !== latent);
        const lat = pieces.filter((p) => p.layer === latent);
        if (latentAppender === appender) await appender.insertIndex(pieces);
        else { await appender.insertIndex(own); await latentAppender.insertIndex(lat); }
        all.push(...pieces);
      }
      const need = Array.from(ids.keys()).filter((r) => !predicted.has(ids[r]));
      if (need.length > 0) {
        const predictedAll = new Int32Array(pred.buffer, pred.byteOffset, s.count).slice();
        const probs = new Float32Array(pred.buffer.slice(pred.byteOffset + s.count * 4, pred.byteOffset + s.count * 4 * (1 + k)));
        const logits = new Float32Array(pred.buffer.slice(pred.byteOffset + s.count * 4 * (1 + k), pred.byteOffset + s.count * 4 * (1 + 2 * k)));
        const pickRows = (a: Float32Array) => { const out = new Float32Array(need.length * k); need.forEach((r, i) => out.set(a.subarray(r * k, (r + 1) * k), i * k)); return out; };
        await writePredictions(store, ckId, {
          itemIds: Int32Array.from(need, (r) => ids[r]), trueLabels: Int32Array.from(need, (r) => spec.labels[s.start + r]),
          predicted: Int32Array.from(need, (r) => predictedAll[r]), probs: pickRows(probs), logits: pickRows(logits), numClasses: k,
        });
      }
      const latentIds = all.filter((p) => p.layer === latent).flatMap((p) => Array.from(p.itemIds));
      if (legacyLatents && latentIds.length > 0) {
        await store.conn.run('DELETE FROM latents WHERE checkpoint_id = $1 AND item_id IN (SELECT unnest($2::INTEGER[]))', [ckId, JSON.stringify(latentIds)]);
      }
      await store.conn.run(`INSERT INTO extraction_batches VALUES (nextval('seq_extraction_batches'), $1, $2, $3, $4, $5, $6, $7::VARCHAR[], $8, $9, $10, epoch_ms($11))`,
        [ckId, datasetId, split, s.count, m.firstItem, m.lastItem, JSON.stringify(spec.layers), dtype, m.engine, m.seconds, Math.round(store.now())]);
      await store.conn.run('INSERT INTO extraction_shards VALUES ($1, $2, $3, $4, $5, $6, $7, $8, epoch_ms($9))',
        [spec.key, s.id, ckId, m.firstItem, m.lastItem, s.count, worker ?? m.host, m.seconds, Math.round(store.now())]);
      // The bytes are on disk before the index rows commit.
      await (latentAppender === appender ? appender.sync(all) : Promise.all([appender.sync(all.filter((p) => p.layer !== latent)), latentAppender.sync(all.filter((p) => p.layer === latent))]));
      return true;
    })).finally(() => invalidateActivations(store, ckId));
    if (ok) {
      for (const l of stored) for (const id of ids) hasLayer.get(l)!.add(id);
      for (const id of ids) predicted.add(id);
    }
    return ok;
  };

  // Commit in work-list order: a shard that arrives early waits (its folder is on disk) for the ones before it.
  const ready = new Map<number, { m: ShardManifest; dir: string; worker: string | null }>();
  for (const [id, m] of onDisk) ready.set(id, { m, dir: path.join(jobDir, shardDirName(id)), worker: null });
  let next = 0;
  const drain = async () => {
    while (next < pending.length && ready.has(pending[next].id)) {
      const s = pending[next];
      const r = ready.get(s.id)!;
      ready.delete(s.id);
      const fresh = shardItems(s).filter((id) => !complete(id)).length;
      if (await commitShard(s, r.m, r.dir, r.worker)) {
        committedShards++;
        computed += fresh;
        shardSeconds.push(r.m.seconds);
        engine ||= r.m.engine;
      } else {
        duplicates++;
      }
      fs.rmSync(r.dir, { recursive: true, force: true });
      next++;
      report(`shard ${s.id + 1}/${spec.shards.length} committed`);
      if (o.signal?.aborted) return;
    }
  };

  const toRun = pending.filter((s) => !onDisk.has(s.id));
  const shardsReused = onDisk.size;
  let failure: unknown = null;
  try {
    await drain();
    if (toRun.length > 0 && !o.signal?.aborted) {
      const nodeBin = process.env.MARGIN_WORKER_NODE ?? process.execPath;
      const marginBin = process.env.MARGIN_WORKER_BIN ?? MARGIN_BIN;
      const run = runDaskTasks({
        cluster: o.cluster,
        retries: o.retries,
        tasksFile: path.join(jobDir, 'tasks.json'),
        tasks: toRun.map((s) => ({
          id: s.id, key: `margin-${spec.key}-${s.id}`, result: path.join(jobDir, shardDirName(s.id)),
          argv: [nodeBin, marginBin, 'extract-shard', '--job', jobFile, '--shard', String(s.id)],
        })),
        onEvent: async (e) => {
          if (e.event === 'ready') {
            workers = e.workers;
            report(`${toRun.length} shards submitted to ${e.workers} Dask worker${e.workers === 1 ? '' : 's'} at ${e.scheduler}`);
          } else if (e.event === 'done') {
            const dir = e.result;
            const m = readManifest(dir);
            if (!m) throw new MarginError('INTERNAL', `shard ${e.id} was reported done but ${dir} has no manifest: is ${jobDir} on storage the workers share?`);
            ready.set(e.id, { m, dir, worker: e.worker });
            await drain();
          } else if (e.event === 'failed') {
            throw new MarginError('INTERNAL', `shard ${e.id} failed on the cluster after retries: ${e.error}`);
          }
          o.onEvent?.(e);
        },
      });
      const onAbort = () => run.cancel();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const { code, stderr } = await run.exited;
        if (code !== 0 && !o.signal?.aborted) {
          throw new MarginError('INTERNAL', `the Dask client exited with status ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ') || 'no message'}`);
        }
      } finally {
        o.signal?.removeEventListener('abort', onAbort);
      }
    }
  } catch (err) {
    failure = err;
  } finally {
    await appender.close();
    if (latentAppender !== appender) await latentAppender.close();
  }
  if (failure) throw failure;
  if (next < pending.length) {
    if (o.signal?.aborted) {
      throw new MarginError('CANCELLED', `cluster extraction of checkpoint ${ckId} cancelled after ${skipped + computed} of ${total} items (${committedShards} shards committed this run); run it again to resume`,
        { done: skipped + computed, total });
    }
    throw new MarginError('INTERNAL', `the cluster run ended with ${pending.length - next} shards not delivered; run it again to resume`);
  }
  if (split === 'test') await updateTestAccuracy(store, ckId, datasetId);
  fs.rmSync(jobDir, { recursive: true, force: true });
  return {
    total, skipped, computed, batches: committedShards, seconds: (now() - t0) / 1000, waitSeconds: 0, writeSeconds: 0,
    engine: engine ? `${engine} on Dask (${o.cluster})` : 'none (already stored)', key: spec.key, shardSize: spec.shardSize, shards: spec.shards.length,
    shardsCommitted: committedShards, shardsSkipped: spec.shards.length - pending.length, shardsReused, duplicates, shardSeconds, workers,
  };
}
