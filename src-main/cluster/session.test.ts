import { describe, expect, it } from 'vitest';
import type { ServedCluster } from './dask-client.ts';
import { ClusterSession, startedLine, withClusterSession } from './session.ts';

/** A stand-in for `margin_dask.py --serve-local N`: counts starts and closes, serves when told. */
function fakeServe(o: { fail?: string } = {}) {
  const log = { starts: [] as number[], closes: 0 };
  let alive = true;
  let release = () => {};
  const gate = new Promise<void>((r) => { release = r; });
  const serve = async (workers: number): Promise<ServedCluster> => {
    log.starts.push(workers);
    await gate;
    if (o.fail) throw new Error(o.fail);
    return {
      scheduler: `tcp://127.0.0.1:${40000 + log.starts.length}`, workers, pid: 4242,
      exited: () => !alive, stderr: () => 'killed', close: async () => { log.closes++; alive = false; },
    };
  };
  return { serve, log, open: () => release(), kill: () => { alive = false; } };
}

describe('ClusterSession', () => {
  it('starts local:N once for all the runs of a command, concurrent or not, and closes it once', async () => {
    const f = fakeServe();
    const session = new ClusterSession('local:2', { serve: f.serve });
    expect(f.log.starts).toEqual([]); // nothing is started before a run asks
    const first = [session.scheduler(), session.scheduler()];
    f.open();
    const [a, b] = await Promise.all(first);
    const c = await session.scheduler();
    expect([a, b, c]).toEqual(['tcp://127.0.0.1:40001', 'tcp://127.0.0.1:40001', 'tcp://127.0.0.1:40001']);
    expect(f.log.starts).toEqual([2]);
    expect([session.starts, session.runs]).toEqual([1, 3]);
    await session.close();
    await session.close();
    expect(f.log.closes).toBe(1);
    await expect(session.scheduler()).rejects.toThrow(/closed: a run was asked for after its command ended/);
  });

  it('uses a scheduler address as given and starts nothing', async () => {
    const f = fakeServe();
    const session = new ClusterSession('tcp://head:8786', { serve: f.serve });
    expect(await session.scheduler()).toBe('tcp://head:8786');
    expect(await session.scheduler()).toBe('tcp://head:8786');
    await session.close();
    expect([f.log.starts.length, f.log.closes, session.starts, session.runs]).toEqual([0, 0, 0, 2]);
  });

  it('refuses a bad address when made, naming --cluster', () => {
    expect(() => new ClusterSession('local:0')).toThrow(/--cluster: local:N needs 1 ≤ N ≤ 1024/);
    expect(() => new ClusterSession('nowhere')).toThrow(/--cluster: "nowhere" is neither local:N/);
  });

  it('withClusterSession closes the cluster when the command ends, fails or is cancelled', async () => {
    for (const outcome of ['returns', 'throws', 'cancelled'] as const) {
      const f = fakeServe();
      f.open();
      const controller = new AbortController();
      const run = withClusterSession('local:3', async (session) => {
        await session!.scheduler(controller.signal);
        if (outcome === 'throws') throw new Error('a task failed');
        if (outcome === 'cancelled') {
          controller.abort();
          await session!.scheduler(controller.signal);
        }
        return 7;
      }, { serve: f.serve });
      if (outcome === 'returns') expect(await run).toBe(7);
      else await expect(run).rejects.toThrow(outcome === 'throws' ? /a task failed/ : /cancelled/);
      expect([f.log.starts, f.log.closes], outcome).toEqual([[3], 1]);
    }
    // Without --cluster there is no session.
    expect(await withClusterSession(undefined, async (s) => s)).toBeUndefined();
  });

  it('a cancel while local:N starts ends the run at once; the cluster, once up, is closed with the session', async () => {
    const f = fakeServe();
    const session = new ClusterSession('local:2', { serve: f.serve });
    const controller = new AbortController();
    const run = session.scheduler(controller.signal);
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    const closing = session.close();
    f.open(); // the start finishes after the cancel
    await closing;
    expect([f.log.starts.length, f.log.closes]).toEqual([1, 1]);
  });

  it('reports a start that failed to every run, and a cluster that stopped since', async () => {
    const f = fakeServe({ fail: 'no worker came up' });
    f.open();
    const session = new ClusterSession('local:2', { serve: f.serve });
    await expect(session.scheduler()).rejects.toThrow(/no worker came up/);
    await expect(session.scheduler()).rejects.toThrow(/no worker came up/);
    expect(session.starts).toBe(1);
    await session.close(); // nothing to close
    const g = fakeServe();
    g.open();
    const started: string[] = [];
    const s2 = new ClusterSession('local:2', { serve: g.serve, onStarted: (s, seconds) => started.push(startedLine('local:2', s, seconds)), now: () => 0 });
    await s2.scheduler();
    expect(started).toEqual(['cluster local:2: started a local Dask cluster of 2 worker(s) at tcp://127.0.0.1:40001 (pid 4242) in 0.0 s, kept for this command']);
    g.kill();
    await expect(s2.scheduler()).rejects.toThrow(/the local Dask cluster for local:2 \(tcp:\/\/127\.0\.0\.1:40001\) has stopped: killed/);
    await s2.close();
  });
});
