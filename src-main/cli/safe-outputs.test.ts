/**
 * Every CLI command that writes a user-named output refuses the project's own files and existing
 * files (without --force), leaving the project byte-for-byte unchanged — through `main`, as a user
 * runs them, and once through bin/margin.js for the command issue 11 reported.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProject } from '../store/project.ts';
import { insertCheckpoint, insertDataset, insertModel } from '../store/index.ts';
import { runExtraction } from '../store/extract-job.ts';
import { FakeRunner, FAKE_LAYERS, fakeDataset } from '../store/test-support/fake-runner.ts';
import { folderSnapshot } from '../store/test-support/snapshot.ts';
import { fakeClock, tmpDir } from '../store/test-support/tmp.ts';
import { main } from './main.ts';

let P = '';
beforeAll(async () => {
  P = tmpDir('margin-cli-safe-');
  const w = await createProject(P, { now: fakeClock() });
  const ds = await insertDataset(w, 'toy', fakeDataset({ test: 12 }), null);
  const m = await insertModel(w, { name: 'fake', architecture: 'f', inputShape: [4, 4, 1], numClasses: 3, latentLayer: 'latent', engine: 'cpu',
    layers: FAKE_LAYERS, datasetId: ds, split: 'test' });
  const ck = await insertCheckpoint(w, m, { label: 'e1', ordinal: 1 });
  await runExtraction({ store: w, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 8 });
  await w.close();
  fs.mkdirSync(path.join(P, 'models', 'fake'), { recursive: true });
  fs.mkdirSync(path.join(P, 'cache'), { recursive: true });
}, 60_000);

let stderr: string[] = [];
function capture() {
  stderr = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { stderr.push(a.join(' ')); });
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
}
afterEach(() => vi.restoreAllMocks());

/** Runs `margin <argv>` in process; returns the exit code and what it printed on stderr. */
async function margin(...argv: string[]): Promise<{ code: number; err: string }> {
  capture();
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, err: stderr.join('\n') };
}

