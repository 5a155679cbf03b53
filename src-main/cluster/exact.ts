/**
 * Exact S1/S2/S3 answers on a Dask cluster: the subset's rows (in the scan order of the local
 * answer) are cut into shards of whole SUM_BLOCKs; each task (`margin exact-shard`) reads its
 * rows from the project's activation files on shared storage and returns one partial per block
 * (sums from zero, column maxima, argmax counts); the workstation adds the partials in order
 * (combineSubsetPartials) — exactly the arithmetic of subsetAggregates, so the answer is the
 * local one bit for bit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import { bytesPerValue, listChunks, type ActivationDtype } from '../store/activation-files.ts';
import type { Store } from '../store/project.ts';
import type { LayerInfo } from '../core/extraction-types.ts';
import { SUM_BLOCK, combineSubsetPartials, type SubsetAggregates, type SubsetParts, type SubsetPartial } from '../queries/aggregates.ts';
import { jobKey } from './job.ts';
import { MARGIN_BIN, parseClusterAddress, runDaskTasks } from './dask-client.ts';

export interface ExactRequest {
  checkpointId: number;
  layer: LayerInfo;
  channel: 'mean' | 'max' | null;
  /** The subset's items in the local answer's scan order (ascending item id). */
  itemIds: Int32Array;
  parts: SubsetParts;
}

/** A task: runs of consecutive rows `[file, byteOffset, rows]` of one dtype, and what to compute. */
export interface ExactTask {
  format: 'margin-exact-task';
  projectDir: string;
  dtype: ActivationDtype;
  units: number;
  shape: number[];
  channel: 'mean' | 'max' | null;
  parts: SubsetParts;
  runs: Array<[string, number, number]>;
}

export interface ExactOptions {
  cluster: string;
  /** Rows per task, a multiple of SUM_BLOCK (2,048); default 4 blocks. */
  shardSize?: number;
  sharedDir?: string;
  retries?: number;
  signal?: AbortSignal;
}

export async function exactOnCluster(store: Store, req: ExactRequest, o: ExactOptions): Promise<SubsetAggregates & { tasks: number }> {
  parseClusterAddress(o.cluster);
  const size = o.shardSize ?? 4 * SUM_BLOCK;
  if (!(Number.isInteger(size) && size > 0 && size % SUM_BLOCK === 0)) {
    throw new MarginError('BAD_INPUT', `--shard-size for an exact answer must be a positive multiple of ${SUM_BLOCK} rows (the summation block), got ${size}`);
  }
  if (req.itemIds.length === 0) throw new MarginError('BAD_INPUT', 'the subset selects no items: nothing to answer on the cluster');
  // Where each item's row is: the layer's chunk index.
  const where = new Map<number, { file: string; offset: number; dtype: ActivationDtype }>();
  let units = 0;
  for (const c of await listChunks(store, req.checkpointId, req.layer.name)) {
    units = c.units;
    const rowBytes = c.units * bytesPerValue(c.dtype);
    for (let i = 0; i < c.itemIds.length; i++) where.set(c.itemIds[i], { file: c.file, offset: c.byteOffset + i * rowBytes, dtype: c.dtype });
  }
  const tasks: ExactTask[] = [];
  for (let s = 0; s < req.itemIds.length; s += size) {
    const runs: Array<[string, number, number]> = [];
    let dtype: ActivationDtype | null = null;
    for (const id of req.itemIds.subarray(s, s + size)) {
      const w = where.get(id);
      if (!w) throw new MarginError('NOT_FOUND', `layer ${req.layer.name} of checkpoint ${req.checkpointId} has no stored activations of item ${id}: extract them first`);
      if (dtype && w.dtype !== dtype) throw new MarginError('UNSUPPORTED', `layer ${req.layer.name} is stored partly as float32, partly as float16: re-extract it in one dtype for a cluster answer`);
      dtype = w.dtype;
      const last = runs[runs.length - 1];
      if (last && last[0] === w.file && last[1] + last[2] * units * bytesPerValue(w.dtype) === w.offset) last[2]++;
      else runs.push([w.file, w.offset, 1]);
    }
    tasks.push({ format: 'margin-exact-task', projectDir: path.resolve(store.dir), dtype: dtype!, units, shape: req.layer.shape, channel: req.channel, parts: req.parts, runs });
  }
  const key = jobKey({ exact: true, project: path.resolve(store.dir), ck: req.checkpointId, layer: req.layer.name, channel: req.channel, parts: req.parts, n: req.itemIds.length, size, ids: Array.from(req.itemIds.subarray(0, 16)), t: Date.now() });
  const dir = path.join(path.resolve(o.sharedDir ?? path.join(store.dir, 'cluster')), `exact-${key}`);
  fs.mkdirSync(dir, { recursive: true });
  try {
    const nodeBin = process.env.MARGIN_WORKER_NODE ?? process.execPath;
    const marginBin = process.env.MARGIN_WORKER_BIN ?? MARGIN_BIN;
    const files = tasks.map((t, i) => {
      const f = path.join(dir, `task-${i}.json`);
      fs.writeFileSync(f, JSON.stringify(t));
      return { task: f, out: path.join(dir, `partials-${i}.json`) };
    });
    const results = new Map<number, SubsetPartial[]>();
    const run = runDaskTasks({
      cluster: o.cluster, retries: o.retries, tasksFile: path.join(dir, 'tasks.json'),
      tasks: files.map((f, i) => ({ id: i, key: `margin-exact-${key}-${i}`, result: f.out, argv: [nodeBin, marginBin, 'exact-shard', '--task', f.task, '--out', f.out] })),
      onEvent: (e) => {
        if (e.event === 'done') results.set(e.id, readPartials(e.result));
        else if (e.event === 'failed') throw new MarginError('INTERNAL', `exact-answer task ${e.id} failed on the cluster after retries: ${e.error}`);
      },
    });
    const onAbort = () => run.cancel();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const { code, stderr } = await run.exited;
      if (o.signal?.aborted) throw new MarginError('CANCELLED', 'the exact answer on the cluster was cancelled');
      if (code !== 0 || results.size !== tasks.length) {
        throw new MarginError('INTERNAL', `the Dask client ended with ${results.size} of ${tasks.length} tasks done (status ${code}): ${stderr.trim().split('\n').slice(-5).join(' | ') || 'no message'}`);
      }
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
    const ordered = tasks.flatMap((_, i) => results.get(i)!);
    return { ...combineSubsetPartials(ordered, req.parts), tasks: tasks.length };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readPartials(file: string): SubsetPartial[] {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { partials: Array<{ count: number; sums: number[]; maxes: number[] | null; argmaxCounts: number[] | null }> };
  return raw.partials.map((p) => ({
    count: p.count,
    sums: Float64Array.from(p.sums),
    maxes: p.maxes ? Float64Array.from(p.maxes) : null,
    argmaxCounts: p.argmaxCounts ? Float64Array.from(p.argmaxCounts) : null,
  }));
}
