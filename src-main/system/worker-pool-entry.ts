/**
 * A helper thread of worker-pool.ts: imports the kernel module, says it is ready, then for each
 * run message claims chunks from the shared counter until none are left.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PoolKernel } from './worker-pool.ts';

interface RunMessage { name: string; args: Record<string, unknown>; chunks: number; ctl: SharedArrayBuffer; status: SharedArrayBuffer }

const { module, ready, counters } = workerData as { module: string; ready: SharedArrayBuffer; counters: SharedArrayBuffer };
const mod = (await import(module)) as { poolKernels: Record<string, PoolKernel> };
const done = new Int32Array(counters);
parentPort!.on('message', (m: RunMessage) => {
  const ctl = new Int32Array(m.ctl), status = new Int32Array(m.status);
  const kernel = mod.poolKernels[m.name];
  for (;;) {
    const c = Atomics.add(ctl, 0, 1);
    if (c >= m.chunks) break;
    try {
      kernel(m.args, c);
      status[c] = 1;
      Atomics.add(done, 0, 1);
    } catch {
      status[c] = 2; // redone (and its error raised) on the calling thread
    }
    Atomics.add(ctl, 1, 1);
    Atomics.notify(ctl, 1);
  }
});
Atomics.store(new Int32Array(ready), 0, 1);
