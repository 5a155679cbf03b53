import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProjectSummary } from '../shared/api.ts';
import { tmpDir } from '../store/test-support/tmp.ts';
import { advertiseWorkbench, readWorkbenchRecord, workbenchFile } from './workbench-record.ts';

/** A workspace stand-in: the open project and its change listeners. */
function fakeWorkspace(first: ProjectSummary | null) {
  let p = first;
  const listeners = new Set<(p: ProjectSummary | null) => void>();
  return {
    summary: () => p,
    onChange: (l: (p: ProjectSummary | null) => void) => { listeners.add(l); return () => listeners.delete(l); },
    switchTo(next: ProjectSummary | null) { p = next; for (const l of listeners) l(next); },
  };
}

describe('the workbench record in the project folder', () => {
  it('follows the open project: written (0600) on open, moved on a switch, removed on stop', () => {
    const a = tmpDir('margin-wb-a-');
    const b = tmpDir('margin-wb-b-');
    const ws = fakeWorkspace({ dir: a, name: 'a', isDemo: false });
    const stop = advertiseWorkbench(ws, { origin: 'http://127.0.0.1:4321', token: 'tok', kind: 'browser' }, { now: () => 0 });
    expect(readWorkbenchRecord(a)).toMatchObject({ pid: process.pid, origin: 'http://127.0.0.1:4321', token: 'tok', project: a, started: '1970-01-01T00:00:00.000Z' });
    expect(fs.statSync(workbenchFile(a)).mode & 0o777).toBe(0o600);
    ws.switchTo({ dir: b, name: 'b', isDemo: false });
    expect(fs.existsSync(workbenchFile(a))).toBe(false);
    expect(readWorkbenchRecord(b)?.project).toBe(b);
    stop();
    expect(fs.existsSync(workbenchFile(b))).toBe(false);
    expect(fs.readdirSync(b)).toEqual([]); // no temp file left either
  });

  it('ignores a record whose process is gone, a non-loopback origin, and never removes another workbench\'s record', () => {
    const dir = tmpDir('margin-wb-c-');
    const rec = { format: 'margin-workbench-v1', pid: 2 ** 22 + 12345, origin: 'http://127.0.0.1:1', token: 't', host: 'browser', project: dir, started: '' };
    fs.writeFileSync(path.join(dir, '.margin-workbench.json'), JSON.stringify(rec));
    expect(readWorkbenchRecord(dir)).toBeNull(); // no such process
    expect(readWorkbenchRecord(dir, { checkAlive: false })?.pid).toBe(rec.pid);
    fs.writeFileSync(path.join(dir, '.margin-workbench.json'), JSON.stringify({ ...rec, pid: process.pid, origin: 'http://evil.example:80' }));
    expect(readWorkbenchRecord(dir)).toBeNull();
    // another live workbench's record (here: this process's pid, written by "someone else") survives our stop when we never wrote it
    fs.writeFileSync(path.join(dir, '.margin-workbench.json'), JSON.stringify({ ...rec, pid: process.ppid }));
    const stop = advertiseWorkbench(fakeWorkspace(null), { origin: 'http://127.0.0.1:2', token: 'x', kind: 'browser' });
    stop();
    expect(readWorkbenchRecord(dir)?.pid).toBe(process.ppid);
  });
});
