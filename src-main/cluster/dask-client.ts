/**
 * The Node side of the Dask client: finds a Python with python3-distributed, starts
 * `python/margin_dask.py` with a list of shard commands, and turns its JSON lines into events.
 * Closing its stdin cancels the remaining tasks (the script then shuts a local cluster down);
 * if this process dies, the pipe closes and the same happens. serveLocalCluster starts a
 * LocalCluster that outlives single runs (session.ts keeps one per command or job).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MarginError, badInput } from '../shared/errors.ts';

export const DASK_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python', 'margin_dask.py');

/** The checkout's `bin/margin.js` (what workers run unless MARGIN_WORKER_BIN names another). */
export const MARGIN_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'margin.js');

let found: { python: string; version: string } | null | undefined;

/**
 * A Python interpreter that imports `distributed`: $MARGIN_PYTHON, else `python3` on the PATH,
 * else /usr/bin/python3 (Debian's, where python3-distributed installs). null when none has it.
 */
export function findDaskPython(): { python: string; version: string } | null {
  if (found !== undefined) return found;
  const candidates = [process.env.MARGIN_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import distributed; print(distributed.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return (found = { python, version: r.stdout.trim() });
  }
  return (found = null);
}

function requireDaskPython(): { python: string; version: string } {
  const py = findDaskPython();
  if (!py) {
    throw new MarginError('UNSUPPORTED',
      'no Python with Dask found: install python3-distributed (Debian/Ubuntu: apt-get install python3-distributed) or set MARGIN_PYTHON to a python that can `import distributed`');
  }
  return py;
}

/** `local:N` or a scheduler address (tcp://host:port, tls://…, host:port). */
export function parseClusterAddress(value: string, arg = '--cluster'): { kind: 'local'; workers: number } | { kind: 'remote'; address: string } {
  const v = value.trim();
  const local = /^local:(\d+)$/.exec(v);
  if (local) {
    const n = Number(local[1]);
    if (n < 1 || n > 1024) throw badInput(`${arg}: local:N needs 1 ≤ N ≤ 1024 worker processes, got ${v}`);
    return { kind: 'local', workers: n };
  }
  if (/^(tcp|tls|ucx|inproc):\/\/[^\s]+$/.test(v) || /^[A-Za-z0-9.-]+:\d+$/.test(v)) return { kind: 'remote', address: v };
  throw badInput(`${arg}: "${v}" is neither local:N (a local Dask cluster of N workers) nor a scheduler address such as tcp://host:8786`);
}

export interface ShardTask {
  id: number;
  /** Dask key: unique per job and shard, so a resubmission is recognised. */
  key: string;
  argv: string[];
  /** The folder (or file) the command leaves on shared storage when it succeeds. */
  result: string;
}

export type DaskEvent =
  | { event: 'ready'; workers: number; scheduler: string }
  | { event: 'done'; id: number; result: string; seconds: number; host: string; reused: boolean; worker: string | null }
  | { event: 'failed'; id: number; error: string }
  | { event: 'cancelled'; remaining: number }
  | { event: 'finished' };

export interface DaskRun {
  /** Resolves when the script exits (after 'finished', 'cancelled' or a failure). */
  exited: Promise<{ code: number | null; stderr: string }>;
  cancel(): void;
  pid: number | undefined;
}

/**
 * Runs the tasks on the cluster; `onEvent` is called for every line in order (awaited one at a
 * time, so the caller may commit a shard before hearing of the next).
 */
export function runDaskTasks(o: {
  cluster: string; tasks: ShardTask[]; tasksFile: string; retries?: number; env?: Record<string, string>;
  onEvent: (e: DaskEvent) => Promise<void> | void;
}): DaskRun {
  parseClusterAddress(o.cluster);
  const py = requireDaskPython();
  fs.writeFileSync(o.tasksFile, JSON.stringify({ tasks: o.tasks, env: o.env ?? {} }));
  const child: ChildProcess = spawn(py.python, [DASK_SCRIPT, '--scheduler', o.cluster, '--tasks', o.tasksFile, '--retries', String(o.retries ?? 3)],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-20_000); });
  child.stdin!.on('error', () => undefined); // the script may be gone already
  const lines = readline.createInterface({ input: child.stdout! });
  let chain: Promise<void> = Promise.resolve();
  let handlerError: unknown = null;
  lines.on('line', (line) => {
    let e: DaskEvent;
    try {
      e = JSON.parse(line) as DaskEvent;
    } catch {
      return; // a library's stray print
    }
    chain = chain.then(() => (handlerError ? undefined : o.onEvent(e))).catch((err: unknown) => {
      handlerError = err;
      child.stdin!.end();
    });
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.on('error', (err) => reject(new MarginError('INTERNAL', `could not start ${py.python}: ${err.message}`)));
    child.on('close', (code) => {
      chain.then(() => {
        if (handlerError) reject(handlerError);
        else resolve({ code, stderr });
      }, reject);
    });
  });
  return { exited, cancel: () => child.stdin!.end(), pid: child.pid };
}

/** A LocalCluster kept for several Dask runs (`margin_dask.py --serve-local N`). */
export interface ServedCluster {
  /** Its scheduler's address (tcp://127.0.0.1:…), what each run connects to. */
  scheduler: string;
  workers: number;
  /** The serving Python process. */
  pid: number | undefined;
  /** Whether that process has exited (the cluster is gone). */
  exited(): boolean;
  /** Why it exited, when it did (the tail of its stderr). */
  stderr(): string;
  /** Closes its stdin — the script then shuts the cluster down — and waits for it to exit. */
  close(): Promise<void>;
}

const CLOSE_WAIT_MS = 60_000;

/**
 * Starts a LocalCluster of `workers` single-threaded worker processes and resolves once it
 * serves (its scheduler's address known). It lives until close() — or until this process dies,
 * which closes the pipe and so the cluster.
 */
export function serveLocalCluster(workers: number): Promise<ServedCluster> {
  const py = requireDaskPython();
  const child = spawn(py.python, [DASK_SCRIPT, '--serve-local', String(workers)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let gone = false;
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-20_000); });
  child.stdin!.on('error', () => undefined); // it may be gone already
  const exit = new Promise<void>((resolve) => child.once('exit', () => { gone = true; resolve(); }));
  const tail = () => stderr.trim().split('\n').slice(-5).join(' | ') || 'no message';
  const close = async () => {
    if (gone) return;
    child.stdin!.end();
    const timer = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(r, ms, v).unref());
    if (await Promise.race([exit.then(() => false), timer(CLOSE_WAIT_MS, true)])) {
      child.kill('SIGTERM'); // ours, and it did not stop within a minute of being asked
      await Promise.race([exit, timer(10_000, undefined)]);
    }
  };
  return new Promise<ServedCluster>((resolve, reject) => {
    child.once('error', (err) => reject(new MarginError('INTERNAL', `could not start ${py.python}: ${err.message}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let e: { event?: string; scheduler?: string };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        return; // a library's stray print
      }
      if (e.event === 'serving' && typeof e.scheduler === 'string') {
        resolve({ scheduler: e.scheduler, workers, pid: child.pid, exited: () => gone, stderr: tail, close });
      }
    });
    void exit.then(() => reject(new MarginError('INTERNAL', `the local Dask cluster (local:${workers}) stopped before serving: ${tail()}`)));
  });
}
