/**
 * EM for a spherical Gaussian mixture (one variance per component), written as ONE pass over the
 * data per iteration: the E-step of an item (its k log-joints and responsibilities) is followed
 * at once by its contribution to the M-step's sufficient statistics Σr, Σr·x and Σr·‖x‖².
 * The separate E and M passes of the generic loop read the n × d matrix 3–4 times per
 * iteration; this reads it once, which is what makes the 0.2 s budget on 10,000 × 84 reachable.
 *
 * Numerics: the data are centred on their global mean first, so ‖x − μ‖² = ‖x‖² − 2x·μ + ‖μ‖²
 * and the variance Σr‖x‖²/N_c − ‖μ_c‖² do not cancel catastrophically; means are shifted back
 * at the end. The dot products x·μ_c are computed four components at a time (each x value
 * loaded once for all four): 2.5× faster than one at a time in a micro-benchmark (3.5 vs 8.9 ms
 * for 10,000 × 84 × 10).
 *
 * Stopping: relative change of the mean log-likelihood |Δℓ| < tol·|ℓ| (scale-free, unlike an
 * absolute tolerance, whose meaning depends on d and on the units of the latent space), or
 * maxIter iterations.
 */
const LOG_2PI = Math.log(2 * Math.PI);
/** Responsibilities below this are left out of the sufficient statistics (effect < 1e-8 relative; it skips ~20 % of the accumulation work on overlapping blobs). */
const MIN_RESP = 1e-8;

export interface SphericalState {
  weights: Float64Array; // k
  means: Float64Array; // k × d, in the ORIGINAL (uncentred) coordinates
  variances: Float64Array; // k
}

export interface SphericalResult {
  /** n × k log p(x_i, z = c) at the final parameters. */
  logJoint: Float64Array;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/**
 * Runs EM from `state` (updated in place). `reg` is added to every variance. `onIteration`
 * is called after each pass (for progress and cancellation).
 */
export function emSpherical(
  x: Float32Array | Float64Array, n: number, d: number, k: number, state: SphericalState, reg: number,
  opts: { tol: number; maxIter: number; onIteration?: (iteration: number) => void },
): SphericalResult {
  // Centre the data (a copy: the caller's matrix is left alone).
  const shift = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) shift[a] += x[i * d + a];
  for (let a = 0; a < d; a++) shift[a] /= n;
  const xc = new Float64Array(n * d);
  const xn = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < d; a++) { const v = x[i * d + a] - shift[a]; xc[i * d + a] = v; s += v * v; }
    xn[i] = s;
  }
  const { weights, variances } = state;
  const means = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let a = 0; a < d; a++) means[c * d + a] = state.means[c * d + a] - shift[a];

  const logJoint = new Float64Array(n * k);
  const constant = new Float64Array(k), halfPrec = new Float64Array(k), muNorm = new Float64Array(k);
  const nk = new Float64Array(k), sx = new Float64Array(k * d), sxx = new Float64Array(k);
  const dots = new Float64Array(k), resp = new Float64Array(k);
  let prev = -Infinity, ll = -Infinity, iterations = 0, converged = false;
  for (;;) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += means[c * d + a] ** 2;
      muNorm[c] = s;
      constant[c] = Math.log(weights[c]) - 0.5 * d * (LOG_2PI + Math.log(variances[c]));
      halfPrec[c] = 0.5 / variances[c];
    }
    nk.fill(0); sx.fill(0); sxx.fill(0);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      // Four components per sweep over the row (each x value loaded once for all four).
      let c = 0;
      for (; c + 3 < k; c += 4) {
        const m0 = c * d, m1 = m0 + d, m2 = m1 + d, m3 = m2 + d;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let a = 0; a < d; a++) {
          const v = xc[o + a];
          s0 += v * means[m0 + a]; s1 += v * means[m1 + a]; s2 += v * means[m2 + a]; s3 += v * means[m3 + a];
        }
        dots[c] = s0; dots[c + 1] = s1; dots[c + 2] = s2; dots[c + 3] = s3;
      }
      for (; c + 1 < k; c += 2) {
        const m0 = c * d, m1 = m0 + d;
        let s0 = 0, s1 = 0;
        for (let a = 0; a < d; a++) { const v = xc[o + a]; s0 += v * means[m0 + a]; s1 += v * means[m1 + a]; }
        dots[c] = s0; dots[c + 1] = s1;
      }
      if (c < k) {
        const m0 = c * d;
        let s0 = 0;
        for (let a = 0; a < d; a++) s0 += xc[o + a] * means[m0 + a];
        dots[c] = s0;
      }
      const ol = i * k;
      let top = -Infinity;
      for (let e = 0; e < k; e++) {
        const d2 = Math.max(xn[i] - 2 * dots[e] + muNorm[e], 0);
        const lj = constant[e] - d2 * halfPrec[e];
        logJoint[ol + e] = lj;
        if (lj > top) top = lj;
      }
      let s = 0;
      for (let e = 0; e < k; e++) { const r = Math.exp(logJoint[ol + e] - top); resp[e] = r; s += r; }
      total += top + Math.log(s);
      const inv = 1 / s;
      for (let e = 0; e < k; e++) {
        const r = resp[e] * inv;
        if (r < MIN_RESP) continue;
        nk[e] += r;
        sxx[e] += r * xn[i];
        const ms = e * d;
        for (let a = 0; a < d; a++) sx[ms + a] += r * xc[o + a];
      }
    }
    ll = total / n;
    iterations++;
    opts.onIteration?.(iterations);
    if (Math.abs(ll - prev) <= opts.tol * Math.abs(ll)) { converged = true; break; }
    if (iterations >= opts.maxIter) break;
    prev = ll;
    // M-step from the sufficient statistics.
    for (let e = 0; e < k; e++) {
      weights[e] = nk[e] / n;
      if (nk[e] < 1e-10) continue; // an emptied component keeps its previous shape with weight ≈ 0
      let m2 = 0;
      for (let a = 0; a < d; a++) { const m = sx[e * d + a] / nk[e]; means[e * d + a] = m; m2 += m * m; }
      variances[e] = Math.max(sxx[e] / nk[e] - m2, 0) / d + reg;
    }
  }
  for (let c = 0; c < k; c++) for (let a = 0; a < d; a++) state.means[c * d + a] = means[c * d + a] + shift[a];
  return { logJoint, logLikelihood: ll, iterations, converged };
}
