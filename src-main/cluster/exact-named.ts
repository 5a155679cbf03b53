/**
 * Q4, Q6 and Q7 on a Dask cluster, the workstation's side (the workers' is exact-worker.ts).
 *   Q4  pass 1 (x̄) is an S2-style aggregate (exact.ts); pass 2 here: tasks of whole SUM_BLOCK
 *       blocks compute each block's centred moments (and, by q4Form, the feature form's p×p
 *       cross-moments or the gram form's block-pair sums); the workstation adds them in block
 *       order with q4CombineMoments — the local arithmetic, so the local answer bit for bit.
 *   Q7  each layer's centred n×n Gram matrix (n ≤ 500 seeded items), the heatmap formed here.
 *   Q6  per-block per-class counts of hits, from labels sent in the task files (integers: exact).
 * Large shares come back as Float64 files in the task folder (size + SHA-256 checked, deleted
 * once read), never through the Dask client's JSON lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import type { LayerInfo } from '../core/extraction-types.ts';
import type { Store } from '../store/project.ts';
import type { ExactNamed } from '../app/services/query-context.ts';
import { SUM_BLOCK } from '../queries/aggregates.ts';
import { orderedBlocks } from '../queries/block-partials.ts';
import { GRAM_MAX_ITEMS } from '../queries/cka.ts';
import { checkQ6Input, q6CombineBlocks, type Q6Counts } from '../queries/q6-counts.ts';
import { blockCount, q4CombineMoments, q4Form, q4Pairs, type Q4BlockMoments, type Q4Moments } from '../queries/q4-blocked.ts';
import { parseClusterAddress } from './dask-client.ts';
import { checkExactShardSize } from './exact.ts';
import { locateRows, runExactTasks, runsOf, type ExactOptions } from './exact-run.ts';
import { readBinaryShare, type BinaryShare, type Q4Result, type Q4Task, type Q6Result, type Q6Task, type Q7Result, type Q7Task } from './exact-worker.ts';

export interface Q4ClusterRequest {
  checkpointId: number;
  layer: LayerInfo;
  /** The items in the local answer's scan order. */
  itemIds: Int32Array;
  /** x̄ over them (pass 1). */
  mean: Float64Array;
  /** Their centred logits, in the same order. */
  dy: Float64Array;
}

