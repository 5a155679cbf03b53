/**
 * The project a workbench (or CLI run) has open. One Store at a time; opening another closes
 * the previous one. Handlers ask `requireStore()` and get a clear error when nothing is open.
 */
import { MarginError } from '../shared/errors.ts';
import type { ProjectSummary } from '../shared/api.ts';
import { createProject, openProject, type Store } from '../store/project.ts';

export class Workspace {
  private store: Store | null = null;
  private isDemo = false;
  private readonly listeners = new Set<(p: ProjectSummary | null) => void>();

  constructor(private readonly now: () => number = Date.now) {}

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
    if (!this.store) throw new MarginError('CONFLICT', 'no project is open: open a project folder or the demo first');
    return this.store;
  }

  async open(dir: string, opts: { isDemo?: boolean } = {}): Promise<Store> {
    if (this.store && this.store.dir === (await import('node:path')).resolve(dir)) return this.store;
    const next = await openProject(dir, { now: this.now });
    await this.replace(next, opts.isDemo ?? false);
    return next;
  }

  async create(dir: string, name?: string): Promise<Store> {
    const next = await createProject(dir, { name, now: this.now });
    await this.replace(next, false);
    return next;
  }

  async close(): Promise<void> {
    await this.replace(null, false);
  }

  private async replace(next: Store | null, isDemo: boolean): Promise<void> {
    const prev = this.store;
    this.store = next;
    this.isDemo = isDemo;
    if (prev && prev !== next) await prev.close();
    const s = this.summary();
    for (const l of this.listeners) l(s);
  }
}
