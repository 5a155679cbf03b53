/**
 * Entry point of a runner worker thread (started with `--import tsx`, so it is TypeScript).
 * Protocol: parent → {id, start, count, layerNames}; worker → {type:'ready', engine} once, then a
 * RunReply per request; a request of {id: -1} closes the worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorPayload } from '../shared/errors.ts';
import { createBatchWorker, handleRequest, transferList, type RunRequest, type WorkerConfig } from './worker.ts';

const port = parentPort!;
const cfg = workerData as WorkerConfig & { pixelsBuffer: SharedArrayBuffer; pixelsType: 'uint8' | 'float32' };
const pixels = cfg.pixelsType === 'uint8' ? new Uint8Array(cfg.pixelsBuffer) : new Float32Array(cfg.pixelsBuffer);

try {
  const worker = await createBatchWorker({ ...cfg, pixels });
  port.on('message', (req: RunRequest) => {
    if (req.id === -1) {
      worker.dispose();
      port.close();
      return;
    }
    const reply = handleRequest(worker, req);
    port.postMessage(reply, 'output' in reply ? transferList(reply.output) : []);
  });
  port.postMessage({ type: 'ready', engine: worker.engine });
} catch (err) {
  port.postMessage({ type: 'failed', error: toErrorPayload(err) });
}