/** Q4's pass 2 on the cluster: the moments q4Moments computes here, bit for bit. */
export async function q4MomentsOnCluster(store: Store, req: Q4ClusterRequest, o: ExactOptions): Promise<{ moments: Q4Moments; tasks: number }> {
  parseClusterAddress(o.cluster);
  const size = o.shardSize ?? 4 * SUM_BLOCK;
  checkExactShardSize(size);
  const m = req.itemIds.length, p = req.mean.length;
  if (m < 2) throw new MarginError('BAD_INPUT', `Q4 needs at least 2 items, got ${m}`);
  if (req.dy.length !== m) throw new MarginError('BAD_INPUT', `Q4: ${m} items but ${req.dy.length} logits`);
  const loc = await locateRows(store, req.checkpointId, req.layer.name);
  if (loc.units !== p) throw new MarginError('CONFLICT', `layer ${req.layer.name} has ${loc.units} units stored but the mean has ${p}: ask again`);
  const form = q4Form(m, p), blocks = blockCount(m);
  const what = { layer: req.layer.name, checkpointId: req.checkpointId };
  const block = (b: number) => {
    const from = b * SUM_BLOCK, to = Math.min(m, from + SUM_BLOCK);
    const { runs, dtype } = runsOf(loc, req.itemIds.subarray(from, to), what);
    return { block: b, runs, dtype, dy: Array.from(req.dy.subarray(from, to)) };
  };
  const perTask = size / SUM_BLOCK;
  const base = { format: 'margin-q4-task' as const, version: 1 as const, projectDir: path.resolve(store.dir), units: p, form, mean: Array.from(req.mean) };
  const tasks: Q4Task[] = [];
  const newTask = (bs: number[], moments: number[], pairs: Array<[number, number, number]>) => {
    const read = bs.map(block);
    if (read.some((r) => r.dtype !== read[0].dtype)) throw new MarginError('UNSUPPORTED', `layer ${req.layer.name} is stored partly as float32, partly as float16: re-extract it in one dtype for a cluster answer`);
    tasks.push({ ...base, dtype: read[0].dtype, blocks: read.map(({ dtype: _d, ...r }) => r), moments, pairs });
  };
  if (form === 'feature') {
    for (let b = 0; b < blocks; b += perTask) {
      const bs = Array.from({ length: Math.min(perTask, blocks - b) }, (_, i) => b + i);
      newTask(bs, bs, []);
    }
  } else {
    // Gram form: every block pair a ≤ b; a task takes up to perTask pairs, and the moments of its diagonal blocks.
    const pairs = q4Pairs(blocks).map(([a, b], i) => [i, a, b] as [number, number, number]);
    for (let i = 0; i < pairs.length; i += perTask) {
      const mine = pairs.slice(i, i + perTask);
      const bs = [...new Set(mine.flatMap(([, a, b]) => [a, b]))].sort((x, y) => x - y);
      newTask(bs, mine.filter(([, a, b]) => a === b).map(([, a]) => a), mine);
    }
  }
  const shares: Array<BinaryShare & { block: number; count: number }> = [];
  const pairShares: Array<{ block: number; value: number }> = [];
  let dir = '';
  const moments = await runExactTasks(store, o, { q4: true, ck: req.checkpointId, layer: req.layer.name, m, first: Array.from(req.itemIds.subarray(0, 8)), size }, tasks,
    (_i, file) => {
      dir = path.dirname(file);
      const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Q4Result;
      shares.push(...r.moments);
      for (const s of r.pairs) {
        if (typeof s.value !== 'number' || !Number.isFinite(s.value)) throw new MarginError('BAD_INPUT', `Q4: block pair ${s.block} has a non-finite sum: the layer has a non-finite activation; re-extract the checkpoint`);
        pairShares.push(s);
      }
    },
    () => {
      const ordered = orderedBlocks(shares, blocks, (a, b) => a.sha256 === b.sha256 && a.count === b.count, 'Q4 on the cluster');
      const pairValues = form === 'gram' ? orderedBlocks(pairShares, blocks * (blocks + 1) / 2, (a, b) => Object.is(a.value, b.value), 'Q4 on the cluster (block pairs)') : [];
      const index = new Map(q4Pairs(blocks).map(([a, b], i) => [`${a},${b}`, i]));
      return q4CombineMoments({
        form, units: p, dy: req.dy,
        block: (b) => blockMoments(readBinaryShare(dir, ordered[b]), ordered[b].count, p, form),
        pair: (a, b) => pairValues[index.get(`${a},${b}`)!].value,
      });
    });
  return { moments, tasks: tasks.length };
}

function blockMoments(data: Float64Array, count: number, p: number, form: 'feature' | 'gram'): Q4BlockMoments {
  const want = 2 * p + (form === 'feature' ? (p * (p + 1)) / 2 : 0);
  if (data.length !== want) throw new MarginError('INTERNAL', `a Q4 block share holds ${data.length} numbers, expected ${want}`);
  return { count, sxy: data.subarray(0, p), sxx: data.subarray(p, 2 * p), cross: form === 'feature' ? data.subarray(2 * p) : null };
}

/** One layer of one checkpoint, for Q7. */
export interface Q7ClusterLayer { checkpointId: number; layer: LayerInfo }

/**
 * Q7 without a sample (≤ 500 seeded items) on the cluster: each layer's centred n×n Gram matrix
 * over `itemIds` (in that order), as centredGram computes it here; the workstation forms the
 * heatmap from them (ckaMatrixFromGrams). Layers are packed `--shard-size / 2,048` to a task;
 * each Gram matrix (n² doubles, 2 MB at n = 500) comes back as a binary share.
 */
