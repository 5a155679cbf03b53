/**
 * Worker-thread entry that runs the paper's experiments on data handed over by the main
 * process (src-main/app/services/evaluate.ts), so minutes of sampling and scanning never stall
 * IPC or the browser host. The matrices arrive in SharedArrayBuffers (no copy). Each finished
 * experiment is posted at once, so the caller can store it while the next one runs; cancelling
 * is the caller terminating this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorPayload } from '../shared/errors.ts';
import { runE1, runE2, runE3, runE4, runTable4 } from './index.ts';
import type { ExperimentData } from './types.ts';
import type { SamplerOptionsByMethod } from '../shared/sampler-variants.ts';
import type { SubsetAggregates } from '../queries/index.ts';
import { fitStats, useExactAggregates } from './scoring.ts';
import { fileFitCache } from '../store/fit-cache-files.ts';

export type ExperimentName = 'e1' | 'e2' | 'e3' | 'e4' | 'table4';

export interface ExperimentWorkerData {
  experiments: ExperimentName[];
  seeds: number;
  /** E1's fractions (default the paper's five). */
  fractions?: number[];
  /** Options per sampler (default {} = Margin's defaults). */
  samplerOptions?: SamplerOptionsByMethod;
  latent: { rows: number; cols: number; data: Float32Array };
  trueLabels: Int32Array;
  predLabels: Int32Array;
  numClasses: number;
  /** rows × numClasses softmax probabilities, when the checkpoint has them. */
  probabilities?: Float32Array;
  layers: Array<{ name: string; rows: number; cols: number; data: Float32Array }>;
  /** The exact answers' aggregates computed on a cluster (per layer, per combination group); else scanned here. */
  exact?: Array<Array<SubsetAggregates | null>>;
  /**
   * The project's fit cache of this checkpoint (store/fit-cache-files.ts): E1–E3 and Table IV read
   * and keep their MaxMargin and GMM fits there; read-only, they only read it (new fits stay in
   * memory for the run). E4 never uses it. Absent: fits in memory only.
   */
  fitCache?: { dir: string; checkpointId: number; readOnly: boolean };
}

/** Fits of an experiment read from the project's fit cache (reused) and fitted (computed). */
export interface FitCounts { reused: number; computed: number }

export type ExperimentWorkerMessage =
  | { type: 'progress'; experiment: ExperimentName; done: number; total: number; message?: string }
  | { type: 'result'; experiment: ExperimentName; rows: unknown[]; seconds: number; fits: FitCounts }
  | { type: 'done' }
  | { type: 'error'; error: ReturnType<typeof toErrorPayload> };

const RUNNERS = { e1: runE1, e2: runE2, e3: runE3, e4: runE4, table4: runTable4 } as const;

if (parentPort) {
  const d = workerData as ExperimentWorkerData;
  const post = (m: ExperimentWorkerMessage) => parentPort!.postMessage(m);
  try {
    const data: ExperimentData = {
      latent: d.latent,
      trueLabels: d.trueLabels,
      predLabels: d.predLabels,
      numClasses: d.numClasses,
      ...(d.probabilities ? { probabilities: { rows: d.latent.rows, cols: d.numClasses, data: d.probabilities } } : {}),
      layers: d.layers.map((l) => ({ name: l.name, matrix: { rows: l.rows, cols: l.cols, data: l.data } })),
    };
    if (d.exact) useExactAggregates(data, d.exact);
    const fitCache = d.fitCache ? fileFitCache(d.fitCache.dir, d.fitCache.checkpointId, { readOnly: d.fitCache.readOnly }) : undefined;
    for (const experiment of d.experiments) {
      const t0 = performance.now();
      const before = fitStats(data);
      const rows: unknown[] = RUNNERS[experiment](data, {
        seeds: d.seeds,
        ...(d.fractions ? { fractions: d.fractions } : {}),
        ...(d.samplerOptions ? { samplerOptions: d.samplerOptions } : {}),
        ...(fitCache ? { fitCache } : {}), // runE4 ignores it: it times the fits
        onProgress: (done, total, message) => post({ type: 'progress', experiment, done, total, message }),
      });
      const after = fitStats(data);
      const fits = { reused: after.reused - before.reused, computed: after.computed - before.computed };
      post({ type: 'result', experiment, rows, seconds: (performance.now() - t0) / 1000, fits });
    }
    post({ type: 'done' });
  } catch (err) {
    post({ type: 'error', error: toErrorPayload(err) });
  }
}
