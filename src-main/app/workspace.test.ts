/**
 * Switching projects while jobs run: refused with the jobs named, or (cancelJobs) the jobs are
 * cancelled and awaited before the old project's connection closes — they end as cancelled,
 * never failed with "connection disconnected".
 */
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from './app.ts';
import { createProject, openProject } from '../store/project.ts';
import { insertDataset } from '../store/datasets.ts';
import { queryRows } from '../store/db.ts';
import { extractedItems } from '../store/activations.ts';
import { getModel } from '../store/models.ts';
import { fakeDataset, FAKE_CLASSES } from '../store/test-support/fake-runner.ts';
import { tmpDir, fakeClock } from '../store/test-support/tmp.ts';
import { initBackend } from '../engine/backend.ts';
import { buildModel } from '../engine/architectures.ts';
import { saveModel } from '../engine/model-io.ts';
import { importModel } from './services/model-import.ts';
import { extract } from './services/extraction.ts';
import type { EventMessage, JobRef, ProjectOpened } from '../shared/api.ts';

const N = 1000;
const H = 16;
let dirA: string;
let dirB: string;
const apps: App[] = [];
afterEach(async () => { for (const a of apps.splice(0)) await a.close(); });

beforeAll(async () => {
  await initBackend();
  const root = tmpDir('margin-ws-');
  dirA = path.join(root, 'a');
  dirB = path.join(root, 'b');
  const a = await createProject(dirA, { name: 'A', now: fakeClock() });
  await insertDataset(a, 'toy', fakeDataset({ test: N }, H, H), null);
  const lenet = buildModel('lenet5-bn', { inputShape: [H, H, 1], numClasses: FAKE_CLASSES, seed: 3 });
  const json = await saveModel(lenet, path.join(root, 'lenet'));
  lenet.dispose();
  await importModel(a, { name: 'net', path: json, checkpoint: 'epoch-1' }); // translated: runs on ONNX Runtime
  await a.close();
  await (await createProject(dirB, { name: 'B', now: fakeClock() })).close();
});

async function appWith(dir: string): Promise<{ app: App; events: EventMessage[] }> {
  const app = await createApp({ host: 'cli' });
  apps.push(app);
  const events: EventMessage[] = [];
  app.jobs.subscribe((m) => events.push(m));
  const r = await app.dispatcher.dispatch('project.open', { dir });
  expect(r.ok).toBe(true);
  return { app, events };
}

/** A job that keeps querying the open project until cancelled. */
function queryLoop(app: App): { jobId: string; running: Promise<void> } {
  const store = app.workspace.requireStore();
  let started!: () => void;
  const running = new Promise<void>((r) => { started = r; });
  const jobId = app.jobs.start('test.loop', 'Query loop', async (job) => {
    started();
    for (;;) {
      await queryRows(store.conn, 'SELECT count(*) AS n FROM items');
      job.throwIfCancelled();
      await new Promise((r) => setTimeout(r, 2));
    }
  });
  return { jobId, running };
}

describe('opening another project while jobs run', () => {
  it('is refused, naming the running job, and the job and the project carry on', async () => {
    const { app } = await appWith(dirA);
    const { jobId, running } = queryLoop(app);
    await running;
    for (const req of [
      () => app.dispatcher.dispatch('project.open', { dir: dirB }),
      () => app.dispatcher.dispatch('project.create', { dir: path.join(dirB, '..', 'c') }),
      () => app.dispatcher.dispatch('project.openDemo', {}),
    ]) {
      const r = await req();
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('CONFLICT');
      expect(r.error.message).toMatch(/^a job is running \("Query loop"\) on project .*a: wait for it to finish, or cancel it and switch \(cancelJobs: true/);
      expect(r.error.details).toEqual({ runningJobs: [{ jobId, title: 'Query loop' }] });
    }
    expect(app.workspace.summary()?.dir).toBe(dirA);
    expect(app.jobs.running().map((j) => j.jobId)).toEqual([jobId]);
    app.jobs.cancel(jobId);
    await expect(app.jobs.done(jobId)).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('with cancelJobs: the job ends cancelled (not failed) before the old connection closes, and the answer says so', async () => {
    const { app, events } = await appWith(dirA);
    const { jobId, running } = queryLoop(app);
    await running;
    const r = await app.dispatcher.dispatch('project.open', { dir: dirB, cancelJobs: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const res = r.result as ProjectOpened;
    expect(res.project.dir).toBe(dirB);
    expect(res.cancelledJobs).toEqual([{ jobId, title: 'Query loop' }]);
    expect(app.jobs.list().find((j) => j.jobId === jobId)?.state).toBe('cancelled');
    const ends = events.filter((e) => e.event === 'job.cancelled' || e.event === 'job.failed');
    expect(ends.map((e) => e.event)).toEqual(['job.cancelled']);
    // A is closed: it opens again in this process
    const a = await openProject(dirA);
    await a.close();
  });

  it('a real extraction cancelled by the switch ends as cancelled; its committed items stay and the rest extract later', async () => {
    const { app, events } = await appWith(dirA);
    // Hold the store's write lock so the extraction cannot commit (nor finish) before the switch.
    const store = app.workspace.requireStore();
    let release!: () => void;
    void store.lock.run(() => new Promise<void>((r) => { release = r; }));
    const start = await app.dispatcher.dispatch('model.extract', { model: 'net', layers: ['relu4'] });
    expect(start.ok).toBe(true);
    if (!start.ok) return;
    const jobId = (start.result as JobRef).jobId;
    const switched = app.dispatcher.dispatch('project.open', { dir: dirB, cancelJobs: true });
    // let the job go on once the switch has cancelled it (the workspace refuses new work meanwhile)
    const poll = setInterval(() => {
      try {
        app.workspace.requireStore();
      } catch {
        clearInterval(poll);
        release();
      }
    }, 2);
    const r = await switched;
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect((r.result as ProjectOpened).cancelledJobs.map((j) => j.jobId)).toEqual([jobId]);
    await expect(app.jobs.done(jobId)).rejects.toMatchObject({ code: 'CANCELLED' });
    const end = events.filter((e) => 'jobId' in e.payload && e.payload.jobId === jobId && (e.event === 'job.cancelled' || e.event === 'job.failed'));
    expect(end.map((e) => e.event)).toEqual(['job.cancelled']);
    await app.close();
    apps.splice(0);

    const a = await openProject(dirA);
    try {
      const cp = (await getModel(a, 'net')).checkpoints[0];
      const kept = (await extractedItems(a, cp.id, 'relu4')).length;
      expect(kept).toBeLessThan(N);
      const rest = await extract(a, { model: 'net', layers: ['relu4'], workers: 0 });
      expect(rest.computed + rest.skipped).toBe(N);
      expect(rest.skipped).toBe(kept);
    } finally {
      await a.close();
    }
  });
});
