/**
 * Platt scaling: P(y = 1 | f) = 1 / (1 + exp(A·f + B)), fitted by the robust Newton method
 * with backtracking of Lin, Lin & Weng ("A note on Platt's probabilistic outputs for support
 * vector machines", Machine Learning 2007), with Platt's smoothed targets
 * t₊ = (N₊ + 1)/(N₊ + 2), t₋ = 1/(N₋ + 2). The objective and its derivatives are computed in
 * a form that never overflows exp().
 */

export interface PlattModel { a: number; b: number; iterations: number }

export function fitPlatt(dec: Float64Array, positive: Uint8Array): PlattModel {
  const n = dec.length;
  let prior1 = 0;
  for (let i = 0; i < n; i++) prior1 += positive[i];
  const prior0 = n - prior1;
  const hi = (prior1 + 1) / (prior1 + 2), lo = 1 / (prior0 + 2);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = positive[i] ? hi : lo;
  const maxIter = 100, minStep = 1e-10, sigma = 1e-12, eps = 1e-5;
  let a = 0, b = Math.log((prior0 + 1) / (prior1 + 1));
  const objective = (A: number, B: number): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const fApB = dec[i] * A + B;
      f += fApB >= 0 ? t[i] * fApB + Math.log1p(Math.exp(-fApB)) : (t[i] - 1) * fApB + Math.log1p(Math.exp(fApB));
    }
    return f;
  };
  let fval = objective(a, b);
  let it = 0;
  for (; it < maxIter; it++) {
    // Gradient and Hessian (+σ on the diagonal keeps it positive definite).
    let h11 = sigma, h22 = sigma, h21 = 0, g1 = 0, g2 = 0;
    for (let i = 0; i < n; i++) {
      const fApB = dec[i] * a + b;
      let p: number, q: number;
      if (fApB >= 0) { const e = Math.exp(-fApB); p = e / (1 + e); q = 1 / (1 + e); }
      else { const e = Math.exp(fApB); p = 1 / (1 + e); q = e / (1 + e); }
      const d2 = p * q;
      h11 += dec[i] * dec[i] * d2; h22 += d2; h21 += dec[i] * d2;
      const d1 = t[i] - p;
      g1 += dec[i] * d1; g2 += d1;
    }
    if (Math.abs(g1) < eps && Math.abs(g2) < eps) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    while (step >= minStep) {
      const na = a + step * dA, nb = b + step * dB;
      const nf = objective(na, nb);
      if (nf < fval + 0.0001 * step * gd) { a = na; b = nb; fval = nf; break; }
      step /= 2;
    }
    if (step < minStep) break; // line search failed: keep the best point found
  }
  return { a, b, iterations: it };
}

export function plattProbability(m: PlattModel, f: number): number {
  const fApB = f * m.a + m.b;
  return fApB >= 0 ? Math.exp(-fApB) / (1 + Math.exp(-fApB)) : 1 / (1 + Math.exp(fApB));
}
