/**
 * One Dask cluster for a whole command or job. A command that makes several Dask runs — Q4 (x̄,
 * then the moments), `margin evaluate --cluster` (one run per main layer) — asks its session for
 * the scheduler before each run: `local:N` is started once, on the first run that needs it
 * (`margin_dask.py --serve-local N`), and every run of the command connects to that LocalCluster's
 * address; a scheduler address (tcp://…) is used as given. Closing the session (the command or
 * job ended, failed or was cancelled) closes the cluster's stdin, which shuts it down; if this
 * process dies, the pipe closes and the cluster goes the same way.
 */
import { MarginError } from '../shared/errors.ts';
import { parseClusterAddress, serveLocalCluster, type ServedCluster } from './dask-client.ts';

export interface ClusterSessionOptions {
  /** Starts `local:N` (tests pass a fake; default the real LocalCluster). */
  serve?: (workers: number) => Promise<ServedCluster>;
  /** Once the LocalCluster serves (the CLI says where, the API job reports it as progress). */
  onStarted?: (served: ServedCluster, seconds: number) => void;
  now?: () => number;
}

export class ClusterSession {
  /** LocalClusters this session started: 0 (none needed, or a remote scheduler) or 1. */
  starts = 0;
  /** Dask runs that asked for the scheduler. */
  runs = 0;
  private readonly where: ReturnType<typeof parseClusterAddress>;
  private served: Promise<ServedCluster> | null = null;
  private closed = false;

  /** `cluster` as the user gave it: `local:N` or a scheduler address. */
  constructor(readonly cluster: string, private readonly o: ClusterSessionOptions = {}) {
    this.where = parseClusterAddress(cluster);
  }

  /**
   * The address the next Dask run connects to, starting `local:N` if this is the first run. An
   * abort while it starts rejects this call (CANCELLED); the cluster, once up, is closed with the
   * session.
   */
  async scheduler(signal?: AbortSignal): Promise<string> {
    if (this.closed) throw new MarginError('INTERNAL', `the Dask session for ${this.cluster} is closed: a run was asked for after its command ended`);
    if (signal?.aborted) throw cancelled();
    this.runs++;
    if (this.where.kind === 'remote') return this.where.address;
    if (!this.served) {
      this.starts++;
      const now = this.o.now ?? (() => performance.now());
      const t0 = now();
      this.served = (this.o.serve ?? serveLocalCluster)(this.where.workers).then((s) => {
        this.o.onStarted?.(s, (now() - t0) / 1000);
        return s;
      });
      this.served.catch(() => undefined); // reported to each run that awaits it
    }
    const s = await abortable(this.served, signal);
    if (s.exited()) throw new MarginError('INTERNAL', `the local Dask cluster for ${this.cluster} (${s.scheduler}) has stopped: ${s.stderr()}`);
    return s.scheduler;
  }

  /** Shuts a LocalCluster this session started down and waits for it (a remote scheduler is left alone). */
  async close(): Promise<void> {
    this.closed = true;
    const served = this.served;
    this.served = null;
    if (!served) return;
    let s: ServedCluster;
    try {
      s = await served;
    } catch {
      return; // it never served: nothing to close
    }
    await s.close();
  }
}

/**
 * Runs `fn` with a session for `cluster` (none when it is undefined) and closes the session
 * afterwards, whether `fn` returned, threw or was cancelled.
 */
export async function withClusterSession<T>(cluster: string | undefined, fn: (session: ClusterSession | undefined) => Promise<T>, o: ClusterSessionOptions = {}): Promise<T> {
  if (!cluster) return fn(undefined);
  const session = new ClusterSession(cluster, o);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** What the CLI prints to stderr once a session's LocalCluster serves (tests count these lines). */
export function startedLine(cluster: string, s: ServedCluster, seconds: number): string {
  return `cluster ${cluster}: started a local Dask cluster of ${s.workers} worker(s) at ${s.scheduler} (pid ${s.pid ?? '?'}) in ${seconds.toFixed(1)} s, kept for this command`;
}

function cancelled(): MarginError {
  return new MarginError('CANCELLED', 'cancelled while the local Dask cluster was starting');
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
