/**
 * The workstation's side of every exact answer on a Dask cluster (exact.ts: S1–S3, Q1–Q3, Q5;
 * exact-named.ts: Q4, Q6, Q7): where a layer's rows are in the project's activation files (as
 * runs of consecutive rows a task reads), and one Dask run of task files in a shared folder —
 * progress, cancel, a failed task, and the folder removed afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import { bytesPerValue, listChunks, type ActivationDtype } from '../store/activation-files.ts';
import type { Store } from '../store/project.ts';
import { jobKey } from './job.ts';
import { MARGIN_BIN, runDaskTasks } from './dask-client.ts';
import type { ClusterSession } from './session.ts';

/** Consecutive rows of one activation file: `[file (relative to the project), byteOffset, rows]`. */
export type Run = [string, number, number];

export interface ExactOptions {
  cluster: string;
  /**
   * The command's or job's one cluster (session.ts): each run asks it for the scheduler, so
   * `local:N` is started once for all of them. Without it, each run goes to `cluster` itself
   * (a `local:N` then starts a LocalCluster of its own).
   */
  session?: ClusterSession;
  /** Rows per task, a multiple of SUM_BLOCK (2,048); default 4 blocks. */
  shardSize?: number;
  sharedDir?: string;
  retries?: number;
  signal?: AbortSignal;
  /** Tasks finished out of all, after each one. */
  onProgress?: (done: number, total: number) => void;
}

/** Where each stored row of a layer is. */
export interface RowLocator {
  units: number;
  at(itemId: number): { file: string; offset: number; dtype: ActivationDtype } | undefined;
}

export async function locateRows(store: Store, checkpointId: number, layer: string): Promise<RowLocator> {
  const where = new Map<number, { file: string; offset: number; dtype: ActivationDtype }>();
  let units = 0;
  for (const c of await listChunks(store, checkpointId, layer)) {
    units = c.units;
    const rowBytes = c.units * bytesPerValue(c.dtype);
    for (let i = 0; i < c.itemIds.length; i++) where.set(c.itemIds[i], { file: c.file, offset: c.byteOffset + i * rowBytes, dtype: c.dtype });
  }
  return { units, at: (id) => where.get(id) };
}

/**
 * Appends item `id`'s row to `runs` (extending the last run when it follows on), checking that
 * it is stored and of the dtype the task already has (`dtype`, or any when null). Returns its dtype.
 */
export function appendRow(loc: RowLocator, runs: Run[], id: number, dtype: ActivationDtype | null, what: { layer: string; checkpointId: number }): ActivationDtype {
  const w = loc.at(id);
  if (!w) throw new MarginError('NOT_FOUND', `layer ${what.layer} of checkpoint ${what.checkpointId} has no stored activations of item ${id}: extract them first`);
  if (dtype !== null && w.dtype !== dtype) throw new MarginError('UNSUPPORTED', `layer ${what.layer} is stored partly as float32, partly as float16: re-extract it in one dtype for a cluster answer`);
  const last = runs[runs.length - 1];
  if (last && last[0] === w.file && last[1] + last[2] * loc.units * bytesPerValue(w.dtype) === w.offset) last[2]++;
  else runs.push([w.file, w.offset, 1]);
  return w.dtype;
}

/** The runs of `ids`' rows, in that order, and their common dtype. */
export function runsOf(loc: RowLocator, ids: ArrayLike<number>, what: { layer: string; checkpointId: number }): { runs: Run[]; dtype: ActivationDtype } {
  const runs: Run[] = [];
  let dtype: ActivationDtype | null = null;
  for (let i = 0; i < ids.length; i++) dtype = appendRow(loc, runs, ids[i], dtype, what);
  return { runs, dtype: dtype ?? 'float32' };
}

/**
 * Runs `tasks` (JSON documents, each read by `margin exact-shard --task`) on the cluster (the
 * session's scheduler when there is a session) from a fresh folder under the shared dir; `onResult(i, file)` is called once per finished task with
 * its result file (which may name further files in the same folder); once all are done,
 * `combine()` gives the answer (it may still read those files). The folder and everything in it
 * is removed afterwards in any case. `key` names the Dask tasks.
 */
export async function runExactTasks<T>(
  store: Store, o: ExactOptions, key: Record<string, unknown>, tasks: readonly unknown[],
  onResult: (i: number, resultFile: string) => void, combine: () => T,
): Promise<T> {
  if (o.signal?.aborted) throw new MarginError('CANCELLED', 'the exact answer on the cluster was cancelled');
  const k = jobKey({ ...key, project: path.resolve(store.dir), t: Date.now() });
  const dir = path.join(path.resolve(o.sharedDir ?? path.join(store.dir, 'cluster')), `exact-${k}`);
  fs.mkdirSync(dir, { recursive: true });
  try {
    const nodeBin = process.env.MARGIN_WORKER_NODE ?? process.execPath;
    const marginBin = process.env.MARGIN_WORKER_BIN ?? MARGIN_BIN;
    const files = tasks.map((t, i) => {
      const f = path.join(dir, `task-${i}.json`);
      fs.writeFileSync(f, JSON.stringify(t));
      return { task: f, out: path.join(dir, `result-${i}.json`) };
    });
    const done = new Set<number>();
    o.onProgress?.(0, tasks.length);
    if (o.session && o.session.cluster !== o.cluster) throw new MarginError('INTERNAL', `the Dask session is for ${o.session.cluster}, the run for ${o.cluster}`);
    const scheduler = o.session ? await o.session.scheduler(o.signal) : o.cluster;
    const run = runDaskTasks({
      cluster: scheduler, retries: o.retries, tasksFile: path.join(dir, 'tasks.json'),
      tasks: files.map((f, i) => ({ id: i, key: `margin-exact-${k}-${i}`, result: f.out, argv: [nodeBin, marginBin, 'exact-shard', '--task', f.task, '--out', f.out] })),
      onEvent: (e) => {
        if (e.event === 'done' && !done.has(e.id)) {
          onResult(e.id, e.result);
          done.add(e.id);
          o.onProgress?.(done.size, tasks.length);
        } else if (e.event === 'failed') {
          throw new MarginError('INTERNAL', `exact-answer task ${e.id} failed on the cluster after retries: ${e.error}`);
        }
      },
    });
    const onAbort = () => run.cancel();
    if (o.signal?.aborted) run.cancel(); // aborted while the tasks were written
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const { code, stderr } = await run.exited;
      if (o.signal?.aborted) throw new MarginError('CANCELLED', 'the exact answer on the cluster was cancelled');
      if (code !== 0 || done.size !== tasks.length) {
        throw new MarginError('INTERNAL', `the Dask client ended with ${done.size} of ${tasks.length} tasks done (status ${code}): ${stderr.trim().split('\n').slice(-5).join(' | ') || 'no message'}`);
      }
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
    return combine();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
