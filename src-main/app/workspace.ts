/**
 * The project a workbench (or CLI run) has open. One Store at a time; opening another closes
 * the previous one. Handlers ask `requireStore()` and get a clear error when nothing is open.
 *
 * Jobs run on the open project's Store, so switching projects never pulls it from under them:
 * while jobs run, opening, creating or closing a project is refused with an error naming them
 * (code CONFLICT, details.runningJobs), unless the caller says `cancelJobs`: then the jobs are
 * cancelled and awaited — they end as cancelled — before the old project's connection closes,
 * and the switch reports which jobs it cancelled.
 */
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import type { ProjectSummary, RunningJobRef } from '../shared/api.ts';
import { createProject, openProject, type Store } from '../store/project.ts';

/** What the workspace needs of the job manager. */
export interface WorkspaceJobs {
  running(except?: string): Array<{ jobId: string; title: string }>;
  cancelAndWait(jobIds: readonly string[]): Promise<void>;
}

export interface SwitchOptions {
  /** Cancel running jobs (and wait for them) instead of refusing. */
  cancelJobs?: boolean;
  /** The job doing the switch (the demo's), which must not wait for itself. */
  exceptJob?: string;
}

export class Workspace {
  private store: Store | null = null;
  private isDemo = false;
  private switching: string | null = null;
  private jobs: WorkspaceJobs | null = null;
  private readonly listeners = new Set<(p: ProjectSummary | null) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Jobs that run on the open project: switching projects waits for (or refuses) them. */
  attachJobs(jobs: WorkspaceJobs): void {
    this.jobs = jobs;
  }

  onChange(listener: (p: ProjectSummary | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  summary(): ProjectSummary | null {
    return this.store ? { dir: this.store.dir, name: this.store.meta.name, isDemo: this.isDemo } : null;
  }

  current(): Store | null {
    return this.store;
  }

  requireStore(): Store {
    if (this.switching) throw new MarginError('CONFLICT', `project ${this.switching} is being closed while its jobs are cancelled: wait a moment and retry`);
    if (!this.store) throw new MarginError('CONFLICT', 'no project is open: open a project folder or the demo first');
    return this.store;
  }

  /**
   * Refuses (CONFLICT naming the jobs) when jobs run and the caller did not say cancelJobs.
   * Cheap and synchronous, so a request can be refused before anything is opened.
   */
  checkJobs(opts: SwitchOptions = {}): void {
    const running = this.jobs?.running(opts.exceptJob) ?? [];
    if (running.length === 0 || opts.cancelJobs) return;
    const names = running.map((j) => `"${j.title}"`).join(', ');
    const what = running.length === 1 ? `a job is running (${names})` : `${running.length} jobs are running (${names})`;
    throw new MarginError('CONFLICT',
      `${what} on project ${this.store?.dir ?? '(none)'}: wait for ${running.length === 1 ? 'it' : 'them'} to finish, or cancel ${running.length === 1 ? 'it' : 'them'} and switch (cancelJobs: true; the workbench asks first)`,
      { runningJobs: running.map((j): RunningJobRef => ({ jobId: j.jobId, title: j.title })) });
  }

  async open(dir: string, opts: SwitchOptions & { isDemo?: boolean } = {}): Promise<{ store: Store; cancelledJobs: RunningJobRef[] }> {
    if (this.store && this.store.dir === path.resolve(dir)) return { store: this.store, cancelledJobs: [] };
    this.checkJobs(opts);
    const next = await openProject(dir, { now: this.now });
    const cancelledJobs = await this.replace(next, opts.isDemo ?? false, opts);
    return { store: next, cancelledJobs };
  }

  async create(dir: string, name?: string, opts: SwitchOptions = {}): Promise<{ store: Store; cancelledJobs: RunningJobRef[] }> {
    this.checkJobs(opts);
    const next = await createProject(dir, { name, now: this.now });
    const cancelledJobs = await this.replace(next, false, opts);
    return { store: next, cancelledJobs };
  }

  async close(opts: SwitchOptions = {}): Promise<RunningJobRef[]> {
    this.checkJobs(opts);
    return this.replace(null, false, opts);
  }

  /** Cancels and awaits the running jobs (the check above has allowed it), then swaps the Store. */
  private async replace(next: Store | null, isDemo: boolean, opts: SwitchOptions): Promise<RunningJobRef[]> {
    const prev = this.store;
    let cancelled: RunningJobRef[] = [];
    if (prev !== next && this.jobs) {
      // No new job may start on prev while the running ones wind down.
      this.switching = prev?.dir ?? null;
      try {
        for (;;) {
          const running = this.jobs.running(opts.exceptJob);
          if (running.length === 0) break;
          if (!opts.cancelJobs) {
            this.switching = null;
            if (next) await next.close();
            this.checkJobs(opts); // throws: a job started meanwhile
          }
          cancelled = cancelled.concat(running.map((j) => ({ jobId: j.jobId, title: j.title })));
          await this.jobs.cancelAndWait(running.map((j) => j.jobId));
        }
      } finally {
        this.switching = null;
      }
    }
    this.store = next;
    this.isDemo = isDemo;
    if (prev && prev !== next) await prev.close();
    const s = this.summary();
    for (const l of this.listeners) l(s);
    return cancelled;
  }
}
