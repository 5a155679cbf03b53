/**
 * The batch-processing side of the runner: loads the backend and the model once, then answers
 * requests "run items [start, start+count) and return these layers". Used inside a worker
 * thread (worker-entry.ts) and, with the same code, in the calling thread when workers = 0.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BatchOutput } from '../core/extraction-types.ts';
import { badInput, toErrorPayload, type ErrorPayload } from '../shared/errors.ts';
import { initBackend, type BackendName } from './backend.ts';
import { createExtractor, type Extractor } from './extractor.ts';
import { checkInputShape, loadModel } from './model-io.ts';
import type { RunnerOptions } from './runner.ts';

/** What each worker is started with: the runner's options, with the batch size settled. */
export type WorkerConfig = Omit<RunnerOptions, 'batchSize' | 'workers'> & { batchSize: number };

export interface RunRequest { id: number; start: number; count: number; layerNames: string[] }
export type RunReply = { id: number; output: BatchOutput } | { id: number; error: ErrorPayload };

export interface BatchWorker {
  engine: BackendName;
  run(start: number, count: number, layerNames: string[]): BatchOutput;
  dispose(): void;
}

export async function createBatchWorker(cfg: WorkerConfig): Promise<BatchWorker> {
  const backend = await initBackend(cfg.backend);
  const model: tf.LayersModel = await loadModel(cfg.modelJsonPath);
  checkInputShape(model, cfg);
  const per = cfg.height * cfg.width * cfg.channels;
  const n = cfg.pixels.length / per;
  // One extractor (one multi-output sub-model) per distinct list of requested layers.
  const extractors = new Map<string, Extractor>();
  return {
    engine: backend.name,
    run(start, count, layerNames) {
      if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > n) {
        throw badInput(`runner.run: items [${start}, ${start + count}) are outside the data set of ${n} items`);
      }
      const key = JSON.stringify(layerNames);
      let ex = extractors.get(key);
      if (!ex) {
        ex = createExtractor(model, { layerNames, latentLayer: cfg.latentLayer, batchSize: cfg.batchSize, pixelScale: cfg.pixelScale });
        extractors.set(key, ex);
      }
      return ex.run(cfg.pixels.subarray(start * per, (start + count) * per), count);
    },
    dispose() {
      for (const ex of extractors.values()) ex.dispose();
      model.dispose();
    },
  };
}

/** Handles one request; never throws (errors travel back as payloads). */
export function handleRequest(worker: BatchWorker, req: RunRequest): RunReply {
  try {
    return { id: req.id, output: worker.run(req.start, req.count, req.layerNames) };
  } catch (err) {
    return { id: req.id, error: toErrorPayload(err) };
  }
}

/** The ArrayBuffers of an output, to transfer instead of copy. */
export function transferList(out: BatchOutput): ArrayBuffer[] {
  const bufs = new Set<ArrayBuffer>();
  for (const a of [out.logits, out.probs, out.predicted, out.latent, ...out.layers.map((l) => l.data)]) bufs.add(a.buffer as ArrayBuffer);
  return [...bufs];
}
