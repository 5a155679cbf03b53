import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MarginError } from '../shared/errors.ts';
import { tmpDir } from './test-support/tmp.ts';
import {
  OUTPUT_EXISTS, PROJECT_OWN_ENTRIES, assertNotInProjectFiles, checkOutput, checkOutputs, prepareOutputDir, projectContaining,
  writeOutput, writeOutputWith,
} from './safe-output.ts';

/** A folder laid out as a project (margin.json + store.duckdb + its folders), without opening DuckDB. */
function fakeProject(): string {
  const dir = tmpDir('margin-safe-project-');
  fs.writeFileSync(path.join(dir, 'margin.json'), '{"format": "margin-project", "schemaVersion": 1}\n');
  fs.writeFileSync(path.join(dir, 'store.duckdb'), 'STORE');
  fs.writeFileSync(path.join(dir, 'store.duckdb.wal'), 'WAL');
  for (const d of ['activations', 'models', 'cache']) fs.mkdirSync(path.join(dir, d, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'activations', 'a.bin'), 'ACT');
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

async function refusal(p: Promise<unknown>): Promise<MarginError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MarginError);
  return err as MarginError;
}

describe('safe output: inside a project', () => {
  it('refuses every kind of project file (store, WAL, metadata, activations/, models/, cache/) and leaves the project as it was', async () => {
    const p = fakeProject();
    const before = snapshot(p);
    const targets = [
      'store.duckdb', 'store.duckdb.wal', 'margin.json', 'activations/a.bin', 'activations/new.bin', 'models/sub/model.json',
      'cache/x.bin', 'models', 'STORE.DUCKDB', 'cache/new-folder/deep/file.parquet',
    ];
    for (const t of targets) {
      const err = await refusal(writeOutput(path.join(p, t), 'DATA', { overwrite: true }));
      expect(err.code).toBe('BAD_INPUT');
      expect(err.message).toContain(path.join(p, t));
      expect(err.message).toMatch(/inside .* of the Margin project/);
    }
    expect(snapshot(p)).toEqual(before);
    expect(fs.existsSync(path.join(p, 'cache', 'new-folder'))).toBe(false);
    expect(PROJECT_OWN_ENTRIES).toEqual(['margin.json', 'store.duckdb', 'activations', 'models', 'cache']);
  });

  it('sees through `..`, relative paths and symbolic links (folder links and a link to the store itself)', async () => {
    const p = fakeProject();
    const elsewhere = tmpDir('margin-safe-else-');
    fs.symlinkSync(path.join(p, 'activations'), path.join(elsewhere, 'acts'));
    fs.symlinkSync(p, path.join(elsewhere, 'proj'));
    fs.symlinkSync(path.join(p, 'store.duckdb'), path.join(elsewhere, 'looks-harmless.parquet'));
    fs.mkdirSync(path.join(elsewhere, 'real'));
    const before = snapshot(p);
    const via = [
      path.join(p, 'exports', '..', 'store.duckdb'),
      path.join(elsewhere, 'acts', 'a.bin'),
      path.join(elsewhere, 'acts', 'new', 'x.npy'),
      path.join(elsewhere, 'proj', 'margin.json'),
      path.join(elsewhere, 'looks-harmless.parquet'),
      // The file system resolves acts/.. to the project folder; a lexical resolve would say `elsewhere`.
      `${elsewhere}/acts/../store.duckdb.wal`,
      path.relative(process.cwd(), path.join(p, 'models', 'm.json')),
    ];
    for (const t of via) {
      const err = await refusal(writeOutput(t, 'DATA', { overwrite: true }));
      expect(err.message).toMatch(/Margin project/);
    }
    expect(snapshot(p)).toEqual(before);
    // The project folder itself and a folder beside the store are fine for outputs.
    await writeOutput(path.join(elsewhere, 'proj', 'report.html'), '<html>');
    await writeOutput(path.join(p, 'exports', 'pred.csv'), 'a,b\r\n');
    expect(fs.readFileSync(path.join(p, 'report.html'), 'utf8')).toBe('<html>');
    expect(await projectContaining(path.join(p, 'exports'))).toBe(fs.realpathSync(p));
  });

  it('protects the projects it is told about even when their store is not on disk yet', async () => {
    const p = tmpDir('margin-safe-open-');
    fs.mkdirSync(path.join(p, 'activations'));
    const err = await refusal(checkOutput(path.join(p, 'activations', 'x.bin'), { projects: [p] }));
    expect(err.message).toContain('activations/ folder');
    await expect(checkOutput(path.join(p, 'activations', 'x.bin'))).resolves.toMatchObject({ exists: false });
  });

  it('refuses an output folder inside a project, allows the project folder itself and a folder beside it', async () => {
    const p = fakeProject();
    for (const d of ['activations', 'models/new', 'cache']) {
      expect((await refusal(prepareOutputDir(path.join(p, d)))).code).toBe('BAD_INPUT');
    }
    expect(fs.existsSync(path.join(p, 'models', 'new'))).toBe(false);
    await expect(prepareOutputDir(path.join(p, 'results'))).resolves.toBe(path.join(fs.realpathSync(p), 'results'));
    await expect(prepareOutputDir(p)).resolves.toBe(fs.realpathSync(p));
    await expect(assertNotInProjectFiles(path.join(p, 'models', 'x'))).rejects.toThrow(/models\/ folder/);
  });
});

