/**
 * Issue 14: a command or job that makes several Dask runs against `local:N` starts ONE
 * LocalCluster for its whole duration (cluster/session.ts). Q4 makes two runs (x̄, then the
 * moments): `margin query --named Q4 --cluster local:2` starts one cluster (its stderr says so
 * once, with the serving process's pid), answers as locally, and the cluster is gone when the
 * command has exited — also when the command is SIGKILLed (the pipe closes). The `query.cluster`
 * API job does the same. Skipped (with the reason) when no Python here has Dask.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findDaskPython } from '../src-main/cluster/dask-client.ts';
import type { EventMessage } from '../src-main/shared/api.ts';
import { createApp } from '../src-main/app/app.ts';
import { REPO_ROOT } from '../src-main/system/info.ts';
import { freshDir, makeDemo } from './support/browser.ts';

const py = findDaskPython();
if (!py) console.warn('e2e/cluster-session.test.ts skipped: no Python with Dask (apt-get install python3-distributed, or set MARGIN_PYTHON)');

const MODEL = 'lenet5-bn';
const STARTED = /started a local Dask cluster of 2 worker\(s\) at tcp:\/\/\S+ \(pid (\d+)\)/g;

function margin(args: string[]): { done: Promise<{ code: number | null; out: string; err: string }>; kill: () => void; stderr: (re: RegExp) => Promise<RegExpMatchArray> } {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'margin.js'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); waiters.forEach((w) => w()); });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return {
    done,
    kill: () => child.kill('SIGKILL'),
    stderr: (re) => new Promise((resolve, reject) => {
      const check = () => { const m = re.exec(err); if (m) resolve(m); };
      waiters.push(check);
      check();
      void done.then(() => reject(new Error(`the command ended without printing ${re}:\n${err.slice(-2000)}`)));
    }),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 200))) if (!alive(pid)) return true;
  return !alive(pid);
}

describe.skipIf(!py)('one local Dask cluster per command', () => {
  let dir = '';

  beforeAll(async () => {
    const root = freshDir('margin-e2e-cluster-session-');
    dir = path.join(root, 'project');
    if (process.env.MARGIN_E2E_DEMO_DIR) fs.cpSync(process.env.MARGIN_E2E_DEMO_DIR, dir, { recursive: true, filter: (src) => !/[\\/]cluster$/.test(src) });
    else await makeDemo(dir);
  }, 600_000);

  it('margin query --named Q4 --cluster local:2: two Dask runs, one LocalCluster, the local answer, the cluster gone afterwards', async () => {
    const args = ['query', '--project', dir, '--model', MODEL, '--named', 'Q4', '--layer', 'relu3', '--class', '6', '--json'];
    const here = await margin(args).done;
    expect(here.code, here.err).toBe(0);
    const there = await margin([...args, '--cluster', 'local:2']).done;
    expect(there.code, there.err).toBe(0);
    expect(JSON.stringify(JSON.parse(there.out).data)).toBe(JSON.stringify(JSON.parse(here.out).data));
    const starts = [...there.err.matchAll(STARTED)];
    expect(starts.length, there.err).toBe(1);
    expect(there.err.match(/cluster local:2: \d+ task\(s\)/g), there.err).toHaveLength(2); // pass 1 (x̄) and pass 2 (moments)
    // The command waited for its cluster to shut down before exiting.
    expect(alive(Number(starts[0][1]))).toBe(false);
  });

  it('a SIGKILLed command takes its LocalCluster with it (the pipe closes)', async () => {
    const cmd = margin(['query', '--project', dir, '--model', MODEL, '--named', 'Q4', '--layer', 'relu1', '--class', '6', '--json', '--cluster', 'local:2']);
    const m = await cmd.stderr(new RegExp(STARTED.source));
    const pid = Number(m[1]);
    expect(alive(pid)).toBe(true);
    cmd.kill();
    await cmd.done;
    expect(await goneWithin(pid, 120_000)).toBe(true);
  });

  it('the query.cluster API job starts one LocalCluster for Q4\'s two runs and answers as locally', async () => {
    const app = await createApp({ host: 'cli' });
    try {
      const events: EventMessage[] = [];
      app.jobs.subscribe((e) => events.push(e));
      expect((await app.dispatcher.dispatch('project.open', { dir })).ok).toBe(true);
      const named = { query: 'Q4', model: MODEL, layer: 'relu3', classA: 2 };
      const started = await app.dispatcher.dispatch('query.cluster', { cluster: 'local:2', named });
      if (!started.ok) throw new Error(started.error.message);
      const { jobId } = started.result as { jobId: string };
      let end: EventMessage | undefined;
      while (!(end = events.find((e) => ['job.finished', 'job.failed', 'job.cancelled'].includes(e.event) && (e.payload as { jobId: string }).jobId === jobId))) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(end.event, JSON.stringify(end.payload).slice(0, 1000)).toBe('job.finished');
      const local = await app.dispatcher.dispatch('query.named', named);
      if (!local.ok) throw new Error(local.error.message);
      expect(JSON.stringify((end.payload as { result: { data: unknown } }).result.data)).toBe(JSON.stringify((local.result as { data: unknown }).data));
      const messages = events.filter((e) => e.event === 'job.progress' && (e.payload as { jobId: string }).jobId === jobId).map((e) => String((e.payload as { message?: string }).message));
      expect(messages.filter((m) => /^a local Dask cluster of 2 worker\(s\) at tcp:\/\//.test(m)), messages.join('\n')).toHaveLength(1);
      // Two runs (pass 1 and pass 2), each of one task, each reporting its end.
      expect(messages.filter((m) => m === 'tasks 1/1 on local:2'), messages.join('\n')).toHaveLength(2);
    } finally {
      await app.close();
    }
  });
});
