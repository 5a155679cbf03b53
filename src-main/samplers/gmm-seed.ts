/** Re-seeding an empty mixture component, shared by the full-covariance and spherical GMM fits. */
import type { Rng } from '../core/rng.ts';

/**
 * Seeds the mean of empty component `c` at an item drawn by D² sampling against the means of the
 * populated components (the k-means++ step). Components still empty (counts 0) are not measured against.
 */
export function seedEmptyComponent(
  x: Float64Array, n: number, d: number, k: number, counts: ArrayLike<number>, means: Float64Array, c: number, rng: Rng,
): void {
  const dmin = new Float64Array(n).fill(Infinity);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let e = 0; e < k; e++) {
      if (counts[e] === 0) continue;
      let s = 0;
      for (let a = 0; a < d; a++) { const t = x[i * d + a] - means[e * d + a]; s += t * t; }
      if (s < dmin[i]) dmin[i] = s;
    }
    total += dmin[i];
  }
  let u = rng.next() * total, pick = n - 1;
  for (let i = 0; i < n; i++) { u -= dmin[i]; if (u < 0) { pick = i; break; } }
  means.set(x.subarray(pick * d, pick * d + d), c * d);
}
