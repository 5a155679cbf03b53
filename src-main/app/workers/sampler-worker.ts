/**
 * Worker-thread entry that runs one sampler, so that a second of GMM or SVM fitting never
 * stalls the main process (IPC, the browser host). Input arrives transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSampler, type SamplerMethod, type SamplerParams } from '../../samplers/index.ts';
import { toErrorPayload } from '../../shared/errors.ts';
import { fileFitCache } from '../../store/fit-cache-files.ts';

export interface SamplerWorkerData {
  method: SamplerMethod;
  params: SamplerParams;
  rows: number;
  cols: number;
  latent: Float32Array;
  trueLabels: Int32Array;
  predLabels: Int32Array;
  numClasses: number;
  /** rows × numClasses softmax probabilities (query-strata's confidence), when known. */
  probabilities?: Float32Array;
  /** The project's fit cache (store/fit-cache-files.ts) for this checkpoint, when the sample is of a project. */
  fitCache?: { dir: string; checkpointId: number; readOnly: boolean };
}

const d = workerData as SamplerWorkerData;
try {
  const result = runSampler(
    d.method,
    { latent: { rows: d.rows, cols: d.cols, data: d.latent }, trueLabels: d.trueLabels, predLabels: d.predLabels, numClasses: d.numClasses,
      ...(d.probabilities ? { probabilities: { rows: d.rows, cols: d.numClasses, data: d.probabilities } } : {}) },
    d.params,
    {
      onProgress: (done, total) => parentPort!.postMessage({ type: 'progress', done, total }),
      ...(d.fitCache ? { fitCache: fileFitCache(d.fitCache.dir, d.fitCache.checkpointId, { readOnly: d.fitCache.readOnly }) } : {}),
    },
  );
  const transfer = [result.members.buffer as ArrayBuffer, ...(result.weights ? [result.weights.buffer as ArrayBuffer] : [])];
  parentPort!.postMessage({ type: 'done', result }, transfer);
} catch (err) {
  parentPort!.postMessage({ type: 'error', error: toErrorPayload(err) });
}
