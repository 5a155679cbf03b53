/**
 * Visualization-aware sampling (Park, Cafarella, Mozafari, ICDE 2016) over the latent space.
 *
 * VAS minimises Σ_{s≠s' ∈ S} κ(s, s') — a sample whose points repel each other covers the data
 * the way a scatter plot needs. The interchange algorithm streams the items (in a seeded random
 * order) through a reservoir of K = round(f·N) members: each candidate t joins, then the member
 * with the largest responsibility rsp(s) = Σ_{s'≠s} κ(s, s') leaves (possibly t itself).
 *
 * Memory is O(K): only the responsibilities are kept. A candidate's kernel row against the
 * members is computed when it arrives, and when a member leaves its row is computed again to
 * take its contributions out of everyone's responsibility (instead of a K × K kernel table,
 * which at f = 0.8 of 10,000 items would be 512 MB). Distances come from a VasGeometry: computed
 * on demand, or looked up in a precomputed table when one latent is sampled many times (E1).
 *
 * Kernel: κ(a, b) = exp(−‖a − b‖² / (2σ²)). Bandwidth σ (unless given): the median distance
 * from a member of the initial reservoir (a uniform sample of size K) to its nearest other
 * member, i.e. the typical spacing of a K-point sample. Then neighbouring sample points
 * interact (κ ≈ 0.6) while distant ones do not, which is the regime where VAS spreads the
 * sample evenly instead of only pushing it to the extremes (σ too large) or ignoring the
 * geometry (σ too small).
 *
 * The paper does not state a bandwidth, so the rule is a parameter (issue 13): bandwidthRule
 * 'median-nn' (the default above) or 'median-pairwise' — the median distance between two
 * reservoir members (the common "median heuristic" for Gaussian kernels), about twice as wide
 * on the demo latent; or an explicit `bandwidth`.
 */
import { shuffleInPlace, type Rng } from '../core/rng.ts';
import { makeSampler, sortedMembers, targetSize, throwIfAborted } from './sampler.ts';
import type { CoreResult } from './types.ts';
import { directGeometry, type VasGeometry } from './vas-geometry.ts';
import { VAS_EXACT_MAX_ITEMS, vasPartitioned } from './vas-partitioned.ts';

/** Median nearest-neighbour distance of (up to 256 of) the given rows, against all of them. */
export function spacingBandwidth(geom: VasGeometry, rows: Int32Array): number {
  const k = rows.length;
  if (k < 2) return 1;
  const probes = Math.min(k, 256);
  const nn = new Float64Array(probes);
  const d2 = new Float64Array(k);
  for (let p = 0; p < probes; p++) {
    geom.sqDistances(rows[p], rows, 0, k, d2);
    let best = Infinity;
    for (let q = 0; q < k; q++) if (q !== p && d2[q] < best) best = d2[q];
    nn[p] = Math.sqrt(best);
  }
  nn.sort();
  const med = nn[probes >> 1];
  return med > 0 ? med : 1;
}

/** Median distance between two different rows among (up to 256 of) the given rows and all of them. */
export function pairwiseBandwidth(geom: VasGeometry, rows: Int32Array): number {
  const k = rows.length;
  if (k < 2) return 1;
  const probes = Math.min(k, 256);
  const all = new Float64Array(probes * (k - 1));
  const d2 = new Float64Array(k);
  let m = 0;
  for (let p = 0; p < probes; p++) {
    geom.sqDistances(rows[p], rows, 0, k, d2);
    for (let q = 0; q < k; q++) if (q !== p) all[m++] = d2[q];
  }
  all.sort();
  const med = Math.sqrt(all[m >> 1]);
  return med > 0 ? med : 1;
}

export type BandwidthRule = 'median-nn' | 'median-pairwise';

/** σ by the rule, measured on the given rows (the initial reservoir). */
export function ruleBandwidth(rule: BandwidthRule, geom: VasGeometry, rows: Int32Array): number {
  return rule === 'median-pairwise' ? pairwiseBandwidth(geom, rows) : spacingBandwidth(geom, rows);
}

