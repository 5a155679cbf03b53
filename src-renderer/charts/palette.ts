/**
 * Colours shared by every chart: a 10-colour categorical palette for classes (Tableau 10,
 * readable on white and distinguishable for most colour-blind viewers) and a sequential
 * scale for activations and matrices.
 */

export const CLASS_COLORS = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#7f7f7f',
] as const;

/** Colour of class `i`; more than ten classes cycle through the palette. */
export function classColor(i: number): string {
  const n = CLASS_COLORS.length;
  return CLASS_COLORS[((Math.trunc(i) % n) + n) % n];
}

/** Stops of the sequential scale (light to dark blue-violet), used by heatmaps and activation maps. */
export const SEQUENTIAL = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'] as const;

function hexToRgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}
const STOPS = SEQUENTIAL.map(hexToRgb);
/** Colour of NaN cells (no data): a neutral grey so that gaps are not read as zero. */
export const NAN_RGB: [number, number, number] = [220, 220, 220];

/** RGB of `value` on the sequential scale between `min` and `max` (clamped); NaN gives grey. */
export function sequentialRgb(value: number, min: number, max: number): [number, number, number] {
  if (!Number.isFinite(value)) return NAN_RGB;
  const t = max > min ? Math.min(1, Math.max(0, (value - min) / (max - min))) : 0;
  const pos = t * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}
