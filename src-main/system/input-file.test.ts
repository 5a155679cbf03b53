import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkInputDir, checkInputFile, formatBytes, readInputFile } from './input-file.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-input-file-'));

async function badInput(p: Promise<unknown>, re: RegExp): Promise<void> {
  await expect(p).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(re) });
}

describe('the safe input path', () => {
  it('reads a regular file whole and refuses one past the limit, naming both sizes', async () => {
    const f = path.join(tmp, 'ok.bin');
    fs.writeFileSync(f, Buffer.from([1, 2, 3]));
    expect([...(await readInputFile(f, 'test file'))]).toEqual([1, 2, 3]);
    await badInput(readInputFile(f, 'test file', { maxBytes: 2 }), /ok\.bin: test file is 3 bytes, more than the 2 bytes such a file may have/);
  });

  it('refuses a missing path, a directory, /dev/zero and a FIFO without opening them', async () => {
    await badInput(checkInputFile(path.join(tmp, 'gone'), 'labels file'), /gone: labels file not found/);
    await badInput(readInputFile(tmp, 'labels file'), /labels file must be a regular file, but this is a directory/);
    await badInput(readInputFile('/dev/zero', 'labels file'), /\/dev\/zero: labels file must be a regular file, but this is a character device/);
    const fifo = path.join(tmp, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // Opening a FIFO with no writer would block this test forever; the check must come first.
    await badInput(readInputFile(fifo, 'images file'), /pipe: images file must be a regular file, but this is a FIFO \(named pipe\)/);
  });

  it('checks folders the same way', async () => {
    await checkInputDir(tmp, 'image folder');
    const f = path.join(tmp, 'ok.bin');
    await badInput(checkInputDir(f, 'image folder'), /ok\.bin: image folder must be a folder, but this is a regular file/);
    await badInput(checkInputDir(path.join(f, 'x'), 'image folder'), /image folder not found \(a part of the path is a file/);
  });

  it('formats sizes', () => {
    expect(formatBytes(812)).toBe('812 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(2 ** 31 - 1)).toBe('2.0 GB');
  });
});
