/**
 * EM for a spherical Gaussian mixture (one variance per component), written as ONE pass over the
 * data per iteration: the E-step of an item (its k log-joints and responsibilities) is followed
 * at once by its contribution to the M-step's sufficient statistics Σr, Σr·x and Σr·‖x‖².
 *
 * The pass runs over FIXED chunks of CHUNK items (`sphericalChunk`, a worker-pool kernel:
 * gmm-pool-kernels.ts); each chunk writes its own partial sums and the chunks' sums are added in
 * chunk order, so the result is the same whether one thread or several ran the chunks.
 *
 * Setup is one pass too (`fitSpherical`): the data are centred on their global mean (a Float64
 * copy on a SharedArrayBuffer, with each row's ‖x‖²), which also gives the mean feature variance
 * (for reg) and, with the predicted labels, the initial hard-assignment parameters.
 *
 * Numerics: centred data, so ‖x − μ‖² = ‖x‖² − 2x·μ + ‖μ‖² and the variance Σr‖x‖²/N_c − ‖μ_c‖²
 * do not cancel catastrophically; means are shifted back at the end. The dot products x·μ_c are
 * computed four components at a time (each x value loaded once for all four).
 *
 * Stopping: relative change of the mean log-likelihood |Δℓ| < tol·|ℓ| (scale-free), or maxIter.
 *
 * WebAssembly: with an arena (gmm-wasm.ts) the chunk's dot products (`sphdots`, components in
 * SIMD lanes over the means transposed) and its sufficient statistics (`sphaccum`) run as
 * WebAssembly SIMD; the log-joints and responsibilities between them stay here (exp and log).
 * Every number is the JavaScript pass's, bit for bit (gmm-wasm.test.ts).
 */
import type { Rng } from '../core/rng.ts';
import type { SyncPool } from '../system/worker-pool.ts';
import { seedEmptyComponent } from './gmm-seed.ts';
import { kernelsFor, wasmRef, type WasmArena, type WasmRef } from './gmm-wasm.ts';

const LOG_2PI = Math.log(2 * Math.PI);
/** Responsibilities below this are left out of the sufficient statistics (effect < 1e-8 relative; it skips ~20 % of the accumulation work on overlapping blobs). */
const MIN_RESP = 1e-8;
/**
 * A component more than this many nats below an item's best gets responsibility 0 without an exp
 * (and the best itself 1, which is exp(0) exactly):
 * its e^−50 ≈ 2e-22 is far below MIN_RESP (so it never entered the sums) and changes the item's
 * normaliser by < k·2e-22 relative, under half an ulp. On the demo latent 83 % of the item ×
 * component pairs are 50–746 nats behind, and the fit is bit-identical with and without the cut.
 */
const NEGLIGIBLE = 50;
/** Items per chunk of the fused pass (fixed: the partial sums, hence the result, do not depend on the threads). */
export const SPHERICAL_CHUNK = 2048;