export async function q7GramsOnCluster(store: Store, req: { layers: Q7ClusterLayer[]; itemIds: Int32Array }, o: ExactOptions): Promise<{ grams: Float64Array[]; tasks: number }> {
  parseClusterAddress(o.cluster);
  const size = o.shardSize ?? 4 * SUM_BLOCK;
  checkExactShardSize(size);
  const n = req.itemIds.length;
  if (n < 2) throw new MarginError('BAD_INPUT', `Q7 needs at least 2 items, got ${n}`);
  if (n > GRAM_MAX_ITEMS) throw new MarginError('BAD_INPUT', `Q7 on the cluster compares at most ${GRAM_MAX_ITEMS} items through Gram matrices, got ${n}`);
  const perTask = size / SUM_BLOCK;
  const tasks: Q7Task[] = [];
  for (let i = 0; i < req.layers.length; i++) {
    const { checkpointId, layer } = req.layers[i];
    const loc = await locateRows(store, checkpointId, layer.name);
    const { runs, dtype } = runsOf(loc, req.itemIds, { layer: layer.name, checkpointId });
    if (i % perTask === 0) tasks.push({ format: 'margin-q7-task', version: 1, projectDir: path.resolve(store.dir), items: n, layers: [] });
    tasks[tasks.length - 1].layers.push({ index: i, name: layer.name, dtype, units: loc.units, runs });
  }
  const shares: Array<BinaryShare & { block: number }> = [];
  let dir = '';
  const grams = await runExactTasks(store, o, { q7: true, layers: req.layers.map((l) => [l.checkpointId, l.layer.name]), n, first: Array.from(req.itemIds.subarray(0, 8)) }, tasks,
    (_i, file) => {
      dir = path.dirname(file);
      shares.push(...(JSON.parse(fs.readFileSync(file, 'utf8')) as Q7Result).grams);
    },
    () => orderedBlocks(shares, req.layers.length, (a, b) => a.sha256 === b.sha256, 'Q7 on the cluster').map((s) => {
      const g = readBinaryShare(dir, s);
      if (g.length !== n * n) throw new MarginError('INTERNAL', `a Q7 Gram share holds ${g.length} numbers, expected ${n * n}`);
      return g;
    }));
  return { grams, tasks: tasks.length };
}

/**
 * Q6 without a sample on the cluster: per block of SUM_BLOCK items, per class, the item count
 * and each checkpoint's hits. The labels travel in the task files: workers cannot open the
 * project's DuckDB while the workstation holds it, and 2 small integers per item and checkpoint
 * are cheaper to send than a second copy of the predictions table to keep and clean up.
 */
export async function q6CountsOnCluster(store: Store, req: { trueLabel: Int32Array; predictions: Int32Array[]; numClasses: number }, o: ExactOptions): Promise<{ counts: Q6Counts; tasks: number }> {
  parseClusterAddress(o.cluster);
  const size = o.shardSize ?? 4 * SUM_BLOCK;
  checkExactShardSize(size);
  const numClasses = checkQ6Input(req.predictions, req.trueLabel, req.numClasses);
  const n = req.trueLabel.length, blocks = blockCount(n), perTask = size / SUM_BLOCK;
  const tasks: Q6Task[] = [];
  for (let b = 0; b < blocks; b++) {
    if (b % perTask === 0) tasks.push({ format: 'margin-q6-task', version: 1, numClasses, blocks: [] });
    const from = b * SUM_BLOCK, to = Math.min(n, from + SUM_BLOCK);
    tasks[tasks.length - 1].blocks.push({ block: b, trueLabel: Array.from(req.trueLabel.subarray(from, to)), predictions: req.predictions.map((p) => Array.from(p.subarray(from, to))) });
  }
  const shares: Array<Q6Counts & { block: number }> = [];
  const counts = await runExactTasks(store, o, { q6: true, n, T: req.predictions.length, first: Array.from(req.trueLabel.subarray(0, 8)) }, tasks,
    (_i, file) => {
      for (const s of (JSON.parse(fs.readFileSync(file, 'utf8')) as Q6Result).blocks) {
        shares.push({ block: s.block, counts: Int32Array.from(s.counts), hits: Int32Array.from(s.hits) });
      }
    },
    () => q6CombineBlocks(shares, blocks, numClasses, req.predictions.length));
  return { counts, tasks: tasks.length };
}

/** The QueryDeps.exactNamed hooks that compute Q4's, Q6's and Q7's shares on a cluster (CLI, API job, tests). */
export function clusterExactNamed(o: ExactOptions & { onTasks?: (tasks: number) => void }): ExactNamed {
  const done = <T extends { tasks: number }>(r: T): T => {
    o.onTasks?.(r.tasks);
    return r;
  };
  return {
    q4: async (store, req) => done(await q4MomentsOnCluster(store, req, o)).moments,
    q6: async (store, req) => done(await q6CountsOnCluster(store, req, o)).counts,
    q7: async (store, req) => done(await q7GramsOnCluster(store, req, o)).grams,
  };
}
