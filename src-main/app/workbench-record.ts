/**
 * While a workbench (`margin serve`) has a project open, the project's DuckDB file is locked by it:
 * a second process can open it neither read-write nor read-only. So the workbench says where it
 * can be reached, in a file inside the project folder, and `margin` commands on that project go
 * through it (read commands: info, samples, query, export) or say what to do (writing commands).
 *
 *   <project>/.margin-workbench.json   { format, pid, origin, token, host, project, started }
 *
 * The file is written (mode 0600, temp + rename) when the workbench opens the project and removed
 * when it closes it, switches to another or stops. The token is the browser host's session token;
 * the file is readable by the user alone, who can open the project's files anyway. A file left by
 * a workbench that died is recognised by its PID and ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProjectSummary } from '../shared/api.ts';

export const WORKBENCH_FILE = '.margin-workbench.json';
const FORMAT = 'margin-workbench-v1';

export interface WorkbenchRecord {
  format: typeof FORMAT;
  pid: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  token: string;
  host: 'browser' | 'electron';
  /** The project folder (absolute), as the workbench opened it. */
  project: string;
  started: string;
}

export function workbenchFile(projectDir: string): string {
  return path.join(path.resolve(projectDir), WORKBENCH_FILE);
}

function write(rec: WorkbenchRecord): void {
  const file = workbenchFile(rec.project);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Removes the record of `projectDir` if it is this process's (never another workbench's). */
function remove(projectDir: string, pid: number): void {
  const rec = readWorkbenchRecord(projectDir, { checkAlive: false });
  if (rec && rec.pid === pid) fs.rmSync(workbenchFile(projectDir), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** The record of a workbench that has `projectDir` open, or null (none, unreadable, or its process is gone). */
export function readWorkbenchRecord(projectDir: string, opts: { checkAlive?: boolean } = {}): WorkbenchRecord | null {
  const file = workbenchFile(projectDir);
  let rec: Partial<WorkbenchRecord>;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > 64 * 1024) return null;
    rec = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<WorkbenchRecord>;
  } catch {
    return null;
  }
  if (rec.format !== FORMAT || !Number.isInteger(rec.pid) || typeof rec.origin !== 'string' || typeof rec.token !== 'string' || typeof rec.project !== 'string') return null;
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(rec.origin)) return null; // only ever a loopback host
  if ((opts.checkAlive ?? true) && !alive(rec.pid!)) return null;
  return rec as WorkbenchRecord;
}

/**
 * Keeps the record of the open project up to date for a workbench reachable at `origin`:
 * written for the project open now and on every switch, removed on close. Returns the stop
 * function (removes the record); errors writing it are reported, never fatal to the workbench.
 */
export function advertiseWorkbench(
  workspace: { summary(): ProjectSummary | null; onChange(l: (p: ProjectSummary | null) => void): () => void },
  host: { origin: string; token: string; kind: 'browser' | 'electron' },
  opts: { pid?: number; now?: () => number; warn?: (msg: string) => void } = {},
): () => void {
  const pid = opts.pid ?? process.pid;
  const now = opts.now ?? Date.now;
  const warn = opts.warn ?? ((m: string) => console.error(`[margin] ${m}`));
  let current: string | null = null;
  const update = (p: ProjectSummary | null) => {
    if (current && current !== p?.dir) {
      try { remove(current, pid); } catch (err) { warn(`could not remove ${workbenchFile(current)}: ${(err as Error).message}`); }
      current = null;
    }
    if (p && current !== p.dir) {
      try {
        write({ format: FORMAT, pid, origin: host.origin, token: host.token, host: host.kind, project: p.dir, started: new Date(now()).toISOString() });
        current = p.dir;
      } catch (err) {
        warn(`could not write ${workbenchFile(p.dir)} (margin commands on this project will not reach the workbench): ${(err as Error).message}`);
      }
    }
  };
  update(workspace.summary());
  const off = workspace.onChange(update);
  return () => {
    off();
    update(null);
  };
}