export interface SphericalFit {
  weights: Float64Array; // k
  means: Float64Array; // k × d, in the ORIGINAL (uncentred) coordinates
  variances: Float64Array; // k
  /** n × k log p(x_i, z = c) at the final parameters. */
  logJoint: Float64Array;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/** What one chunk of the fused pass reads and writes (all arrays shared with the pool's helpers). */
export interface SphericalChunkArgs {
  xc: Float64Array; xn: Float64Array; n: number; d: number; k: number;
  means: Float64Array; constant: Float64Array; halfPrec: Float64Array; muNorm: Float64Array;
  logJoint: Float64Array; itemLL: Float64Array;
  /** Per chunk: nk (k), sx (k × d), sxx (k). */
  nkC: Float64Array; sxC: Float64Array; sxxC: Float64Array;
  /** Run the chunk's arithmetic as WebAssembly (every array above but itemLL and means then lives in the arena). */
  wasm?: SphericalWasm | null;
}

/** The WebAssembly operands: byte offsets in the arena. */
export interface SphericalWasm extends WasmRef {
  /** The means transposed, d × k (refreshed by fitSpherical before each pass). */
  mt: number;
  /**
   * Per chunk, at buf + chunk·bufStride: SPHERICAL_CHUNK × k dot products, as many responsibilities,
   * SPHERICAL_CHUNK item maxima (float64), then SPHERICAL_CHUNK × k live component lists and
   * SPHERICAL_CHUNK counts (int32).
   */
  buf: number;
  bufStride: number;
}

const shared = (len: number) => new Float64Array(new SharedArrayBuffer(8 * len));

/** E-step and sufficient statistics of items [chunk·CHUNK, …) at the parameters in `a`. */
export function sphericalChunk(a: SphericalChunkArgs, chunk: number): void {
  const { xc, xn, d, k, means, constant, halfPrec, muNorm, logJoint, itemLL } = a;
  const from = chunk * SPHERICAL_CHUNK, to = Math.min(a.n, from + SPHERICAL_CHUNK);
  const nk = a.nkC.subarray(chunk * k, chunk * k + k), sxx = a.sxxC.subarray(chunk * k, chunk * k + k);
  const sx = a.sxC.subarray(chunk * k * d, (chunk + 1) * k * d);
  nk.fill(0); sx.fill(0); sxx.fill(0);
  if (a.wasm) {
    sphericalChunkWasm(a, a.wasm, from, to, nk, sx, sxx);
    return;
  }
  const dots = new Float64Array(k), resp = new Float64Array(k);
  for (let i = from; i < to; i++) {
    const o = i * d;
    // Four components per sweep over the row (each x value loaded once for all four).
    let c = 0;
    for (; c + 3 < k; c += 4) {
      const m0 = c * d, m1 = m0 + d, m2 = m1 + d, m3 = m2 + d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let t = 0; t < d; t++) {
        const v = xc[o + t];
        s0 += v * means[m0 + t]; s1 += v * means[m1 + t]; s2 += v * means[m2 + t]; s3 += v * means[m3 + t];
      }
      dots[c] = s0; dots[c + 1] = s1; dots[c + 2] = s2; dots[c + 3] = s3;
    }
    for (; c + 1 < k; c += 2) {
      const m0 = c * d, m1 = m0 + d;
      let s0 = 0, s1 = 0;
      for (let t = 0; t < d; t++) { const v = xc[o + t]; s0 += v * means[m0 + t]; s1 += v * means[m1 + t]; }
      dots[c] = s0; dots[c + 1] = s1;
    }
    if (c < k) {
      const m0 = c * d;
      let s0 = 0;
      for (let t = 0; t < d; t++) s0 += xc[o + t] * means[m0 + t];
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
    for (let e = 0; e < k; e++) { const g = logJoint[ol + e] - top, r = g < -NEGLIGIBLE ? 0 : g === 0 ? 1 : Math.exp(g); resp[e] = r; s += r; }
    itemLL[i] = top + Math.log(s);
    const inv = 1 / s;
    for (let e = 0; e < k; e++) {
      const r = resp[e] * inv;
      if (r < MIN_RESP) continue;
      nk[e] += r;
      sxx[e] += r * xn[i];
      const ms = e * d;
      for (let t = 0; t < d; t++) sx[ms + t] += r * xc[o + t];
    }
  }
}

/**
 * sphericalChunk with the dot products, log-joints and sums as WebAssembly (sphdots, sphjoint,
 * sphaccum): the same operations in the same order; the exp and log stay here.
 */
function sphericalChunkWasm(
  a: SphericalChunkArgs, w: SphericalWasm, from: number, to: number, nk: Float64Array, sx: Float64Array, sxx: Float64Array,
): void {
  const { xc, xn, d, k, constant, halfPrec, muNorm, logJoint, itemLL } = a;
  const kern = kernelsFor(w);
  const chunk = from / SPHERICAL_CHUNK, len = to - from;
  const dotsAt = w.buf + chunk * w.bufStride, respAt = dotsAt + 8 * SPHERICAL_CHUNK * k, topAt = respAt + 8 * SPHERICAL_CHUNK * k;
  const liveAt = topAt + 8 * SPHERICAL_CHUNK, countAt = liveAt + 4 * SPHERICAL_CHUNK * k;
  kern.sphdots(xc.byteOffset, w.mt, dotsAt, from, to, d, k);
  kern.sphjoint(xn.byteOffset, dotsAt, from, to, k, muNorm.byteOffset, constant.byteOffset, halfPrec.byteOffset, logJoint.byteOffset, topAt,
    respAt, liveAt, countAt, NEGLIGIBLE);
  // sphjoint set the responsibilities > NEGLIGIBLE nats behind to 0 and listed the others; their exp
  // here (adding the zeros to s would change nothing). The item maxima become the items' 1 / Σ exp:
  // sphaccum normalises each responsibility as it reads it.
  const mem = w.memory.buffer;
  const resp = new Float64Array(mem, respAt, len * k), tops = new Float64Array(mem, topAt, len);
  const live = new Int32Array(mem, liveAt, len * k), counts = new Int32Array(mem, countAt, len);
  for (let p = 0; p < len; p++) {
    const ol = (from + p) * k, q = p * k, top = tops[p];
    let s = 0;
    for (let j = 0; j < counts[p]; j++) {
      const e = live[q + j], g = logJoint[ol + e] - top, r = g === 0 ? 1 : Math.exp(g);
      resp[q + e] = r;
      s += r;
    }
    itemLL[from + p] = top + Math.log(s);
    tops[p] = 1 / s;
  }
  kern.sphaccum(xc.byteOffset, xn.byteOffset, respAt, topAt, from, to, d, k, nk.byteOffset, sxx.byteOffset, sx.byteOffset, MIN_RESP);
}

/**
 * Fits a spherical mixture from the hard assignment `init` (component c starts at the items with
 * init = c; a class with fewer than two items is re-seeded as in gmm-core.ts: D²-sampled mean if
 * empty, global variance). `reg` = 1e-6 × mean feature variance + 1e-12 is added to each variance.
 */
export function fitSpherical(
  x: Float32Array | Float64Array, n: number, d: number, k: number, init: Int32Array, rng: Rng,
  opts: { tol: number; maxIter: number; onIteration?: (iteration: number) => void; pool?: SyncPool | null; arena?: WasmArena | null },
): SphericalFit {
  const arena = opts.arena ?? null;
  const mark = arena?.mark() ?? 0;
  try {
    return fitSphericalIn(x, n, d, k, init, rng, opts, arena);
  } finally {
    arena?.release(mark);
  }
}

function fitSphericalIn(
  x: Float32Array | Float64Array, n: number, d: number, k: number, init: Int32Array, rng: Rng,
  opts: { tol: number; maxIter: number; onIteration?: (iteration: number) => void; pool?: SyncPool | null }, arena0: WasmArena | null,
): SphericalFit {
  // With an arena, the arrays the WebAssembly kernels read or write live in it (all of them or none).
  const chunks = Math.ceil(n / SPHERICAL_CHUNK);
  const bufStride = 8 * (2 * SPHERICAL_CHUNK * k + SPHERICAL_CHUNK) + 4 * (SPHERICAL_CHUNK * k + SPHERICAL_CHUNK);
  let arena = arena0;
  type InArena = Record<'xc' | 'xn' | 'nkC' | 'sxC' | 'sxxC' | 'mt' | 'logJoint' | 'constant' | 'halfPrec' | 'muNorm', Float64Array> & { buf: number };
  let inArena: InArena | null = null;
  if (arena) {
    const a = arena;
    const sizes = { xc: n * d, xn: n, nkC: chunks * k, sxC: chunks * k * d, sxxC: chunks * k, mt: d * k, logJoint: n * k, constant: k, halfPrec: k, muNorm: k };
    const got: Partial<InArena> = {};
    let ok = true;
    for (const [name, len] of Object.entries(sizes)) {
      const v = ok ? a.f64(len, name !== 'xc' && name !== 'xn') : null; // xc and xn are written whole below
      if (v) got[name as keyof typeof sizes] = v; else ok = false;
    }
    const buf = ok ? a.bytes(bufStride * chunks) : null;
    if (ok && buf !== null) inArena = { ...(got as InArena), buf };
    else arena = null;
  }
  // One pass: global mean, then the centred copy, each row's ‖x‖² and the hard-assignment sums.
  const shift = new Float64Array(d);
  for (let i = 0; i < n; i++) { const o = i * d; for (let a = 0; a < d; a++) shift[a] += x[o + a]; }
  for (let a = 0; a < d; a++) shift[a] /= n;
  const xc = inArena?.xc ?? shared(n * d), xn = inArena?.xn ?? shared(n);
  const counts = new Float64Array(k), sx0 = new Float64Array(k * d), sxx0 = new Float64Array(k);
  let totalSq = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d, c = init[i], ms = c * d;
    let s = 0;
    for (let a = 0; a < d; a++) { const v = x[o + a] - shift[a]; xc[o + a] = v; s += v * v; sx0[ms + a] += v; }
    xn[i] = s;
    totalSq += s;
    counts[c]++;
    sxx0[c] += s;
  }
  const meanVar = totalSq / (n * d);
  const reg = 1e-6 * meanVar + 1e-12;
  const weights = new Float64Array(k), variances = new Float64Array(k);
  const means = shared(k * d);
  for (let c = 0; c < k; c++) {
    weights[c] = counts[c] / n;
    if (counts[c] === 0) continue;
    let m2 = 0;
    for (let a = 0; a < d; a++) { const m = sx0[c * d + a] / counts[c]; means[c * d + a] = m; m2 += m * m; }
    variances[c] = Math.max(sxx0[c] / counts[c] - m2, 0) / d + reg;
  }
  for (let c = 0; c < k; c++) {
    if (counts[c] >= 2) continue;
    if (counts[c] === 0) {
      seedEmptyComponent(xc, n, d, k, counts, means, c, rng);
      weights[c] = 1 / n;
    }
    variances[c] = meanVar + reg;
  }

