/**
 * A sample's sampler parameters as stored (samples.params: the options asked for and the values
 * the sampler chose, e.g. VAS's bandwidth, plus its diagnostics) → the settings users see in the
 * sample list and the report. Pure: no I/O.
 */

export type SamplerParamValue = string | number | boolean;

/** Keys shown elsewhere (own columns) or not settings (diagnostics). */
const OWN_COLUMNS = new Set(['fraction', 'j', 'seed', 'diagnostics']);

/** The stored params without fraction, j, seed and diagnostics; only scalar values, in stored order. */
export function samplerSettings(stored: unknown): Record<string, SamplerParamValue> {
  const out: Record<string, SamplerParamValue> = {};
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return out;
  for (const [key, value] of Object.entries(stored as Record<string, unknown>)) {
    if (OWN_COLUMNS.has(key)) continue;
    if (typeof value === 'string' || typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  return out;
}

/** "svmC = 1, svmLoss = squared-hinge, bandwidth = 4.832"; numbers to 4 significant digits; '' when none. */
export function formatSamplerSettings(settings: Record<string, SamplerParamValue> | undefined): string {
  if (!settings) return '';
  return Object.entries(settings)
    .map(([k, v]) => `${k} = ${typeof v === 'number' ? formatNumber(v) : v === true ? 'on' : v === false ? 'off' : v}`)
    .join(', ');
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}
