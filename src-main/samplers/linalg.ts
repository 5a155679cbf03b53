/**
 * Small dense linear-algebra kernels over Float64Array (row-major), written for the samplers:
 * column means, covariance, symmetric eigen-decomposition (cyclic Jacobi), Cholesky and
 * log-sum-exp. Sizes here are d ≤ a few hundred, so simple cache-friendly loops suffice.
 */
import type { Matrix } from '../core/matrix.ts';

/** A Float64 copy of the latent matrix: the kernels below accumulate in double precision. */
export function toF64(m: Matrix): Float64Array {
  // The typed-array constructor converts in native code; Float64Array.from iterates in JS (~10× slower).
  return new Float64Array(m.data);
}

export function columnMeans(x: Float32Array | Float64Array, n: number, d: number): Float64Array {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let a = 0; a < d; a++) mu[a] += x[o + a];
  }
  for (let a = 0; a < d; a++) mu[a] /= n;
  return mu;
}

/**
 * Covariance (divided by n) of the rows of x about mu. Rows are centred in blocks and
 * transposed so that each entry is a contiguous dot product.
 */
export function covariance(x: Float64Array, n: number, d: number, mu: Float64Array): Float64Array {
  const c = new Float64Array(d * d);
  const B = 512;
  const t = new Float64Array(d * B);
  for (let i0 = 0; i0 < n; i0 += B) {
    const m = Math.min(B, n - i0);
    for (let r = 0; r < m; r++) {
      const o = (i0 + r) * d;
      for (let a = 0; a < d; a++) t[a * B + r] = x[o + a] - mu[a];
    }
    accumulateGram(t, B, m, d, c);
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = c[a * d + b] / n;
      c[a * d + b] = v;
      c[b * d + a] = v;
    }
  }
  return c;
}

/**
 * c[a][b] += Σ_r t[a][r]·t[b][r] for b ≥ a (upper triangle), t stored d × stride.
 * 2 × 4 register tiles: eight independent sums per pass over r, each loaded value used 2–4 times
 * (a single running sum is one long chain of dependent adds; at d = 84 the tiles are ~3× faster).
 */
export function accumulateGram(t: Float64Array, stride: number, m: number, d: number, c: Float64Array): void {
  let a = 0;
  for (; a + 1 < d; a += 2) {
    const oa = a * stride, oa1 = oa + stride;
    let b = a;
    for (; b + 3 < d; b += 4) {
      const o0 = b * stride, o1 = o0 + stride, o2 = o1 + stride, o3 = o2 + stride;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let r = 0; r < m; r++) {
        const x0 = t[oa + r], x1 = t[oa1 + r];
        const y0 = t[o0 + r], y1 = t[o1 + r], y2 = t[o2 + r], y3 = t[o3 + r];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      const r0 = a * d + b, r1 = r0 + d;
      c[r0] += s00; c[r0 + 1] += s01; c[r0 + 2] += s02; c[r0 + 3] += s03;
      if (b > a) c[r1] += s10; // on the diagonal tile (a+1, a) is below the diagonal
      c[r1 + 1] += s11; c[r1 + 2] += s12; c[r1 + 3] += s13;
    }
    for (; b < d; b++) {
      // The last columns (d − a not a multiple of 4), for rows a and a + 1.
      const ob = b * stride;
      let s0 = 0, s1 = 0;
      for (let r = 0; r < m; r++) { const y = t[ob + r]; s0 += t[oa + r] * y; s1 += t[oa1 + r] * y; }
      c[a * d + b] += s0;
      if (b > a) c[(a + 1) * d + b] += s1;
    }
  }
  if (a < d) {
    // d odd: the last diagonal entry.
    const oa = a * stride;
    let s = 0;
    for (let r = 0; r < m; r++) s += t[oa + r] * t[oa + r];
    c[a * d + a] += s;
  }
}

/**
 * Eigen-decomposition of a symmetric d × d matrix by cyclic Jacobi rotations.
 * Returns eigenvalues in descending order and the matching eigenvectors as rows of `vectors`.
 */
export function symmetricEigen(s: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(s);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let p = 0; p < d; p++) {
      diag += a[p * d + p] * a[p * d + p];
      for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * d + p], aqq = a[q * d + q];
        const theta = (aqq - app) / (2 * apq);
        const tt = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(tt * tt + 1), sn = tt * cs;
        // Rotate rows/columns p and q of a.
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p], akq = a[k * d + q];
          a[k * d + p] = cs * akp - sn * akq;
          a[k * d + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k], aqk = a[q * d + k];
          a[p * d + k] = cs * apk - sn * aqk;
          a[q * d + k] = sn * apk + cs * aqk;
        }
        // Accumulate the rotation into the eigenvector rows.
        for (let k = 0; k < d; k++) {
          const vpk = v[p * d + k], vqk = v[q * d + k];
          v[p * d + k] = cs * vpk - sn * vqk;
          v[q * d + k] = sn * vpk + cs * vqk;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, k) => a[k * d + k] - a[i * d + i]);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((src, dst) => {
    values[dst] = a[src * d + src];
    vectors.set(v.subarray(src * d, src * d + d), dst * d);
  });
  return { values, vectors };
}

/**
 * In-place Cholesky factorisation of a symmetric positive-definite d × d matrix: on return the
 * lower triangle holds L with A = L·Lᵀ (upper triangle zeroed). Returns false if not SPD.
 */
export function choleskyInPlace(a: Float64Array, d: number): boolean {
  for (let j = 0; j < d; j++) {
    const oj = j * d;
    let s = a[oj + j];
    for (let k = 0; k < j; k++) s -= a[oj + k] * a[oj + k];
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    a[oj + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      const oi = i * d;
      let t = a[oi + j];
      for (let k = 0; k < j; k++) t -= a[oi + k] * a[oj + k];
      a[oi + j] = t / ljj;
    }
    for (let k = j + 1; k < d; k++) a[oj + k] = 0;
  }
  return true;
}

/**
 * Cholesky factor of the d×d matrix `src` into `f` (lower triangle, as choleskyInPlace). A numerically
 * indefinite `src` gets a diagonal jitter growing ×10 from 1e-10·(1 + |src₀₀|) until it factors.
 */
export function choleskyJittered(src: Float64Array, f: Float64Array, d: number): void {
  f.set(src);
  let jitter = 0;
  while (!choleskyInPlace(f, d)) {
    jitter = jitter === 0 ? 1e-10 * (1 + Math.abs(src[0])) : jitter * 10;
    f.set(src);
    for (let a = 0; a < d; a++) f[a * d + a] += jitter;
  }
}

/** log Σ exp(v[i]) over i in [from, to), stable for large magnitudes. */
export function logSumExp(v: ArrayLike<number>, from = 0, to = v.length): number {
  let m = -Infinity;
  for (let i = from; i < to; i++) if (v[i] > m) m = v[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = from; i < to; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

/**
 * Principal component scores: the rows of x (n × d) centred and projected onto the top k
 * eigenvectors of their covariance. Returns n × k scores and the explained variances.
 */
export function pcaScores(x: Float64Array, n: number, d: number, k: number): { scores: Float64Array; variances: Float64Array } {
  const mu = columnMeans(x, n, d);
  const { values, vectors } = symmetricEigen(covariance(x, n, d, mu), d);
  const scores = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let c = 0; c < k; c++) {
      const ov = c * d;
      let s = 0;
      for (let a = 0; a < d; a++) s += (x[o + a] - mu[a]) * vectors[ov + a];
      scores[i * k + c] = s;
    }
  }
  return { scores, variances: values.slice(0, k) };
}
