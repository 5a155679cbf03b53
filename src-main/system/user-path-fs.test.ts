import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MarginError } from '../shared/errors.ts';
import { tmpDir } from '../store/test-support/tmp.ts';
import { writeOutput } from '../store/safe-output.ts';
import { createProject } from '../store/project.ts';
import { checkInputFile, openInputFile } from './input-file.ts';
import { describeFsError, makeFolders, withFsTimeout } from './user-path-fs.ts';

const hasProc = fs.existsSync('/proc/self/status');

async function refusal(p: Promise<unknown>): Promise<MarginError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MarginError);
  return err as MarginError;
}

describe('withFsTimeout', () => {
  it('passes a result through', async () => {
    await expect(withFsTimeout(Promise.resolve(7), '/x', 'reading', 1000)).resolves.toBe(7);
  });
  it('gives up on a step that never settles, naming the path', async () => {
    const never = new Promise<number>(() => undefined);
    const err = await refusal(withFsTimeout(never, '/mnt/hung/report.html', 'checking the output path', 50));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(/^\/mnt\/hung\/report\.html: checking the output path did not finish within 0\.1 s/);
    expect(err.details).toMatchObject({ kind: 'fs-timeout', path: '/mnt/hung/report.html' });
  });
});

describe('makeFolders', () => {
  it('makes missing levels and accepts existing ones', async () => {
    const root = tmpDir('margin-mkfolders-');
    await makeFolders(path.join(root, 'a', 'b', 'c'));
    expect(fs.statSync(path.join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    await makeFolders(path.join(root, 'a', 'b', 'c')); // again: nothing to do
  });
  it('names the file that stands where a folder should be', async () => {
    const root = tmpDir('margin-mkfolders-');
    fs.writeFileSync(path.join(root, 'f'), 'x');
    const err = await refusal(makeFolders(path.join(root, 'f', 'sub'), 'out/f/sub'));
    expect(err.message).toBe(`cannot make the folder out/f/sub: ${path.join(root, 'f')} is a file, not a folder`);
  });
  it.runIf(hasProc)('ends under /proc, where mkdir(recursive) never returns', async () => {
    const err = await refusal(makeFolders('/proc/self/margin-no-such/deeper'));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(/^cannot make the folder \/proc\/self\/margin-no-such\/deeper: the file system at \/proc\/(self|\d+) does not allow new folders/);
  });
});

describe('file-system errors in words', () => {
  it('names the path and the problem, never the raw errno text', () => {
    const raw = Object.assign(new Error("EEXIST: file already exists, mkdir '/a/b'"), { code: 'EEXIST' });
    const e = describeFsError(raw, '/a/b', 'make the folder') as MarginError;
    expect(e.message).toBe('cannot make the folder /a/b: something with that name already exists');
    expect(e.message).not.toMatch(/EEXIST/);
  });
});

describe('user paths that used to hang', () => {
  it.runIf(hasProc)('an output under /proc fails with a message instead of spinning', async () => {
    const err = await refusal(writeOutput('/proc/self/margin-reports/r.csv', 'a,b\n'));
    expect(err.message).toContain('/proc/self/margin-reports');
    expect(err.message).toMatch(/does not allow new folders/);
  });
  it.runIf(hasProc)('a project under /proc is refused, not made with a recursive mkdir', async () => {
    const err = await refusal(createProject('/proc/self/margin-project'));
    expect(err.message).toMatch(/does not allow new folders/);
  });
  it.runIf(process.platform !== 'win32')('a FIFO given as an input is refused without being opened', async () => {
    const fifo = path.join(tmpDir('margin-fifo-'), 'labels.idx');
    execFileSync('mkfifo', [fifo]);
    const err = await refusal(openInputFile(fifo, 'labels file'));
    expect(err.message).toBe(`${fifo}: labels file must be a regular file, but this is a FIFO (named pipe). Give the path of the file itself.`);
    await expect(checkInputFile(fifo, 'labels file')).rejects.toThrow(/FIFO/);
  });
});