describe('safe output: existing files', () => {
  it('refuses to replace a file without overwrite, naming the file and the flag; replaces it with overwrite', async () => {
    const d = tmpDir('margin-safe-ow-');
    const f = path.join(d, 'out.csv');
    fs.writeFileSync(f, 'OLD');
    const cli = await refusal(writeOutput(f, 'NEW', { forceHint: '--force' }));
    expect(cli.code).toBe('CONFLICT');
    expect(cli.message).toBe(`${f} already exists: choose another path, or pass --force to replace it`);
    expect(cli.details).toEqual({ kind: OUTPUT_EXISTS, path: f });
    const api = await refusal(writeOutput(f, 'NEW', { forceHint: 'overwrite: true' }));
    expect(api.message).toContain('overwrite: true');
    expect(fs.readFileSync(f, 'utf8')).toBe('OLD');
    fs.chmodSync(f, 0o640);
    expect(await writeOutput(f, 'NEW', { overwrite: true })).toBe(3);
    expect(fs.readFileSync(f, 'utf8')).toBe('NEW');
    expect(fs.statSync(f).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(d)).toEqual(['out.csv']); // no temporary file left
  });

  it('writes through a symbolic link to a file outside any project (the link stays)', async () => {
    const d = tmpDir('margin-safe-link-');
    fs.writeFileSync(path.join(d, 'real.csv'), 'OLD');
    fs.symlinkSync(path.join(d, 'real.csv'), path.join(d, 'link.csv'));
    await expect(writeOutput(path.join(d, 'link.csv'), 'NEW')).rejects.toThrow(/already exists/);
    await writeOutput(path.join(d, 'link.csv'), 'NEW', { overwrite: true });
    expect(fs.lstatSync(path.join(d, 'link.csv')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(d, 'real.csv'), 'utf8')).toBe('NEW');
    fs.symlinkSync(path.join(d, 'missing.csv'), path.join(d, 'dangling.csv'));
    await expect(writeOutput(path.join(d, 'dangling.csv'), 'x', { overwrite: true })).rejects.toThrow(/symbolic link to a missing file/);
  });

  it('refuses targets that are not regular files: a folder, a device, a FIFO — with or without overwrite', async () => {
    const d = tmpDir('margin-safe-kind-');
    fs.mkdirSync(path.join(d, 'folder.csv'));
    const fifo = path.join(d, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    for (const [t, kind] of [[path.join(d, 'folder.csv'), 'a folder'], ['/dev/null', 'a device'], [fifo, 'a FIFO']] as const) {
      for (const overwrite of [false, true]) {
        const err = await refusal(writeOutput(t, 'x', { overwrite }));
        expect(err.message).toBe(`${t} is ${kind}${kind === 'a FIFO' ? ' (named pipe)' : ''}, not a regular file: give the path of a file to write`);
      }
    }
    expect(fs.statSync(path.join(d, 'folder.csv')).isDirectory()).toBe(true);
    expect((await refusal(prepareOutputDir(fifo))).message).toContain('not a folder');
  });

  it('checks a set of outputs before writing any, and refuses the same file twice', async () => {
    const d = tmpDir('margin-safe-set-');
    fs.writeFileSync(path.join(d, 'b.csv'), 'OLD');
    await expect(checkOutputs([path.join(d, 'a.csv'), path.join(d, 'b.csv')])).rejects.toThrow(/b\.csv already exists/);
    expect(fs.existsSync(path.join(d, 'a.csv'))).toBe(false);
    await expect(checkOutputs([path.join(d, 'x.csv'), path.join(d, 'sub', '..', 'x.csv')])).rejects.toThrow(/are the same file/);
  });
});

describe('safe output: temporary file and rename', () => {
  it('a writer that fails half way leaves the old file whole and no temporary file', async () => {
    const d = tmpDir('margin-safe-fail-');
    const f = path.join(d, 'big.parquet');
    fs.writeFileSync(f, 'OLD CONTENT');
    let seenTmp = '';
    const err = await writeOutputWith(f, async (tmp) => {
      seenTmp = tmp;
      fs.writeFileSync(tmp, 'HALF');
      throw new Error('disk went away');
    }, { overwrite: true }).then(() => null, (e: unknown) => e as MarginError);
    expect(err?.message).toBe(`cannot write ${f}: disk went away`);
    expect(path.dirname(seenTmp)).toBe(fs.realpathSync(d));
    expect(fs.readFileSync(f, 'utf8')).toBe('OLD CONTENT');
    expect(fs.readdirSync(d)).toEqual(['big.parquet']);
  });

  it('a writer gets a temporary path beside the target and its file is renamed into place; folders are made', async () => {
    const d = tmpDir('margin-safe-ok-');
    const f = path.join(d, 'new', 'deep', 'x.npy');
    const r = await writeOutputWith(f, async (tmp) => {
      expect(fs.existsSync(f)).toBe(false);
      fs.writeFileSync(tmp, 'NPY');
      return 42;
    });
    expect(r).toBe(42);
    expect(fs.readFileSync(f, 'utf8')).toBe('NPY');
    expect(fs.readdirSync(path.dirname(f))).toEqual(['x.npy']);
  });

  it('a file that appears while the output is written is not replaced', async () => {
    const d = tmpDir('margin-safe-race-');
    const f = path.join(d, 'x.csv');
    const target = await checkOutput(f);
    fs.writeFileSync(f, 'THEIRS');
    await expect(writeOutput(target, 'MINE')).rejects.toThrow(/appeared while it was being written/);
    expect(fs.readFileSync(f, 'utf8')).toBe('THEIRS');
    expect(fs.readdirSync(d)).toEqual(['x.csv']);
  });

  it('names the path and the problem when a folder cannot be made (a file in the way), not a raw EEXIST', async () => {
    const d = tmpDir('margin-safe-mkdir-');
    fs.writeFileSync(path.join(d, 'file'), 'x');
    const err = await refusal(writeOutput(path.join(d, 'file', 'sub', 'x.csv'), 'x'));
    expect(err.message).toBe(`cannot make the folder ${path.join(d, 'file', 'sub')}: ${path.join(d, 'file')} is a file, not a folder`);
    expect(err.message).not.toMatch(/EEXIST|ENOTDIR/);
  });
});