export interface VasOptions {
  /** Kernel bandwidth σ; default: by bandwidthRule on the initial reservoir. */
  bandwidth?: number;
  /** How σ is estimated when no bandwidth is given; default 'median-nn'. */
  bandwidthRule?: BandwidthRule;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** The interchange algorithm: K members out of geom.n items, the stream order drawn from rng. */
export function vasInterchange(geom: VasGeometry, k: number, rng: Rng, opts: VasOptions = {}): CoreResult {
  const n = geom.n;
  const order = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), rng);
  const members = order.slice(0, k);
  const rule = opts.bandwidth !== undefined ? 'explicit' : (opts.bandwidthRule ?? 'median-nn');
  const sigma = opts.bandwidth ?? ruleBandwidth(opts.bandwidthRule ?? 'median-nn', geom, members);
  const g = -1 / (2 * sigma * sigma);
  const d2 = new Float64Array(k);
  // Responsibilities of the initial reservoir: each pair once.
  const rsp = new Float64Array(k);
  for (let p = 0; p < k; p++) {
    if ((p & 255) === 0) throwIfAborted(opts.signal);
    geom.sqDistances(members[p], members, p + 1, k, d2);
    let sum = 0;
    for (let q = p + 1; q < k; q++) {
      const v = Math.exp(g * d2[q]);
      sum += v;
      rsp[q] += v;
    }
    rsp[p] += sum;
  }
  const kt = new Float64Array(k);
  let swaps = 0;
  const total = n - k;
  for (let step = k; step < n; step++) {
    if (((step - k) & 255) === 0) {
      throwIfAborted(opts.signal);
      opts.onProgress?.(step - k, total);
    }
    const t = order[step];
    geom.sqDistances(t, members, 0, k, d2);
    // Kernel row of the candidate against every member; track who would leave.
    let rspT = 0;
    let worst = -1, worstRsp = -Infinity;
    for (let p = 0; p < k; p++) {
      const v = Math.exp(g * d2[p]);
      kt[p] = v;
      rspT += v;
      const r = rsp[p] + v;
      if (r > worstRsp) { worstRsp = r; worst = p; }
    }
    if (rspT >= worstRsp) continue; // the candidate itself is the most crowded: drop it
    // Member `worst` leaves: take its kernel row out of everyone's responsibility; t takes its slot.
    geom.sqDistances(members[worst], members, 0, k, d2);
    for (let p = 0; p < k; p++) rsp[p] += kt[p] - Math.exp(g * d2[p]);
    rsp[worst] = rspT - kt[worst];
    members[worst] = t;
    swaps++;
  }
  opts.onProgress?.(total, total);
  let loss = 0;
  for (let p = 0; p < k; p++) loss += rsp[p];
  return {
    members: sortedMembers(members),
    params: { bandwidth: sigma, bandwidthRule: rule },
    diagnostics: { size: k, bandwidth: sigma, swaps, loss: loss / 2 },
  };
}

/**
 * The sampler: the exact interchange up to VAS_EXACT_MAX_ITEMS items; above, its quadratic cost
 * (f·N²·d) is out of reach and the scalable mode runs the interchange in kd cells (vas-partitioned.ts).
 */
export const vasSampler = makeSampler('vas', 'Visualization-aware (VAS)', true, false, (input, params, ctx) => {
  const k = targetSize(input.latent.rows, params.fraction);
  const opts = { bandwidth: params.bandwidth, bandwidthRule: params.bandwidthRule, signal: ctx.signal, onProgress: ctx.onProgress };
  if (input.latent.rows > VAS_EXACT_MAX_ITEMS) return vasPartitioned(input.latent, k, ctx.rng, opts);
  return vasInterchange(directGeometry(input.latent), k, ctx.rng, opts);
});
