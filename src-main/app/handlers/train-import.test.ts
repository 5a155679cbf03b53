/**
 * Own data and model without the command line (issue 15.4), through the API: a data set imported
 * with a stratified, seeded test split and a class-name preset; a model trained as a job with its
 * per-epoch history stored per checkpoint; an architecture that does not fit refused up front
 * with what would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app.ts';
import { tmpDir } from '../../store/test-support/tmp.ts';
import type { EventMessage, JobRef, ProjectInfo } from '../../shared/api.ts';

const apps: App[] = [];
afterEach(async () => { for (const a of apps.splice(0)) await a.close(); });

/** A digits CSV (64 pixels 0…16 + label) of n items, 10 classes, each class a distinct pattern plus seeded noise. */
function digitsCsv(file: string, n: number): void {
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 10;
    const px = Array.from({ length: 64 }, (_, k) => Math.min(16, Math.max(0, (k % 10 === y ? 12 : 2) + Math.round(rand() * 4 - 2))));
    lines.push([...px, y].join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

async function runJob(app: App, events: EventMessage[], name: 'dataset.import' | 'model.train', params: Record<string, unknown>): Promise<unknown> {
  const r = await app.dispatcher.dispatch(name, params);
  if (!r.ok) throw new Error(r.error.message);
  const { jobId } = r.result as JobRef;
  for (;;) {
    const end = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed' || e.event === 'job.cancelled') && (e.payload as { jobId: string }).jobId === jobId);
    if (end?.event === 'job.finished') return (end.payload as { result: unknown }).result;
    if (end) throw new Error(JSON.stringify(end.payload));
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe('dataset.import with a test split, model.train with history', () => {
  it('imports with a split and a preset, trains mlp, stores each epoch\'s logs, and refuses lenet5-bn on 8×8 with what fits', async () => {
    const root = tmpDir('margin-train-api-');
    const csv = path.join(root, 'digits.csv');
    digitsCsv(csv, 200);
    const app = await createApp({ host: 'cli' });
    apps.push(app);
    const events: EventMessage[] = [];
    app.jobs.subscribe((m) => events.push(m));
    expect((await app.dispatcher.dispatch('project.create', { dir: path.join(root, 'p') })).ok).toBe(true);

    const imported = await runJob(app, events, 'dataset.import', { name: 'digits', format: 'digits-csv', path: csv, classNames: 'digits', testFraction: 0.25, seed: 3 });
    expect(imported).toMatchObject({ items: 200, splits: { train: 150, test: 50 } });
    // a fraction outside (0, 1) is refused at the boundary, naming the argument
    const bad = await app.dispatcher.dispatch('dataset.import', { name: 'x', format: 'digits-csv', path: csv, testFraction: 1 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.message).toMatch(/testFraction: must be in \(0, 1\)/);

    const refused = await app.dispatcher.dispatch('model.train', { arch: 'lenet5-bn', data: 'digits', epochs: 1 });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toMatchObject({ code: 'BAD_INPUT' });
    expect(!refused.ok && refused.error.message).toMatch(/lenet5-bn needs images of at least 16×16 pixels.*data set "digits" has 8×8×1 images.*mlp fits 8×8×1/);
    expect(app.jobs.list().filter((j) => j.kind === 'model.train')).toHaveLength(0); // no job was started

    const out = await runJob(app, events, 'model.train', { arch: 'mlp', data: 'digits', epochs: 2, batchSize: 32, seed: 1, name: 'digits mlp' }) as { epochs: Array<{ loss: number; label: string }> };
    expect(out.epochs.map((e) => e.label)).toEqual(['epoch-1', 'epoch-2']);
    const progress = events.filter((e) => e.event === 'job.progress' && (e.payload as { kind: string }).kind === 'model.train');
    expect(progress.length).toBeGreaterThan(0);

    const info = await app.dispatcher.dispatch('project.info', {});
    const model = (info.ok ? (info.result as ProjectInfo) : null)!.models.find((m) => m.name === 'digits mlp')!;
    const hist = model.checkpoints.map((c) => c.training!);
    expect(hist.map((h) => h.epoch)).toEqual([1, 2]);
    expect(hist.map((h) => h.loss)).toEqual(out.epochs.map((e) => e.loss));
    expect(hist[0].run).toMatchObject({ source: 'workbench', dataset: 'digits', split: 'train', evalSplit: 'test', trainItems: 150, evalItems: 50, batchSize: 32 });
    expect(hist.every((h) => h.valAccuracy !== null && h.valAccuracy >= 0 && h.valAccuracy <= 1)).toBe(true);
  });
});
