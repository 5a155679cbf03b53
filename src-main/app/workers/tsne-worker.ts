/**
 * Worker-thread entry that runs Barnes-Hut t-SNE (src-main/latent/tsne.ts), so that its tens of
 * seconds never stall the main process (IPC, the browser host). Cancelling terminates the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { tsne } from '../../latent/tsne.ts';
import { toErrorPayload } from '../../shared/errors.ts';

export interface TsneWorkerData {
  rows: number;
  cols: number;
  latent: Float64Array;
  perplexity: number;
  iterations: number;
}

const d = workerData as TsneWorkerData;
try {
  const y = tsne(d.latent, d.rows, d.cols, {
    perplexity: d.perplexity,
    iterations: d.iterations,
    onProgress: (done, total) => parentPort!.postMessage({ type: 'progress', done, total }),
  });
  parentPort!.postMessage({ type: 'done', y }, [y.buffer as ArrayBuffer]);
} catch (err) {
  parentPort!.postMessage({ type: 'error', error: toErrorPayload(err) });
}
