/**
 * Seeded synthetic experiment data for tests and the benchmark: latent blobs with boundary
 * errors (samplers/synthetic.ts) plus per-layer "activations" — ReLU of a class prototype
 * mixed toward the predicted class's prototype for misclassified items, plus noise — so that
 * subsets by (class, correct/incorrect) have distinct answers, as in a real network.
 */
import type { Matrix } from '../core/matrix.ts';
import { createRng } from '../core/rng.ts';
import { makeBlobs } from '../samplers/synthetic.ts';
import type { ExperimentData } from './types.ts';

export interface SyntheticOptions {
  n: number;
  d: number;
  k: number;
  seed: number;
  /** Units per layer (default [64, 32]). */
  widths?: number[];
  wrongFraction?: number;
}

export function makeExperimentData(o: SyntheticOptions): ExperimentData {
  const blobs = makeBlobs({ n: o.n, d: o.d, k: o.k, seed: o.seed, wrongFraction: o.wrongFraction, separation: 3 });
  const rng = createRng(o.seed + 1);
  const widths = o.widths ?? [64, 32];
  const layers = widths.map((w, li) => {
    const proto = new Float32Array(o.k * w);
    for (let t = 0; t < proto.length; t++) proto[t] = rng.normal();
    const data = new Float32Array(o.n * w);
    for (let i = 0; i < o.n; i++) {
      const t = blobs.trueLabels[i], p = blobs.predLabels[i];
      const mix = t === p ? 0.1 * rng.next() : 0.5;
      const ot = t * w, op = p * w, o2 = i * w;
      for (let u = 0; u < w; u++) {
        const v = (1 - mix) * proto[ot + u] + mix * proto[op + u] + 0.7 * rng.normal();
        data[o2 + u] = v > 0 ? v : 0;
      }
    }
    const matrix: Matrix<Float32Array> = { rows: o.n, cols: w, data };
    return { name: `layer${li + 1}`, matrix };
  });
  return { latent: blobs.latent, trueLabels: blobs.trueLabels, predLabels: blobs.predLabels, numClasses: o.k, layers };
}
