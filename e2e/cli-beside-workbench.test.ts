/**
 * `margin` commands on a project the workbench has open (issue 15.4): the workbench's DuckDB lock
 * keeps every other process out, even read-only, so read commands (info, samples, query, export)
 * go through the running workbench and writing commands say what to do instead of "locked by
 * another process". The CLI runs as a user runs it: `node bin/margin.js …`, a child process.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src-main/system/info.ts';
import { createProject } from '../src-main/store/project.ts';
import { importIntoProject } from '../src-main/app/services/datasets.ts';
import { trainIntoProject } from '../src-main/app/services/training.ts';
import { extract } from '../src-main/app/services/extraction.ts';
import { freshDir, serve, type ServedHost } from './support/browser.ts';

function margin(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'margin.js'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

/** A UCI-digits-like CSV: 300 items of 8×8 pixels in 0…16, ten classes, seeded. */
function digitsCsv(): string {
  let s = 11;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const y = i % 10;
    lines.push([...Array.from({ length: 64 }, (_, k) => Math.min(16, Math.max(0, (k % 10 === y ? 12 : 2) + Math.round(rand() * 4 - 2)))), y].join(','));
  }
  return lines.join('\n') + '\n';
}

describe('margin commands while the workbench has the project open', () => {
  let dir: string;
  let out: string;
  let host: ServedHost | undefined;

  beforeAll(async () => {
    out = freshDir('margin-e2e-beside-');
    dir = join(out, 'p');
    const csv = join(out, 'digits.csv');
    (await import('node:fs')).writeFileSync(csv, digitsCsv());
    const store = await createProject(dir, { name: 'beside' });
    try {
      await importIntoProject(store, { name: 'digits', format: 'digits-csv', path: csv, testFraction: 0.2, seed: 1 });
      await trainIntoProject(store, { arch: 'mlp', data: 'digits', epochs: 1, batchSize: 32, name: 'net' });
      await extract(store, { model: 'net', layers: 'main' });
    } finally {
      await store.close();
    }
    host = await serve(['--project', dir]);
  }, 240_000);
  afterAll(async () => { await host?.stop(); });

  it('the workbench records where it runs in the project folder, readable by the user alone', () => {
    const file = join(dir, '.margin-workbench.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const rec = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; origin: string; project: string };
    expect(rec).toMatchObject({ pid: host!.process.pid, origin: host!.origin, project: dir });
  });

  it('info, samples, query and export answer through the workbench', async () => {
    const info = await margin(['info', '--project', dir]);
    expect(info.code, info.err).toBe(0);
    expect(info.err).toMatch(/the project is open in the Margin workbench at http:\/\/127\.0\.0\.1:\d+, PID \d+: answered through it/);
    expect(info.out).toMatch(/data set digits: 8×8×1, 10 classes, train 240, test 60/);
    expect(info.out).toMatch(/model net \(mlp\)/);
    expect(info.out).toMatch(/epoch-1: .*predictions 60/);
    expect(info.out).toMatch(/trained: epoch 1, loss \d\.\d{4}, accuracy \d\.\d{4}, validation loss \d\.\d{4} accuracy \d\.\d{4} \(mlp on digits\/train, batch 32, seed 1; by margin train\)/);

    const samples = await margin(['samples', '--project', dir]);
    expect(samples.code, samples.err).toBe(0);
    expect(samples.out).toMatch(/No samples yet/);

    const q = await margin(['query', '--project', dir, '--model', 'net', '--set', 'S1', '--layer', 'relu3', '--json']);
    expect(q.code, q.err).toBe(0);
    const answer = JSON.parse(q.out) as { answer: { items: number; topK: unknown[] } };
    expect(answer.answer.items).toBe(60);
    expect(answer.answer.topK).toHaveLength(10);

    const csv = join(out, 'predictions.csv');
    const e = await margin(['export', '--project', dir, '--model', 'net', '--what', 'predictions', '--out', csv]);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/60 rows of predictions as csv \(written by the workbench\)/);
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(61);
  });

  it('a writing command says where to do it in the workbench and how to free the project', async () => {
    const t = await margin(['train', '--project', dir, '--arch', 'mlp', '--data', 'digits', '--epochs', '1', '--name', 'other']);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/is open in the Margin workbench \(PID \d+, http:\/\/127\.0\.0\.1:\d+\)/);
    expect(t.err).toMatch(/margin train writes to the project.*Model view → Train a model.*close the project there/);
    expect(t.err).not.toMatch(/locked by another process/);
  });

  it('once the workbench stops, the record is gone and the commands open the project themselves; LeNet-5 on 8×8 says what fits', async () => {
    await host!.stop();
    host = undefined;
    expect(existsSync(join(dir, '.margin-workbench.json'))).toBe(false);
    const info = await margin(['info', '--project', dir]);
    expect(info.code, info.err).toBe(0);
    expect(info.err).not.toMatch(/answered through it/);
    const t = await margin(['train', '--project', dir, '--arch', 'lenet5-bn', '--data', 'digits', '--epochs', '1']);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/lenet5-bn needs images of at least 16×16 pixels.*data set "digits" has 8×8×1 images.*mlp fits 8×8×1/);
    expect(t.err).not.toMatch(/Tensor|shape \[/);
  });
});
