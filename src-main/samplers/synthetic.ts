/**
 * Seeded synthetic latent spaces for tests and the benchmark: anisotropic Gaussian blobs with
 * some overlap, and "predicted" labels that are wrong for the items nearest the class
 * boundaries — the shape of a real classifier's last hidden layer.
 */
import type { Matrix } from '../core/matrix.ts';
import { createRng } from '../core/rng.ts';
import type { SamplerInput } from './types.ts';

export interface BlobOptions {
  n: number;
  d: number;
  k: number;
  seed: number;
  /** Distance between class means in units of the blobs' typical spread (default 2.5). */
  separation?: number;
  /** Share of items whose predicted label is wrong (the most ambiguous ones; default 0.1). */
  wrongFraction?: number;
}

export function makeBlobs(o: BlobOptions): SamplerInput & { means: Float64Array } {
  const { n, d, k } = o;
  const rng = createRng(o.seed);
  const sep = o.separation ?? 2.5;
  const wrong = o.wrongFraction ?? 0.1;
  // Class means: random directions of length sep/√2, so two means are ≈ sep apart, while
  // each blob's spread along any direction is ≈ 1.
  const means = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let a = 0; a < d; a++) { const v = rng.normal(); means[c * d + a] = v; s += v * v; }
    const scale = sep / Math.SQRT2 / Math.sqrt(s);
    for (let a = 0; a < d; a++) means[c * d + a] *= scale;
  }
  // Per-class anisotropy: a random orthonormal basis (Gram–Schmidt) with spreads decaying
  // along it (2·e^(−a/6) + 0.1), so each blob has a low intrinsic dimension and a
  // non-diagonal covariance, as real latent spaces do.
  const bases = new Float64Array(k * d * d);
  for (let c = 0; c < k; c++) {
    const q = bases.subarray(c * d * d, (c + 1) * d * d);
    for (let r = 0; r < d; r++) {
      for (;;) {
        for (let a = 0; a < d; a++) q[r * d + a] = rng.normal();
        for (let p = 0; p < r; p++) {
          let dot = 0;
          for (let a = 0; a < d; a++) dot += q[r * d + a] * q[p * d + a];
          for (let a = 0; a < d; a++) q[r * d + a] -= dot * q[p * d + a];
        }
        let norm = 0;
        for (let a = 0; a < d; a++) norm += q[r * d + a] ** 2;
        if (norm > 1e-8) { norm = Math.sqrt(norm); for (let a = 0; a < d; a++) q[r * d + a] /= norm; break; }
      }
    }
  }
  const spread = Float64Array.from({ length: d }, (_, a) => 2 * Math.exp(-a / 6) + 0.1);
  const data = new Float32Array(n * d);
  const trueLabels = new Int32Array(n);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    trueLabels[i] = c;
    for (let a = 0; a < d; a++) row[a] = means[c * d + a];
    for (let r = 0; r < d; r++) {
      const z = rng.normal() * spread[r], o = c * d * d + r * d;
      for (let a = 0; a < d; a++) row[a] += z * bases[o + a];
    }
    for (let a = 0; a < d; a++) data[i * d + a] = row[a];
  }
  // Predictions: nearest mean; then the `wrong` share with the smallest margin get the
  // runner-up class, so errors sit on the boundaries.
  const predLabels = new Int32Array(n);
  const margin = new Float64Array(n);
  const second = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b1 = Infinity, b2 = Infinity, c1 = 0, c2 = 0;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let a = 0; a < d; a++) { const t = data[i * d + a] - means[c * d + a]; s += t * t; }
      if (s < b1) { b2 = b1; c2 = c1; b1 = s; c1 = c; } else if (s < b2) { b2 = s; c2 = c; }
    }
    predLabels[i] = c1;
    second[i] = c1 === trueLabels[i] ? c2 : c1;
    margin[i] = c1 === trueLabels[i] ? Math.sqrt(b2) - Math.sqrt(b1) : -1;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => margin[a] - margin[b]);
  let wrongNow = 0;
  for (let i = 0; i < n; i++) if (predLabels[i] !== trueLabels[i]) wrongNow++;
  for (const i of order) {
    if (wrongNow >= Math.round(wrong * n)) break;
    if (predLabels[i] === trueLabels[i]) { predLabels[i] = second[i]; wrongNow++; }
  }
  const latent: Matrix<Float32Array> = { rows: n, cols: d, data };
  return { latent, trueLabels, predLabels, numClasses: k, means };
}
