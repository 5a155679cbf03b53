/**
 * Small PNG images for the workbench: a data-set item as a thumbnail, and a float map (e.g. a
 * saliency map) through a colour map. Small inputs are enlarged by an integer factor with
 * nearest-neighbour sampling so 8×8 digits stay crisp; larger inputs are shrunk to fit.
 */
import { PNG } from 'pngjs';
import { badInput } from '../shared/errors.ts';
import { colorAt, COLOR_MAPS, type ColorMapName } from './colormap.ts';
import type { ImportedDataset } from './types.ts';

/** Output size for an h×w input and a target `size` of the longer side. */
export function thumbnailSize(h: number, w: number, size: number): { height: number; width: number } {
  const longer = Math.max(h, w);
  if (longer <= size) {
    const k = Math.floor(size / longer); // integer factor: every source pixel becomes a k×k block
    return { height: h * k, width: w * k };
  }
  const s = size / longer;
  return { height: Math.max(1, Math.round(h * s)), width: Math.max(1, Math.round(w * s)) };
}

/** Nearest-neighbour resample of an RGBA image. */
function resizeRgba(src: Uint8Array, h: number, w: number, oh: number, ow: number): Buffer {
  const out = Buffer.alloc(oh * ow * 4);
  for (let y = 0; y < oh; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / oh));
    for (let x = 0; x < ow; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / ow));
      const s = 4 * (sy * w + sx);
      const d = 4 * (y * ow + x);
      out[d] = src[s]; out[d + 1] = src[s + 1]; out[d + 2] = src[s + 2]; out[d + 3] = src[s + 3];
    }
  }
  return out;
}

function encodePng(rgba: Uint8Array, h: number, w: number, size: number): Buffer {
  const { height, width } = thumbnailSize(h, w, size);
  const png = new PNG({ width, height });
  png.data = resizeRgba(rgba, h, w, height, width);
  return PNG.sync.write(png);
}

function checkDims(h: number, w: number, size: number, what: string): void {
  for (const [name, v] of [['height', h], ['width', w], ['size', size]] as const) {
    if (!Number.isInteger(v) || v < 1) throw badInput(`${what}: ${name} must be a positive integer, got ${v}.`);
  }
}

/**
 * One image (H*W*C values, NHWC, C = 1 or 3) as a PNG. `pixelScale` is the value of full
 * intensity; values are clamped to [0, pixelScale] and NaN shows as black.
 */
export function encodeThumbnailPng(
  pixels: ArrayLike<number>, height: number, width: number, channels: number, pixelScale: number, size = 32,
): Buffer {
  checkDims(height, width, size, 'encodeThumbnailPng');
  if (channels !== 1 && channels !== 3) throw badInput(`encodeThumbnailPng: channels must be 1 or 3, got ${channels}.`);
  if (!(pixelScale > 0 && Number.isFinite(pixelScale))) throw badInput(`encodeThumbnailPng: pixelScale must be a positive number, got ${pixelScale}.`);
  const hw = height * width;
  if (pixels.length !== hw * channels) {
    throw badInput(`encodeThumbnailPng: got ${pixels.length} pixel values, expected ${height}×${width}×${channels} = ${hw * channels}.`);
  }
  const rgba = new Uint8Array(hw * 4);
  const k = 255 / pixelScale;
  for (let p = 0; p < hw; p++) {
    for (let c = 0; c < 3; c++) {
      const v = pixels[p * channels + (channels === 1 ? 0 : c)] * k;
      rgba[4 * p + c] = v > 0 ? Math.min(255, Math.round(v)) : 0; // NaN fails v > 0 → black
    }
    rgba[4 * p + 3] = 255;
  }
  return encodePng(rgba, height, width, size);
}

/** Item `index` of split `splitName` of a data set as a PNG thumbnail. */
export function encodeItemThumbnailPng(ds: ImportedDataset, splitName: string, index: number, size = 32): Buffer {
  const split = ds.splits.find((s) => s.split === splitName);
  if (!split) throw badInput(`encodeItemThumbnailPng: no split "${splitName}" (have ${ds.splits.map((s) => s.split).join(', ')}).`);
  if (!Number.isInteger(index) || index < 0 || index >= split.labels.length) {
    throw badInput(`encodeItemThumbnailPng: item ${index} is outside 0…${split.labels.length - 1} of split "${splitName}".`);
  }
  const n = ds.height * ds.width * ds.channels;
  return encodeThumbnailPng(split.pixels.subarray(index * n, (index + 1) * n), ds.height, ds.width, ds.channels, ds.pixelScale, size);
}

export interface HeatmapOptions {
  /** Target size of the longer side (default 32). */
  size?: number;
  /** Default 'viridis'; 'diverging' centres 0 on white (for signed maps such as gradients). */
  colorMap?: ColorMapName;
  /** Value range mapped to the colour map; default the finite values' range (±max |v| for 'diverging'). */
  min?: number;
  max?: number;
}

/** A float map (H*W values, row-major) as a colour-mapped PNG; NaN shows as transparent. */
export function encodeHeatmapPng(values: ArrayLike<number>, height: number, width: number, opts: HeatmapOptions = {}): Buffer {
  const { size = 32, colorMap = 'viridis' } = opts;
  checkDims(height, width, size, 'encodeHeatmapPng');
  if (!COLOR_MAPS.includes(colorMap)) throw badInput(`encodeHeatmapPng: unknown colorMap "${colorMap}" (use ${COLOR_MAPS.join(', ')}).`);
  const hw = height * width;
  if (values.length !== hw) throw badInput(`encodeHeatmapPng: got ${values.length} values, expected ${height}×${width} = ${hw}.`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < hw; i++) {
    const v = values[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  if (colorMap === 'diverging') {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -m; hi = m;
  }
  if (opts.min !== undefined) lo = opts.min;
  if (opts.max !== undefined) hi = opts.max;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) { lo = 0; hi = 1; } // all NaN: nothing to scale
  if (hi < lo) throw badInput(`encodeHeatmapPng: max (${hi}) is below min (${lo}).`);
  const span = hi - lo;
  const rgba = new Uint8Array(hw * 4);
  for (let i = 0; i < hw; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue; // transparent
    // A constant map sits at the middle of a diverging map, at the bottom of a sequential one.
    const t = span > 0 ? (v - lo) / span : colorMap === 'diverging' ? 0.5 : 0;
    colorAt(colorMap, t, rgba, 4 * i);
    rgba[4 * i + 3] = 255;
  }
  return encodePng(rgba, height, width, size);
}
