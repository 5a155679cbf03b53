/**
 * Linear SVM by dual coordinate descent (Hsieh, Chang, Lin, Keerthi, Sundararajan, ICML 2008 —
 * LIBLINEAR's default solver, -s 1): L2-regularised, squared-hinge (L2) loss, with shrinking.
 *   min_α ½ αᵀ(Q + D)α − eᵀα,  α ≥ 0,  Q_ij = y_i y_j x_iᵀx_j,  D_ii = 1/(2C)
 * The bias is an extra constant feature (value 1), as in LIBLINEAR with -B 1.
 * Multi-class is one-vs-rest. Pure math over Float64Array.
 */

export interface LinearSvmOptions {
  /** Regularisation constant C (default 0.1: on z-scored latents it needs ~3× fewer epochs than C = 1 with the same accuracy on the benchmark). */
  c?: number;
  /** Stopping tolerance on the projected-gradient spread (LIBLINEAR's default 0.1). */
  eps?: number;
  maxIter?: number;
  /** Random permutation per epoch; pass the sampler's rng for determinism. */
  random: () => number;
}

/** Weights (d + 1 values, the last is the bias) of a binary SVM on rows `idx` of x. */
export function trainBinarySvm(
  x: Float64Array, d: number, idx: Int32Array, y: Int8Array, opts: LinearSvmOptions,
): { w: Float64Array; epochs: number } {
  const C = opts.c ?? 0.1, eps = opts.eps ?? 0.1, maxIter = opts.maxIter ?? 1000;
  const m = idx.length;
  const diag = 1 / (2 * C);
  const w = new Float64Array(d + 1);
  const alpha = new Float64Array(m);
  const qd = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    const o = idx[t] * d;
    let s = 1 + diag; // the bias feature contributes 1
    for (let a = 0; a < d; a++) s += x[o + a] * x[o + a];
    qd[t] = s;
  }
  const active = Int32Array.from({ length: m }, (_, t) => t);
  let activeSize = m;
  let pgMaxOld = Infinity, pgMinOld = -Infinity;
  let epoch = 0;
  for (; epoch < maxIter; epoch++) {
    // Fisher–Yates over the active set.
    for (let t = activeSize - 1; t > 0; t--) {
      const r = Math.floor(opts.random() * (t + 1));
      const tmp = active[t]; active[t] = active[r]; active[r] = tmp;
    }
    let pgMax = -Infinity, pgMin = Infinity;
    for (let s = 0; s < activeSize; s++) {
      const t = active[s];
      const o = idx[t] * d, yt = y[t];
      let wx = w[d];
      for (let a = 0; a < d; a++) wx += w[a] * x[o + a];
      const g = yt * wx - 1 + diag * alpha[t];
      let pg = g;
      if (alpha[t] === 0) {
        if (g > pgMaxOld) {
          // Shrink: this variable sits at its bound and is unlikely to move.
          activeSize--;
          active[s] = active[activeSize]; active[activeSize] = t;
          s--;
          continue;
        }
        if (g > 0) pg = 0;
      }
      if (pg > pgMax) pgMax = pg;
      if (pg < pgMin) pgMin = pg;
      if (Math.abs(pg) > 1e-12) {
        const old = alpha[t];
        const nv = Math.max(old - g / qd[t], 0);
        alpha[t] = nv;
        const delta = (nv - old) * yt;
        if (delta !== 0) {
          for (let a = 0; a < d; a++) w[a] += delta * x[o + a];
          w[d] += delta;
        }
      }
    }
    if (pgMax - pgMin <= eps) {
      if (activeSize === m) { epoch++; break; }
      // Converged on the shrunk problem: re-check everything once.
      activeSize = m;
      pgMaxOld = Infinity; pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMax <= 0 ? Infinity : pgMax;
    pgMinOld = pgMin >= 0 ? -Infinity : pgMin;
  }
  return { w, epochs: epoch };
}

/** Decision value wᵀx + b of row i. */
export function decision(w: Float64Array, x: Float64Array, d: number, i: number): number {
  const o = i * d;
  let s = w[d];
  for (let a = 0; a < d; a++) s += w[a] * x[o + a];
  return s;
}

/** One-vs-rest weights, one (d + 1)-vector per class, trained on rows `idx`. */
export function trainOneVsRest(
  x: Float64Array, d: number, labels: Int32Array, k: number, idx: Int32Array, opts: LinearSvmOptions,
): { weights: Float64Array[]; epochs: number } {
  const weights: Float64Array[] = [];
  let epochs = 0;
  const y = new Int8Array(idx.length);
  for (let c = 0; c < k; c++) {
    for (let t = 0; t < idx.length; t++) y[t] = labels[idx[t]] === c ? 1 : -1;
    const r = trainBinarySvm(x, d, idx, y, opts);
    weights.push(r.w);
    epochs += r.epochs;
  }
  return { weights, epochs };
}

/** Column-wise z-scoring (a constant column gets scale 1), returned as a new matrix. */
export function standardize(x: Float64Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d), sq = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) { const v = x[i * d + a]; mean[a] += v; sq[a] += v * v; }
  const out = new Float64Array(n * d);
  const scale = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    mean[a] /= n;
    const v = sq[a] / n - mean[a] * mean[a];
    scale[a] = v > 1e-24 ? 1 / Math.sqrt(v) : 1;
  }
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) out[i * d + a] = (x[i * d + a] - mean[a]) * scale[a];
  return out;
}
