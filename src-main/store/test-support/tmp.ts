/** Temporary project folders for tests, removed after the test file's tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
// Registered on the importing test file's root suite (each file gets its own module instance).
afterAll(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

export function tmpDir(prefix = 'margin-store-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A clock that advances 1 ms per call, from a fixed epoch, so created times are reproducible. */
export function fakeClock(start = Date.UTC(2026, 0, 1)): () => number {
  let t = start;
  return () => t++;
}
