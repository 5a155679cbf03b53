/**
 * Vitest global setup: every temporary folder of a test run (projects, demo copies, Chromium
 * profiles, `margin serve` children) goes under one folder of its own, removed when the run ends,
 * so runs do not pile up gigabytes in the system's temp folder. Test processes inherit TMPDIR,
 * which os.tmpdir() reads. MARGIN_KEEP_TEST_TMP=1 keeps the folder (and prints where it is).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.MARGIN_KEEP_TEST_TMP === '1') console.log(`[tests] temporary files kept in ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  };
}
