import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createProject, openProject } from './project.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';
import { queryRows } from './db.ts';
import { tmpDir, fakeClock } from './test-support/tmp.ts';
import type { Store } from './project.ts';

const open: Store[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.close(); });

describe('projects', () => {
  it('creates a project folder with margin.json and store.duckdb, migrations applied once', async () => {
    const dir = path.join(tmpDir(), 'proj');
    const s = await createProject(dir, { name: 'demo', now: fakeClock() });
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'margin.json'), 'utf8'));
    expect(meta).toEqual({ format: 'margin-project', schemaVersion: SCHEMA_VERSION, name: 'demo', created: '2026-01-01T00:00:00.000Z' });
    expect(fs.existsSync(path.join(dir, 'store.duckdb'))).toBe(true);
    const m1 = await queryRows(s.conn, 'SELECT version, name FROM schema_migrations ORDER BY version');
    expect(m1.map((m) => Number(m.version))).toEqual(MIGRATIONS.map((m) => m.version));
    expect(m1[0]).toEqual({ version: 1, name: 'initial schema' });
    await s.close();
    const s2 = await openProject(dir);
    open.push(s2);
    const m2 = await queryRows(s2.conn, 'SELECT count(*)::INTEGER AS n FROM schema_migrations');
    expect(m2[0].n).toBe(MIGRATIONS.length);
    const tables = await queryRows(s2.conn, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1`);
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining([
      'activation_chunks', 'checkpoints', 'classes', 'datasets', 'eval_runs', 'extraction_batches', 'item_pixels', 'items',
      'latents', 'layers', 'models', 'predictions', 'query_results', 'saliency', 'sample_members', 'samples', 'schema_migrations', 'thumbnails',
    ]));
  });

  it('refuses to create over a project or a non-empty folder', async () => {
    const dir = tmpDir();
    const s = await createProject(dir);
    await s.close();
    await expect(createProject(dir)).rejects.toThrow(/a Margin project already exists in .*: open it instead/);
    const other = tmpDir();
    fs.writeFileSync(path.join(other, 'notes.txt'), 'x');
    await expect(createProject(other)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/non-empty folder that is not a Margin project/) });
    await expect(createProject(path.join(other, 'notes.txt'))).rejects.toThrow(/exists and is not a folder/);
    await expect(createProject('')).rejects.toThrow(/dir must be a non-empty path/);
    // Never inside another project's own files (a new folder under its models/ or cache/).
    await expect(createProject(path.join(dir, 'models', 'nested'))).rejects.toThrow(/is inside the project's models\/ folder of the Margin project/);
    await expect(createProject(path.join(dir, 'cache', 'nested'))).rejects.toThrow(/cache\/ folder/);
    expect(fs.existsSync(path.join(dir, 'models', 'nested'))).toBe(false);
  });

  it('explains why a folder cannot be opened', async () => {
    const dir = tmpDir();
    await expect(openProject(dir)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/is not a Margin project \(no margin.json\): run `margin init /) });
    await expect(openProject(path.join(dir, 'nope'))).rejects.toThrow(/does not exist: run `margin init/);
    fs.writeFileSync(path.join(dir, 'f'), '');
    await expect(openProject(path.join(dir, 'f'))).rejects.toThrow(/is not a folder/);
    fs.writeFileSync(path.join(dir, 'margin.json'), '{oops');
    await expect(openProject(dir)).rejects.toThrow(/margin.json is not valid JSON/);
    fs.writeFileSync(path.join(dir, 'margin.json'), JSON.stringify({ format: 'margin-project', schemaVersion: SCHEMA_VERSION + 1, name: 'x' }));
    await expect(openProject(dir)).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this build of Margin supports \\(${SCHEMA_VERSION}\\): upgrade Margin`)) });
  });

  it('refuses a store whose database is newer than this build', async () => {
    const dir = tmpDir();
    const s = await createProject(dir);
    await s.conn.run(`INSERT INTO schema_migrations VALUES (99, 'future', now()::TIMESTAMP)`);
    await s.close();
    await expect(openProject(dir)).rejects.toThrow(/store.duckdb has schema version 99, newer than this build/);
  });

  it('opens read-only and refuses writes; refuses a second open in this process', async () => {
    const dir = tmpDir();
    const s = await createProject(dir);
    await expect(openProject(dir)).rejects.toThrow(/already open in this process/);
    await s.close();
    const ro = await openProject(dir, { readOnly: true });
    open.push(ro);
    expect(ro.readOnly).toBe(true);
    const { insertModel } = await import('./models.ts');
    await expect(insertModel(ro, { name: 'm', architecture: 'a', inputShape: [1], numClasses: 2, latentLayer: 'x', engine: 'cpu' }))
      .rejects.toThrow(/open read-only; reopen it read-write/);
  });

  it('says which process holds the lock', async () => {
    const dir = tmpDir();
    const s = await createProject(dir);
    await s.close();
    const script = `import { openProject } from ${JSON.stringify(path.resolve('src-main/store/project.ts'))};
      const s = await openProject(${JSON.stringify(dir)}); process.stdout.write('open\\n'); setTimeout(() => s.close(), 20000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('open')) resolve(); });
        child.on('exit', (c) => reject(new Error(`child exited ${c}`)));
      });
      await expect(openProject(dir)).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(new RegExp(`store.duckdb is locked by another process \\(PID ${child.pid}\\): close the other Margin window or CLI`)),
      });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