describe('CLI outputs never land in a project\'s own files', () => {
  const projectFiles = () => [
    ['store.duckdb'], ['store.duckdb.wal'], ['margin.json'], ['activations', 'x.parquet'], ['models', 'fake', 'x.parquet'], ['cache', 'x.parquet'],
  ].map((p) => path.join(P, ...p));

  it('margin export --out refuses each project file, exits 1 and leaves the project unchanged (also with --force)', async () => {
    const before = folderSnapshot(P);
    for (const out of projectFiles()) {
      for (const force of [[], ['--force']]) {
        const r = await margin('export', '--project', P, '--model', 'fake', '--what', 'predictions', '--format', 'parquet', '--out', out, ...force);
        expect(r.code).toBe(1);
        expect(r.err).toContain(`margin export: ${out} is inside`);
        expect(r.err).toContain(`of the Margin project ${fs.realpathSync(P)}`);
      }
    }
    // Through `..` and a symbolic link to the activations folder.
    const links = tmpDir('margin-cli-links-');
    fs.symlinkSync(path.join(P, 'activations'), path.join(links, 'acts'));
    for (const out of [path.join(P, 'exports', '..', 'store.duckdb'), path.join(links, 'acts', 'x.npy')]) {
      const r = await margin('export', '--project', P, '--model', 'fake', '--what', 'latent', '--format', 'npy', '--out', out, '--force');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/is inside .* of the Margin project/);
    }
    expect(folderSnapshot(P)).toEqual(before);
  });

  it('margin export refuses an existing file without --force, naming it and the flag; replaces it with --force', async () => {
    const dir = tmpDir('margin-cli-ow-');
    const out = path.join(dir, 'pred.csv');
    fs.writeFileSync(out, 'MINE');
    const r = await margin('export', '--project', P, '--model', 'fake', '--what', 'predictions', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`margin export: ${out} already exists: choose another path, or pass --force to replace it`);
    expect(fs.readFileSync(out, 'utf8')).toBe('MINE');
    expect((await margin('export', '--project', P, '--model', 'fake', '--what', 'predictions', '--out', out, '--force')).code).toBe(0);
    expect(fs.readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^item_id,/);
    // npy writes two files: the second existing refuses both.
    fs.writeFileSync(path.join(dir, 'lat.item_ids.npy'), 'MINE');
    expect((await margin('export', '--project', P, '--model', 'fake', '--what', 'latent', '--out', path.join(dir, 'lat.npy'))).err).toMatch(/lat\.item_ids\.npy already exists/);
    expect(fs.existsSync(path.join(dir, 'lat.npy'))).toBe(false);
  });

  it('margin report --out/--pdf refuses the project\'s folders and existing files', async () => {
    const before = folderSnapshot(P);
    for (const d of ['activations', 'models', 'cache']) {
      const r = await margin('report', '--project', P, '--model', 'fake', '--out', path.join(P, d, 'r.html'), '--force');
      expect(r.code).toBe(1);
      expect(r.err).toContain(`is inside the project's ${d}/ folder`);
      const q = await margin('report', '--project', P, '--model', 'fake', '--out', path.join(tmpDir('margin-cli-r-'), 'r.html'), '--pdf', path.join(P, d, 'r.pdf'));
      expect(q.err).toContain(`r.pdf is inside the project's ${d}/ folder`);
    }
    expect(folderSnapshot(P)).toEqual(before);
    const dir = tmpDir('margin-cli-rep-');
    fs.writeFileSync(path.join(dir, 'r-layers.csv'), 'MINE');
    const r = await margin('report', '--project', P, '--model', 'fake', '--out', path.join(dir, 'r.html'));
    expect(r.err).toBe(`margin report: ${path.join(dir, 'r-layers.csv')} already exists: choose another path, or pass --force to replace it`);
    expect(fs.readdirSync(dir)).toEqual(['r-layers.csv']);
  });

  it('margin saliency --out and margin evaluate --out refuse a folder inside the project before any work, and existing files', async () => {
    const before = folderSnapshot(P);
    for (const d of ['activations', 'models/fake', 'cache/maps']) {
      const s = await margin('saliency', '--project', P, '--model', 'fake', '--items', '1,2', '--out', path.join(P, d), '--force');
      expect(s.code).toBe(1);
      expect(s.err).toMatch(/is inside the project's (activations|models|cache)\/ folder/);
      const e = await margin('evaluate', '--project', P, '--model', 'fake', '--experiment', 'e2', '--out', path.join(P, d), '--force');
      expect(e.code).toBe(1);
      expect(e.err).toMatch(/is inside the project's (activations|models|cache)\/ folder/);
    }
    expect(folderSnapshot(P)).toEqual(before);
    const dir = tmpDir('margin-cli-sal-');
    fs.writeFileSync(path.join(dir, 'item-2.png'), 'MINE');
    expect((await margin('saliency', '--project', P, '--model', 'fake', '--items', '1,2', '--out', dir)).err)
      .toBe(`margin saliency: ${path.join(dir, 'item-2.png')} already exists: choose another path, or pass --force to replace it`);
    fs.writeFileSync(path.join(dir, 'e2.svg'), 'MINE');
    expect((await margin('evaluate', '--project', P, '--model', 'fake', '--experiment', 'e2', '--out', dir)).err)
      .toBe(`margin evaluate: ${path.join(dir, 'e2.svg')} already exists: choose another path, or pass --force to replace it`);
    expect(fs.readdirSync(dir).sort()).toEqual(['e2.svg', 'item-2.png']);
    expect(fs.readFileSync(path.join(dir, 'e2.svg'), 'utf8')).toBe('MINE');
  });

  it('margin extract --cluster --shared-dir refuses a folder inside the project\'s own files', async () => {
    const before = folderSnapshot(P);
    const r = await margin('extract', '--project', P, '--model', 'fake', '--layers', 'conv1', '--cluster', 'local:1', '--shared-dir', path.join(P, 'activations', 'shared'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${path.join(P, 'activations', 'shared')} is inside the project's activations/ folder`);
    expect(folderSnapshot(P)).toEqual(before);
  });

  it('bin/margin.js: `export --what predictions --format parquet --out P/store.duckdb` exits non-zero and the store still opens', () => {
    const before = folderSnapshot(P);
    const r = spawnSync(process.execPath, ['bin/margin.js', 'export', '--project', P, '--model', 'fake', '--what', 'predictions', '--format', 'parquet', '--out', path.join(P, 'store.duckdb')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${path.join(P, 'store.duckdb')} is inside the project store (store.duckdb and its WAL)`);
    expect(folderSnapshot(P)).toEqual(before);
    const info = spawnSync(process.execPath, ['bin/margin.js', 'info', '--project', P], { encoding: 'utf8' });
    expect(info.status).toBe(0);
    expect(info.stdout).toContain('fake');
  }, 60_000);
});
