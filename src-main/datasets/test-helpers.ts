/** Shared by this folder's tests: temp dirs and a BAD_INPUT assertion. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { MarginError } from '../shared/errors.ts';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'margin-datasets-'));
}

export function writeFile(dir: string, name: string, content: Buffer | string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Runs `fn` (sync or async) and checks it throws MarginError BAD_INPUT with a message matching `re`. */
export async function expectBadInput(fn: () => unknown, re: RegExp): Promise<MarginError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a BAD_INPUT error matching ${re}`).toBeInstanceOf(MarginError);
  const err = caught as MarginError;
  expect(err.code).toBe('BAD_INPUT');
  expect(err.message).toMatch(re);
  return err;
}
