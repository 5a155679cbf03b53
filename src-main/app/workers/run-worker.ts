/**
 * Runs one worker-thread task to completion: resolves with what the worker reports as done,
 * rejects with its structured error, and on cancellation (AbortSignal) terminates the thread —
 * the one way to stop a CPU-bound loop at once. Shared by the sampler and experiment workers.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../engine/ts-worker.ts';
import { MarginError, type ErrorPayload } from '../../shared/errors.ts';

export interface WorkerTask<T, M> {
  entry: URL;
  workerData: unknown;
  transferList?: ArrayBuffer[];
  signal?: AbortSignal;
  /** Names the work in errors, e.g. "maxmargin sampling". */
  what: string;
  /** Handles one message; call `done` with the result when the worker is finished. */
  onMessage(message: M, done: (result: T) => void): void;
}

export function runWorkerTask<T, M extends { type: string; error?: ErrorPayload }>(task: WorkerTask<T, M>): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker: Worker = startWorker(task.entry, { workerData: task.workerData, transferList: task.transferList });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      task.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(new MarginError('CANCELLED', `${task.what} was cancelled`)));
    if (task.signal?.aborted) return onAbort();
    task.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: M) => {
      if (settled) return;
      if (m.type === 'error' && m.error) finish(() => reject(new MarginError(m.error!.code, m.error!.message, m.error!.details)));
      else task.onMessage(m, (result) => finish(() => resolve(result)));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new MarginError('INTERNAL', `the worker of ${task.what} exited with code ${code}`))));
  });
}
