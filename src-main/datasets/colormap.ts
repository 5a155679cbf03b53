/**
 * Colour maps for heat maps, as piecewise-linear interpolation between anchor colours.
 * viridis: matplotlib's perceptually uniform map (9 anchors), for non-negative maps.
 * diverging: ColorBrewer RdBu reversed (blue — white — red), for signed maps centred on 0.
 * grey: black to white.
 */
export type ColorMapName = 'viridis' | 'diverging' | 'grey';

type Rgb = readonly [number, number, number];

const ANCHORS: Record<ColorMapName, readonly Rgb[]> = {
  viridis: [
    [68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [110, 206, 88], [253, 231, 37],
  ],
  diverging: [
    [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
    [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43],
  ],
  grey: [[0, 0, 0], [255, 255, 255]],
};

export const COLOR_MAPS: readonly ColorMapName[] = ['viridis', 'diverging', 'grey'];

/** The colour at t ∈ [0, 1] (clamped) of a map, as [r, g, b] bytes, written into `out` at `offset`. */
export function colorAt(map: ColorMapName, t: number, out: Uint8Array, offset: number): void {
  const anchors = ANCHORS[map];
  const x = Math.min(1, Math.max(0, t)) * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(x));
  const f = x - i;
  const a = anchors[i];
  const b = anchors[i + 1];
  for (let k = 0; k < 3; k++) out[offset + k] = Math.round(a[k] + (b[k] - a[k]) * f);
}
