/**
 * Bad project folders (the path every command and project.open start from): a margin.json that
 * is a FIFO (must not hang), not JSON (not quoted back), a directory; a project path that is a
 * file. Through `margin info --project` in-process and the API's project.open on a fresh app.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../app/app.ts';
import { MARK } from './corpus.ts';
import { CASE_TIMEOUT_MS, api, cli, mkfifo, put, tmp } from './fixtures.ts';

const cases: Array<[string, (d: string) => string, RegExp]> = [
  ['margin.json is a FIFO', (d) => { mkfifo(d, 'margin.json'); return d; }, /margin\.json: project metadata file must be a regular file, but this is a FIFO/],
  ['margin.json is not JSON', (d) => { put(d, 'margin.json', `{"format": ${MARK}`); return d; }, /margin\.json is not valid JSON: restore it from a backup/],
  ['margin.json is a directory', (d) => { fs.mkdirSync(path.join(d, 'margin.json')); return d; }, /margin\.json: project metadata file must be a regular file, but this is a directory/],
  ['the project path is a file', (d) => put(d, 'project.txt', MARK), /project\.txt is not a folder/],
];

describe('bad project folders (CLI info and API project.open)', () => {
  let app: App;
  beforeAll(async () => { app = await createApp({ host: 'browser' }); });
  afterAll(async () => { await app.close(); });

  it.each(cases)('%s', async (_name, build, re) => {
    const dir = build(tmp('margin-bad-project-'));
    const before = fs.readdirSync(fs.statSync(dir).isDirectory() ? dir : path.dirname(dir)).sort();
    const r = await cli(['info', '--project', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(re);
    expect(`${r.stdout}${r.stderr}`).not.toContain(MARK);
    const a = await api(app, 'project.open', { dir });
    expect(a.ok).toBe(false);
    if (!a.ok) {
      expect(a.error.code).toBe('BAD_INPUT');
      expect(a.error.message).toMatch(re);
      expect(a.error.message).not.toContain(MARK);
    }
    // Nothing was created beside the bad metadata (no store.duckdb, no activations/).
    expect(fs.readdirSync(fs.statSync(dir).isDirectory() ? dir : path.dirname(dir)).sort()).toEqual(before);
  }, CASE_TIMEOUT_MS);
});