  const args: SphericalChunkArgs = {
    xc, xn, n, d, k, means, constant: inArena?.constant ?? shared(k), halfPrec: inArena?.halfPrec ?? shared(k), muNorm: inArena?.muNorm ?? shared(k),
    logJoint: inArena?.logJoint ?? shared(n * k), itemLL: shared(n),
    nkC: inArena?.nkC ?? shared(chunks * k), sxC: inArena?.sxC ?? shared(chunks * k * d), sxxC: inArena?.sxxC ?? shared(chunks * k),
    wasm: arena && inArena ? { ...wasmRef(arena), mt: inArena.mt.byteOffset, buf: inArena.buf, bufStride } : null,
  };
  const mt = inArena?.mt ?? null;
  const { constant, halfPrec, muNorm, itemLL, nkC, sxC, sxxC } = args;
  const nk = new Float64Array(k), sx = new Float64Array(k * d), sxx = new Float64Array(k);
  let prev = -Infinity, ll = -Infinity, iterations = 0, converged = false;
  for (;;) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += means[c * d + a] ** 2;
      muNorm[c] = s;
      constant[c] = Math.log(weights[c]) - 0.5 * d * (LOG_2PI + Math.log(variances[c]));
      halfPrec[c] = 0.5 / variances[c];
    }
    if (mt) for (let c = 0; c < k; c++) for (let a = 0; a < d; a++) mt[a * k + c] = means[c * d + a];
    if (opts.pool && chunks > 1) opts.pool.run('sphE', args as unknown as Record<string, unknown>, chunks);
    else for (let ch = 0; ch < chunks; ch++) sphericalChunk(args, ch);
    let total = 0;
    for (let i = 0; i < n; i++) total += itemLL[i];
    nk.fill(0); sx.fill(0); sxx.fill(0);
    for (let ch = 0; ch < chunks; ch++) {
      for (let e = 0; e < k; e++) { nk[e] += nkC[ch * k + e]; sxx[e] += sxxC[ch * k + e]; }
      const o = ch * k * d;
      for (let t = 0; t < k * d; t++) sx[t] += sxC[o + t];
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
  const out = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let a = 0; a < d; a++) out[c * d + a] = means[c * d + a] + shift[a];
  // The arena is released when the fit returns: a log-joint matrix in it is copied out.
  const logJoint = inArena ? Float64Array.from(args.logJoint) : args.logJoint;
  return { weights, means: out, variances, logJoint, logLikelihood: ll, iterations, converged };
}
