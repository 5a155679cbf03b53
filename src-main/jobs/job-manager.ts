/**
 * Long operations run as jobs: each has an id, reports progress (done/total, items/s, ETA),
 * can be cancelled through an AbortSignal, and ends as finished, failed or cancelled.
 * Events go to every subscriber (the IPC bridge, the browser host's WebSocket, the CLI).
 */
import { MarginError, toErrorPayload } from '../shared/errors.ts';
import type { EventMessage, Events, JobSummary } from '../shared/api.ts';

export interface JobContext {
  signal: AbortSignal;
  /** Report progress; items/s and ETA are derived from the clock. */
  progress(done: number, total: number, message?: string): void;
  /** Throws a CANCELLED MarginError when the job was cancelled. */
  throwIfCancelled(): void;
}

export type JobFn<R> = (ctx: JobContext) => Promise<R>;

interface JobRecord {
  summary: JobSummary;
  controller: AbortController;
  promise: Promise<unknown>;
}

export interface JobManagerOptions {
  now?: () => number; // ms
  newId?: () => string;
  /** Minimum ms between two progress events of one job (the last one always goes out). */
  progressIntervalMs?: number;
}

export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly listeners = new Set<(m: EventMessage) => void>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly interval: number;
  private counter = 0;

  constructor(opts: JobManagerOptions = {}) {
    this.now = opts.now ?? (() => Date.now());
    this.newId = opts.newId ?? (() => `job-${++this.counter}-${Math.floor(this.now()).toString(36)}`);
    this.interval = opts.progressIntervalMs ?? 100;
  }

  subscribe(listener: (m: EventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) l({ event, payload } as EventMessage);
  }

  /** Starts `fn` and returns its id at once; `done()` gives the promise of its result. */
  start<R>(kind: string, title: string, fn: JobFn<R>): string {
    const jobId = this.newId();
    const controller = new AbortController();
    const started = this.now();
    const summary: JobSummary = { jobId, kind, title, state: 'running', done: 0, total: 0, startedAt: new Date(started).toISOString() };
    let lastEmit = -Infinity;
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (done, total, message) => {
        summary.done = done;
        summary.total = total;
        const t = this.now();
        if (t - lastEmit < this.interval && done < total) return;
        lastEmit = t;
        const elapsed = (t - started) / 1000;
        const rate = elapsed > 0 && done > 0 ? done / elapsed : null;
        const eta = rate && total >= done ? (total - done) / rate : null;
        this.emit('job.progress', { jobId, kind, title, done, total, itemsPerSecond: rate, etaSeconds: eta, message });
      },
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw new MarginError('CANCELLED', `${title}: cancelled`);
      },
    };
    this.emit('job.started', { jobId, kind, title });
    const promise = (async () => {
      // Let the caller receive the id before any work (and any event) happens.
      await Promise.resolve();
      try {
        const result = await fn(ctx);
        if (controller.signal.aborted) throw new MarginError('CANCELLED', `${title}: cancelled`);
        summary.state = 'done';
        this.emit('job.finished', { jobId, kind, result, seconds: (this.now() - started) / 1000 });
        return result;
      } catch (err) {
        const payload = toErrorPayload(err);
        if (payload.code === 'CANCELLED' || controller.signal.aborted) {
          summary.state = 'cancelled';
          this.emit('job.cancelled', { jobId, kind });
        } else {
          summary.state = 'failed';
          this.emit('job.failed', { jobId, kind, error: payload });
        }
        throw err;
      }
    })();
    promise.catch(() => undefined); // failures are reported as events; done() re-exposes them
    this.jobs.set(jobId, { summary, controller, promise });
    return jobId;
  }

  /** The promise of a job's result (rejects as the job failed). */
  done(jobId: string): Promise<unknown> {
    const job = this.jobs.get(jobId);
    if (!job) throw new MarginError('NOT_FOUND', `no job ${jobId}`);
    return job.promise;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job) throw new MarginError('NOT_FOUND', `no job ${jobId}: it may have ended with an earlier session`);
    if (job.summary.state !== 'running') return false;
    job.controller.abort();
    return true;
  }

  list(): JobSummary[] {
    return [...this.jobs.values()].map((j) => ({ ...j.summary }));
  }

  /** The jobs still running, but `except` (a job that asks about the others). */
  running(except?: string): JobSummary[] {
    return this.list().filter((j) => j.state === 'running' && j.jobId !== except);
  }

  /** Cancels the given jobs and waits until each has ended (however it ends). */
  async cancelAndWait(jobIds: readonly string[]): Promise<void> {
    const recs = jobIds.map((id) => this.jobs.get(id)).filter((j): j is JobRecord => j !== undefined);
    for (const j of recs) if (j.summary.state === 'running') j.controller.abort();
    await Promise.allSettled(recs.map((j) => j.promise));
  }

  /** Cancels every running job and waits for them to settle. */
  async shutdown(): Promise<void> {
    for (const j of this.jobs.values()) if (j.summary.state === 'running') j.controller.abort();
    await Promise.allSettled([...this.jobs.values()].map((j) => j.promise));
  }
}
