/**
 * Exact answers on a Dask cluster: the aggregates (subsetAggregates) of one or more subsets of a
 * layer's rows — S1/S2/S3 (one subset), Q1 (one per class), Q2/Q5 (one), Q3 (two), the
 * experiments' ground truth (one per class × outcome). Each subset's rows, in the scan order of
 * the local answer, are cut into whole SUM_BLOCKs; tasks (`margin exact-shard`) take whole
 * blocks of one or more subsets, read the rows from the project's activation files on shared
 * storage and return one partial per block, tagged with its block number; the workstation adds
 * each subset's partials in block order (combineBlockPartials) — exactly the arithmetic of
 * subsetAggregates, so the answer is the local one bit for bit, whatever order tasks finish in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import type { ActivationDtype } from '../store/activation-files.ts';
import type { Store } from '../store/project.ts';
import type { LayerInfo } from '../core/extraction-types.ts';
import { SUM_BLOCK, type SubsetAggregates, type SubsetParts } from '../queries/aggregates.ts';
import { combineBlockPartials, type BlockPartial } from '../queries/block-partials.ts';
import { parseClusterAddress } from './dask-client.ts';
import { appendRow, locateRows, runExactTasks, type ExactOptions, type Run } from './exact-run.ts';

export type { ExactOptions } from './exact-run.ts';

export interface ExactSubset {
  /** The subset's items in the local answer's scan order. */
  itemIds: Int32Array;
  parts: SubsetParts;
}

export interface ExactManyRequest {
  checkpointId: number;
  layer: LayerInfo;
  channel: 'mean' | 'max' | null;
  subsets: ExactSubset[];
}

/** One subset (S1/S2/S3). */
export interface ExactRequest {
  checkpointId: number;
  layer: LayerInfo;
  channel: 'mean' | 'max' | null;
  itemIds: Int32Array;
  parts: SubsetParts;
}

/** Whole blocks of one subset: runs of consecutive rows `[file, byteOffset, rows]`. */
export interface ExactPiece {
  subset: number;
  firstBlock: number;
  parts: SubsetParts;
  runs: Run[];
}

/** A task: pieces of one dtype, and the layer's geometry. */
export interface ExactTask {
  format: 'margin-exact-task';
  version: 2;
  projectDir: string;
  dtype: ActivationDtype;
  units: number;
  shape: number[];
  channel: 'mean' | 'max' | null;
  pieces: ExactPiece[];
}

export function checkExactShardSize(size: number): void {
  if (!(Number.isInteger(size) && size > 0 && size % SUM_BLOCK === 0)) {
    throw new MarginError('BAD_INPUT', `--shard-size for an exact answer must be a positive multiple of ${SUM_BLOCK} rows (the summation block), got ${size}`);
  }
}

/** The aggregates of every subset (null for an empty one), computed on the cluster. */
export async function exactManyOnCluster(store: Store, req: ExactManyRequest, o: ExactOptions): Promise<{ answers: Array<SubsetAggregates | null>; tasks: number }> {
  parseClusterAddress(o.cluster);
  const size = o.shardSize ?? 4 * SUM_BLOCK;
  checkExactShardSize(size);
  const answers: Array<SubsetAggregates | null> = req.subsets.map(() => null);
  if (req.subsets.every((s) => s.itemIds.length === 0)) return { answers, tasks: 0 };
  const loc = await locateRows(store, req.checkpointId, req.layer.name);
  const units = loc.units;
  const what = { layer: req.layer.name, checkpointId: req.checkpointId };
  const tasks: ExactTask[] = [];
  let task: ExactTask | null = null;
  let taskRows = 0;
  req.subsets.forEach((s, si) => {
    for (let from = 0; from < s.itemIds.length; from += SUM_BLOCK) {
      if (!task || taskRows >= size) {
        task = { format: 'margin-exact-task', version: 2, projectDir: path.resolve(store.dir), dtype: 'float32', units, shape: req.layer.shape, channel: req.channel, pieces: [] };
        tasks.push(task);
        taskRows = 0;
      }
      const block = s.itemIds.subarray(from, from + SUM_BLOCK);
      let piece = task.pieces[task.pieces.length - 1];
      if (!piece || piece.subset !== si) {
        piece = { subset: si, firstBlock: from / SUM_BLOCK, parts: s.parts, runs: [] };
        task.pieces.push(piece);
      }
      for (const id of block) {
        task.dtype = appendRow(loc, piece.runs, id, taskRows > 0 ? task.dtype : null, what);
        taskRows++;
      }
    }
  });
  const partials: BlockPartial[][] = req.subsets.map(() => []);
  const key = {
    exact: true, ck: req.checkpointId, layer: req.layer.name, channel: req.channel,
    subsets: req.subsets.map((s) => [s.itemIds.length, s.parts, Array.from(s.itemIds.subarray(0, 8))]), size,
  };
  await runExactTasks(store, o, key, tasks, (_i, file) => {
    for (const p of readPartials(file)) partials[p.subset].push(...p.partials);
  }, () => {
    req.subsets.forEach((s, si) => {
      if (s.itemIds.length > 0) answers[si] = combineBlockPartials(partials[si], s.parts, s.itemIds.length);
    });
  });
  return { answers, tasks: tasks.length };
}

/** One subset's aggregates on the cluster (S1/S2/S3). */
export async function exactOnCluster(store: Store, req: ExactRequest, o: ExactOptions): Promise<SubsetAggregates & { tasks: number }> {
  if (req.itemIds.length === 0) throw new MarginError('BAD_INPUT', 'the subset selects no items: nothing to answer on the cluster');
  const r = await exactManyOnCluster(store, { checkpointId: req.checkpointId, layer: req.layer, channel: req.channel, subsets: [{ itemIds: req.itemIds, parts: req.parts }] }, o);
  return { ...r.answers[0]!, tasks: r.tasks };
}

/** The QueryDeps.exactAggregates hook that answers on a cluster (CLI, API job, tests). */
export function clusterExactAggregates(o: ExactOptions & { onTasks?: (tasks: number) => void }) {
  return async (store: Store, req: ExactManyRequest): Promise<Array<SubsetAggregates | null>> => {
    const r = await exactManyOnCluster(store, req, o);
    o.onTasks?.(r.tasks);
    return r.answers;
  };
}

interface PiecePartials { subset: number; partials: BlockPartial[] }

function readPartials(file: string): PiecePartials[] {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    pieces: Array<{ subset: number; firstBlock: number; partials: Array<{ count: number; sums: number[]; maxes: number[] | null; argmaxCounts: number[] | null }> }>;
  };
  return raw.pieces.map((piece) => ({
    subset: piece.subset,
    partials: piece.partials.map((p, i) => ({
      block: piece.firstBlock + i,
      count: p.count,
      sums: Float64Array.from(p.sums),
      maxes: p.maxes ? Float64Array.from(p.maxes) : null,
      argmaxCounts: p.argmaxCounts ? Float64Array.from(p.argmaxCounts) : null,
    })),
  }));
}
