/**
 * Visualization-aware sampling (Park, Cafarella, Mozafari, ICDE 2016) over the latent space.
 *
 * VAS minimises Σ_{s≠s' ∈ S} κ(s, s') — a sample whose points repel each other covers the data
 * the way a scatter plot needs. The interchange algorithm streams the items (in a seeded random
 * order) through a reservoir of K = round(f·N) members: each candidate t joins, then the member
 * with the largest responsibility rsp(s) = Σ_{s'≠s} κ(s, s') leaves (possibly t itself).
 * Keeping rsp and the K × K kernel matrix up to date makes each candidate cost O(K·d) for its
 * kernel row plus O(K) for the updates (the naive recomputation would be O(K²·d)).
 *
 * Kernel: κ(a, b) = exp(−‖a − b‖² / (2σ²)). Bandwidth σ (unless given): the median distance
 * from a member of the initial reservoir (a uniform sample of size K) to its nearest other
 * member, i.e. the typical spacing of a K-point sample. Then neighbouring sample points
 * interact (κ ≈ 0.6) while distant ones do not, which is the regime where VAS spreads the
 * sample evenly instead of only pushing it to the extremes (σ too large) or ignoring the
 * geometry (σ too small).
 */
import { shuffleInPlace } from '../core/rng.ts';
import { toF64 } from './linalg.ts';
import { makeSampler, sortedMembers, targetSize, throwIfAborted } from './sampler.ts';

/** Median nearest-neighbour distance among (up to 256 of) the given rows, against all of them. */
export function spacingBandwidth(x: Float64Array, d: number, rows: Int32Array, norms: Float64Array): number {
  const k = rows.length;
  if (k < 2) return 1;
  const probes = Math.min(k, 256);
  const nn = new Float64Array(probes);
  for (let p = 0; p < probes; p++) {
    const a = rows[p], oa = a * d;
    let best = Infinity;
    for (let q = 0; q < k; q++) {
      if (q === p) continue;
      const b = rows[q], ob = b * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += x[oa + c] * x[ob + c];
      const d2 = norms[a] + norms[b] - 2 * dot;
      if (d2 < best) best = d2;
    }
    nn[p] = Math.sqrt(Math.max(best, 0));
  }
  nn.sort();
  const med = nn[probes >> 1];
  return med > 0 ? med : 1;
}

export const vasSampler = makeSampler('vas', 'Visualization-aware (VAS)', true, false, (input, params, ctx) => {
  const { rows: n, cols: d } = input.latent;
  const k = targetSize(n, params.fraction);
  const x = toF64(input.latent);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0, o = i * d; c < d; c++) s += x[o + c] * x[o + c];
    norms[i] = s;
  }
  const order = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), ctx.rng);
  const members = order.slice(0, k);
  const sigma = params.bandwidth ?? spacingBandwidth(x, d, members, norms);
  const g = -1 / (2 * sigma * sigma);
  const kern = (a: number, b: number): number => {
    const oa = a * d, ob = b * d;
    let dot = 0;
    for (let c = 0; c < d; c++) dot += x[oa + c] * x[ob + c];
    const d2 = norms[a] + norms[b] - 2 * dot;
    return Math.exp(g * (d2 > 0 ? d2 : 0));
  };
  // Kernel matrix and responsibilities of the initial reservoir.
  const km = new Float64Array(k * k);
  const rsp = new Float64Array(k);
  for (let p = 0; p < k; p++) {
    for (let q = p + 1; q < k; q++) {
      const v = kern(members[p], members[q]);
      km[p * k + q] = v; km[q * k + p] = v;
      rsp[p] += v; rsp[q] += v;
    }
  }
  const kt = new Float64Array(k);
  let swaps = 0;
  const total = n - k;
  for (let step = k; step < n; step++) {
    if ((step & 1023) === 0) {
      throwIfAborted(ctx.signal);
      ctx.onProgress?.(step - k, total);
    }
    const t = order[step];
    const ot = t * d, nt = norms[t];
    let rspT = 0;
    // Kernel row of the candidate against every member; track who would leave.
    let worst = -1, worstRsp = -Infinity;
    for (let p = 0; p < k; p++) {
      const ob = members[p] * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += x[ot + c] * x[ob + c];
      const d2 = nt + norms[members[p]] - 2 * dot;
      const v = Math.exp(g * (d2 > 0 ? d2 : 0));
      kt[p] = v;
      rspT += v;
      const r = rsp[p] + v;
      if (r > worstRsp) { worstRsp = r; worst = p; }
    }
    if (rspT >= worstRsp) continue; // the candidate itself is the most crowded: drop it
    // Member `worst` leaves; t takes its slot.
    const ow = worst * k;
    for (let p = 0; p < k; p++) rsp[p] += kt[p] - km[ow + p];
    rsp[worst] = rspT - kt[worst];
    kt[worst] = 0;
    for (let p = 0; p < k; p++) { km[ow + p] = kt[p]; km[p * k + worst] = kt[p]; }
    members[worst] = t;
    swaps++;
  }
  ctx.onProgress?.(total, total);
  let loss = 0;
  for (let p = 0; p < k; p++) loss += rsp[p];
  return {
    members: sortedMembers(members),
    params: { bandwidth: sigma },
    diagnostics: { size: k, bandwidth: sigma, swaps, loss: loss / 2 },
  };
});
