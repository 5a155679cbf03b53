/**
 * A sampler's expected cost before it runs, from the curve `npm run bench:samplers -- --scale
 * --cost-model` measured (src-main/samplers/cost-model.json: seconds and peak memory per method at
 * several N × d, f = 0.05, on the machine that ran it). Pure: the caller passes the model.
 *
 * Estimate at (N, d): log-log interpolation in N between the two measured d = 84 sizes around N
 * (extrapolated with the nearest segment's exponent outside them), times (d / 84)^exponentD from
 * the 100k × 84 and 100k × 512 points; VAS's interchange grows with its sample size, so its time
 * is scaled by f / 0.05 too. A rough guide (the machine and its load vary), not a promise.
 */

export interface CostPoint { n: number; d: number; seconds: number; peakMB: number }

export interface CostModel {
  fraction: number;
  /** Date (YYYY-MM-DD) of the benchmark run. */
  measured: string;
  methods: Record<string, { points: CostPoint[]; exponentN?: number; exponentD?: number }>;
}

export interface CostEstimate { seconds: number; peakMB: number }

const BASE_D = 84;

function interpolate(points: CostPoint[], n: number, pick: (p: CostPoint) => number): number {
  if (points.length === 1) return pick(points[0]) * (n / points[0].n);
  let lo = points[0], hi = points[1];
  for (let t = 1; t < points.length - 1 && n > points[t].n; t++) { lo = points[t]; hi = points[t + 1]; }
  const b = Math.log(Math.max(pick(hi), 1e-6) / Math.max(pick(lo), 1e-6)) / Math.log(hi.n / lo.n);
  return Math.max(pick(lo), 1e-6) * (n / lo.n) ** Math.max(0, b);
}

/** The expected seconds and peak memory of `method` on an N × d latent at fraction f, or null when the model has no points for it. */
export function estimateSamplerCost(model: CostModel, method: string, n: number, d: number, fraction: number): CostEstimate | null {
  const m = model.methods[method];
  if (!m || !(n > 0) || !(d > 0)) return null;
  const alongN = m.points.filter((p) => p.d === BASE_D).sort((a, b) => a.n - b.n);
  if (alongN.length === 0) return null;
  const dScale = (d / BASE_D) ** Math.max(0, m.exponentD ?? 1);
  const fScale = method === 'vas' ? fraction / model.fraction : 1;
  const seconds = interpolate(alongN, n, (p) => p.seconds) * dScale * fScale;
  // Memory: the latent (4·N·d bytes) grows exactly; the rest as measured.
  const peakMB = interpolate(alongN, n, (p) => p.peakMB) * Math.max(1, d / BASE_D);
  return { seconds, peakMB };
}
