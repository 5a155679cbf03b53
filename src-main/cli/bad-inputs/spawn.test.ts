/**
 * Two bad inputs through a real `node bin/margin.js` process (the rest of the corpus runs the
 * CLI in-process): a FIFO as the IDX images file and /dev/zero as the digits CSV. The process
 * must exit on its own (no hang on the FIFO, no endless read of /dev/zero) with exit code 1,
 * the file and the problem on stderr, and the project's files unchanged.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderSnapshot } from '../../store/test-support/snapshot.ts';
import { cli, idxLabels, mkfifo, put, REPO, tmp } from './fixtures.ts';

function margin(args: string[]) {
  // A generous guard: a hang is killed and fails the test, it does not stall the run.
  return spawnSync(process.execPath, [path.join(REPO, 'bin', 'margin.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('bad inputs through a real margin process', () => {
  it('refuses a FIFO and /dev/zero, exits 1, and leaves the project as it was', async () => {
    const root = tmp('margin-bad-spawn-');
    const project = path.join(root, 'p');
    expect((await cli(['init', project])).code).toBe(0);
    const before = folderSnapshot(project);

    const data = path.join(root, 'idx');
    fs.mkdirSync(data);
    mkfifo(data, 't10k-images-idx3-ubyte');
    put(data, 't10k-labels-idx1-ubyte', idxLabels([1, 2]));
    const a = margin(['import-data', '--project', project, '--name', 'x', '--format', 'idx', '--path', data]);
    expect(a.signal, 'the process hung on the FIFO').toBeNull();
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/t10k-images-idx3-ubyte: IDX images file of split "test" must be a regular file, but this is a FIFO/);

    const b = margin(['import-data', '--project', project, '--name', 'x', '--format', 'digits-csv', '--path', '/dev/zero']);
    expect(b.signal, 'the process kept reading /dev/zero').toBeNull();
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/\/dev\/zero: digits CSV file must be a regular file, but this is a character device/);

    expect(folderSnapshot(project)).toEqual(before);
  }, 150_000);
});
