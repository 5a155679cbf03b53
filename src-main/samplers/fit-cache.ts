/**
 * Reusing one MaxMargin fit across samples (issue #12.3). The fit (SVMs, cross-validation, Platt)
 * does not depend on the seed, the fraction or j, so a sampler given a FitCache looks the fit up
 * by a key that fingerprints everything it does depend on — the latent vectors, the true labels,
 * the class count and the fit's settings — and only runs it on a miss. The key is a content hash,
 * so a re-extracted checkpoint or another setting can never pick up a stale fit.
 *
 * This file holds the key and the byte layout (pure); where the bytes live is the caller's
 * business (store/fit-cache-files.ts keeps them in the project's cache folder).
 * Layout: "MRGNFIT1", uint32 JSON length, the JSON header (diagnostics), zero padding to a
 * multiple of 8, group (n × int32), padding to 8, logRatio (n × float64); little-endian.
 */
import { createHash } from 'node:crypto';
import type { SamplerInput } from './types.ts';

/** Where a sampler may keep and find fits: bytes by key. Implementations may forget anything. */
export interface FitCache {
  get(key: string): Uint8Array | null;
  set(key: string, bytes: Uint8Array): void;
}

/** What the MaxMargin and weighted samplers need of a fit. */
export interface MaxMarginFit {
  /** SVM-predicted class of each item. */
  group: Int32Array;
  /** log P(group|x) − log P(¬group|x) from the normalised Platt probabilities. */
  logRatio: Float64Array;
  trainAccuracy: number;
  cvAccuracy: number;
  solver: 'newton' | 'dual-cd';
  iterations: number;
  finalIterations: number;
  fittedOn: number;
}

const MAGIC = 'MRGNFIT1';
const FORMAT = 1;

/**
 * The cache key of a fit: SHA-256 (first 32 hex digits) of the latent's bytes and shape, the true
 * labels, the class count and `settings` (every parameter of the fit, the format version included).
 */
export function fitKey(kind: string, input: SamplerInput, settings: Record<string, string | number>): string {
  const h = createHash('sha256');
  const { rows, cols, data } = input.latent;
  h.update(JSON.stringify({ kind, format: FORMAT, rows, cols, dtype: data.constructor.name, numClasses: input.numClasses, settings }));
  h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  h.update(new Uint8Array(input.trueLabels.buffer, input.trueLabels.byteOffset, input.trueLabels.byteLength));
  return h.digest('hex').slice(0, 32);
}

const pad8 = (v: number) => (v + 7) & ~7;

export function encodeMaxMarginFit(fit: MaxMarginFit): Uint8Array {
  const n = fit.group.length;
  const header = new TextEncoder().encode(JSON.stringify({
    format: FORMAT, n, trainAccuracy: fit.trainAccuracy, cvAccuracy: Number.isFinite(fit.cvAccuracy) ? fit.cvAccuracy : null,
    solver: fit.solver, iterations: fit.iterations, finalIterations: fit.finalIterations, fittedOn: fit.fittedOn,
  }));
  const groupAt = pad8(12 + header.length), ratioAt = pad8(groupAt + 4 * n);
  const out = new Uint8Array(ratioAt + 8 * n);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  for (let i = 0; i < n; i++) view.setInt32(groupAt + 4 * i, fit.group[i], true);
  for (let i = 0; i < n; i++) view.setFloat64(ratioAt + 8 * i, fit.logRatio[i], true);
  return out;
}

/** The fit stored in `bytes`, or null if they are not a whole fit of `n` items in this format. */
export function decodeMaxMarginFit(bytes: Uint8Array, n: number): MaxMarginFit | null {
  if (bytes.byteLength < 12) return null;
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hl = view.getUint32(8, true);
  if (12 + hl > bytes.byteLength) return null;
  let h: { format?: number; n?: number; trainAccuracy?: number; cvAccuracy?: number | null; solver?: string; iterations?: number; finalIterations?: number; fittedOn?: number };
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hl)));
  } catch {
    return null;
  }
  if (h.format !== FORMAT || h.n !== n || (h.solver !== 'newton' && h.solver !== 'dual-cd')) return null;
  const groupAt = pad8(12 + hl), ratioAt = pad8(groupAt + 4 * n);
  if (bytes.byteLength !== ratioAt + 8 * n) return null;
  const group = new Int32Array(n), logRatio = new Float64Array(n);
  for (let i = 0; i < n; i++) group[i] = view.getInt32(groupAt + 4 * i, true);
  for (let i = 0; i < n; i++) logRatio[i] = view.getFloat64(ratioAt + 8 * i, true);
  return {
    group, logRatio, trainAccuracy: Number(h.trainAccuracy), cvAccuracy: h.cvAccuracy ?? NaN, solver: h.solver,
    iterations: Number(h.iterations), finalIterations: Number(h.finalIterations), fittedOn: Number(h.fittedOn),
  };
}
