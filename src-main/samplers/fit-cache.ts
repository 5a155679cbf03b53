/**
 * Reusing one MaxMargin fit across samples (issue #12.3). The fit (SVMs, cross-validation, Platt)
 * does not depend on the seed, the fraction or j, so a sampler given a FitCache looks the fit up
 * by a key that fingerprints everything it does depend on — the latent vectors, the true labels,
 * the class count and the fit's settings — and only runs it on a miss. The key is a content hash,
 * so a re-extracted checkpoint or another setting can never pick up a stale fit.
 *
 * The GMM samplers keep their fits the same way (gmm-fit-cache.ts).
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
 * labels, the class count, `settings` (every parameter of the fit, the format version included)
 * and the bytes of `extra` arrays the fit also reads (the GMM fits: the predicted labels they start
 * from). Without `extra` the key is what it always was (MaxMargin's stored fits stay valid).
 */
export function fitKey(
  kind: string, input: SamplerInput, settings: Record<string, string | number>, extra: ReadonlyArray<Int32Array | Float32Array | Float64Array> = [],
): string {
  const h = createHash('sha256');
  const { rows, cols, data } = input.latent;
  h.update(JSON.stringify({
    kind, format: FORMAT, rows, cols, dtype: data.constructor.name, numClasses: input.numClasses, settings,
    ...(extra.length ? { extra: extra.map((a) => `${a.constructor.name}:${a.length}`) } : {}),
  }));
  h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  h.update(new Uint8Array(input.trueLabels.buffer, input.trueLabels.byteOffset, input.trueLabels.byteLength));
  for (const a of extra) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 32);
}

const pad8 = (v: number) => (v + 7) & ~7;

/** A fit's scalar diagnostics, kept in the JSON header (non-finite numbers are stored as null). */
export type FitHeader = Record<string, string | number | boolean | null>;

/**
 * Any fit that comes down to a group and a log likelihood ratio per item (MaxMargin, weighted,
 * the GMMs) in the layout above; `header` holds its diagnostics ("format" and "n" are added).
 */
export function encodeRatioFit(header: FitHeader, group: Int32Array, logRatio: Float64Array): Uint8Array {
  const n = group.length;
  if (logRatio.length !== n) throw new Error(`fit cache: group has ${n} items but logRatio ${logRatio.length}`);
  const clean: FitHeader = {};
  for (const [k, v] of Object.entries(header)) clean[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  const json = new TextEncoder().encode(JSON.stringify({ format: FORMAT, n, ...clean }));
  const groupAt = pad8(12 + json.length), ratioAt = pad8(groupAt + 4 * n);
  const out = new Uint8Array(ratioAt + 8 * n);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  for (let i = 0; i < n; i++) view.setInt32(groupAt + 4 * i, group[i], true);
  for (let i = 0; i < n; i++) view.setFloat64(ratioAt + 8 * i, logRatio[i], true);
  return out;
}

/** The fit stored in `bytes`, or null if they are not a whole fit of `n` items in this format. */
export function decodeRatioFit(bytes: Uint8Array, n: number): { header: FitHeader; group: Int32Array; logRatio: Float64Array } | null {
  if (bytes.byteLength < 12) return null;
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hl = view.getUint32(8, true);
  if (12 + hl > bytes.byteLength) return null;
  let header: FitHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hl)));
  } catch {
    return null;
  }
  if (header === null || typeof header !== 'object' || header.format !== FORMAT || header.n !== n) return null;
  const groupAt = pad8(12 + hl), ratioAt = pad8(groupAt + 4 * n);
  if (bytes.byteLength !== ratioAt + 8 * n) return null;
  const group = new Int32Array(n), logRatio = new Float64Array(n);
  for (let i = 0; i < n; i++) group[i] = view.getInt32(groupAt + 4 * i, true);
  for (let i = 0; i < n; i++) logRatio[i] = view.getFloat64(ratioAt + 8 * i, true);
  return { header, group, logRatio };
}

export function encodeMaxMarginFit(fit: MaxMarginFit): Uint8Array {
  return encodeRatioFit({
    trainAccuracy: fit.trainAccuracy, cvAccuracy: fit.cvAccuracy, solver: fit.solver,
    iterations: fit.iterations, finalIterations: fit.finalIterations, fittedOn: fit.fittedOn,
  }, fit.group, fit.logRatio);
}

/** The MaxMargin fit stored in `bytes`, or null if they are not a whole one of `n` items. */
export function decodeMaxMarginFit(bytes: Uint8Array, n: number): MaxMarginFit | null {
  const r = decodeRatioFit(bytes, n);
  if (!r) return null;
  const h = r.header;
  if (h.solver !== 'newton' && h.solver !== 'dual-cd') return null;
  return {
    group: r.group, logRatio: r.logRatio, trainAccuracy: Number(h.trainAccuracy), cvAccuracy: h.cvAccuracy == null ? NaN : Number(h.cvAccuracy),
    solver: h.solver, iterations: Number(h.iterations), finalIterations: Number(h.finalIterations), fittedOn: Number(h.fittedOn),
  };
}
