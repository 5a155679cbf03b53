/**
 * A folder with one sub-folder per class of PNG or JPEG images (the torchvision ImageFolder
 * layout). Class names are the sub-folder names, sorted by code point so the label order does
 * not depend on the locale. Hidden entries (".…") and files with other extensions are
 * ignored. Every image must have the same size; the data set is grayscale (1 channel) when
 * every pixel of every image has R = G = B, else RGB. Alpha is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { badInput } from '../shared/errors.ts';
import { requireDir } from './file-bytes.ts';
import { describeFsError, withFsTimeout } from '../system/user-path-fs.ts';
import { readImageHeader } from './image-header.ts';
import { formatBytes, readInputFile } from '../system/input-file.ts';
import type { ImportedDataset, ImportedSplit } from './types.ts';
import { validateDataset } from './validate.ts';

export interface FolderImportOptions {
  format: 'folder';
  /** One folder: its sub-folders are the classes; everything goes into split `split`. */
  dir?: string;
  /** Name of the single split with `dir` (default 'all'). */
  split?: string;
  /** Or one folder per split, e.g. {train: 'data/train', test: 'data/test'}, each with class sub-folders. */
  splits?: Record<string, string>;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/**
 * Largest image accepted, in pixels (4096 × 4096): data-set images are model inputs, and the
 * size is read from the header before decoding, so a PNG claiming 100000×100000 costs nothing.
 */
export const MAX_IMAGE_PIXELS = 4096 * 4096;
/** Largest image file read (an uncompressed 4096² RGBA PNG is 64 MB). */
const MAX_IMAGE_FILE_BYTES = 80 * 2 ** 20;
/** Largest pixel buffer of one split (RGB, before the grey check). */
const MAX_SPLIT_BYTES = 2 ** 31 - 1;

/** RGBA pixels of a PNG or JPEG, chosen by the file's magic bytes; the size is checked from the header first. */
export function decodeImage(file: string, bytes: Buffer): { width: number; height: number; rgba: Uint8Array } {
  const header = readImageHeader(bytes);
  if ('error' in header) throw badInput(`${file}: the image cannot be decoded: ${header.error}. Replace or remove the file.`);
  const { width, height, format } = header;
  if (width === 0 || height === 0) throw badInput(`${file}: the ${format.toUpperCase()} header gives a size of ${width}×${height} pixels; an image needs at least one pixel. Replace or remove the file.`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw badInput(
      `${file}: the ${format.toUpperCase()} header gives ${width}×${height} pixels (width×height), more than the ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} ` +
        'pixels (4096×4096) an image of a data set may have. Resize the images to the model\'s input size first.',
    );
  }
  try {
    if (format === 'png') {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 256 });
    return { width: img.width, height: img.height, rgba: img.data };
  } catch {
    // The decoders' messages can quote bytes of the file, so they are not passed on.
    throw badInput(`${file}: the image cannot be decoded: the ${format.toUpperCase()} data is corrupt or cut short. Replace or remove the file.`);
  }
}

/** Lists a folder asynchronously under the user-path deadline, errors naming the folder. */
async function listDir(dir: string): Promise<fs.Dirent[]> {
  try {
    return await withFsTimeout(fs.promises.readdir(dir, { withFileTypes: true }), dir, 'listing the folder');
  } catch (err) {
    throw describeFsError(err, dir, 'list the folder');
  }
}

async function listClassFolders(dir: string): Promise<Map<string, string[]>> {
  await requireDir(dir, 'image folder');
  const classes = new Map<string, string[]>();
  const entries = (await listDir(dir)).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const sub = path.join(dir, e.name);
    const files = (await listDir(sub))
      .filter((f) => f.isFile() && !f.name.startsWith('.') && IMAGE_EXT.has(path.extname(f.name).toLowerCase()))
      .map((f) => f.name)
      .sort()
      .map((name) => path.join(sub, name));
    if (files.length === 0) {
      throw badInput(`${sub}: class folder "${e.name}" holds no PNG or JPEG images. Add images or remove the folder.`);
    }
    classes.set(e.name, files);
  }
  if (classes.size === 0) {
    throw badInput(`${dir}: no class sub-folders (empty data set). Put the images of each class into a sub-folder named after the class.`);
  }
  return classes;
}

interface DecodedSplit {
  split: string;
  rgb: Uint8Array; // N*H*W*3
  labels: Int32Array;
  sources: string[];
  grey: boolean;
}

interface SizeRef {
  height: number;
  width: number;
  file: string;
}

async function decodeSplit(split: string, files: Array<[string, number]>, size: { ref: SizeRef | null }): Promise<DecodedSplit> {
  const n = files.length;
  let rgb: Uint8Array | null = null;
  const labels = new Int32Array(n);
  const sources = new Array<string>(n);
  let grey = true;
  // Read the next file while this one decodes; the no-op catch keeps an early error from
  // leaving the prefetch as an unhandled rejection.
  const read = (i: number): Promise<Buffer> => {
    const p = readInputFile(files[i][0], 'image', { maxBytes: MAX_IMAGE_FILE_BYTES });
    p.catch(() => undefined);
    return p;
  };
  let next = n > 0 ? read(0) : null;
  for (let i = 0; i < n; i++) {
    const [file, label] = files[i];
    const bytes = await next!;
    next = i + 1 < n ? read(i + 1) : null;
    const img = decodeImage(file, bytes);
    if (size.ref === null) size.ref = { height: img.height, width: img.width, file };
    const ref = size.ref;
    if (img.height !== ref.height || img.width !== ref.width) {
      throw badInput(`${file}: image is ${img.width}×${img.height} (width×height) but ${ref.file} is ${ref.width}×${ref.height}. All images must share one size; resize them first.`);
    }
    const hw = ref.height * ref.width;
    if (rgb === null) {
      if (n * hw * 3 > MAX_SPLIT_BYTES) {
        throw badInput(`${file}: ${n.toLocaleString('en-US')} images of ${ref.width}×${ref.height} pixels need ${formatBytes(n * hw * 3)}, more than the ${formatBytes(MAX_SPLIT_BYTES)} one split may hold. Resize the images or import fewer per split.`);
      }
      rgb = new Uint8Array(n * hw * 3);
    }
    const src = img.rgba;
    const off = i * hw * 3;
    for (let p = 0; p < hw; p++) {
      const r = src[4 * p], g = src[4 * p + 1], b = src[4 * p + 2];
      rgb[off + 3 * p] = r; rgb[off + 3 * p + 1] = g; rgb[off + 3 * p + 2] = b;
      if (r !== g || g !== b) grey = false;
    }
    labels[i] = label;
    sources[i] = file;
  }
  return { split, rgb: rgb ?? new Uint8Array(0), labels, sources, grey };
}

function toGrey(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = rgb[3 * i];
  return out;
}

export async function importFolder(opts: FolderImportOptions): Promise<ImportedDataset> {
  if (opts.dir !== undefined && opts.splits !== undefined) throw badInput('folder import: give either `dir` or `splits`, not both.');
  let splitDirs: Array<[string, string]>;
  if (opts.splits !== undefined) {
    splitDirs = Object.entries(opts.splits);
    if (splitDirs.length === 0) throw badInput('folder import: `splits` is empty; give {split: folder, …}.');
  } else if (opts.dir !== undefined) {
    splitDirs = [[opts.split ?? 'all', opts.dir]];
  } else {
    throw badInput('folder import: give `dir` (a folder with one sub-folder per class) or `splits` ({train: folder, test: folder}).');
  }
  const listed: Array<{ split: string; dir: string; classes: Map<string, string[]> }> = [];
  for (const [split, dir] of splitDirs) listed.push({ split, dir, classes: await listClassFolders(dir) });
  const classNames = [...new Set(listed.flatMap((l) => [...l.classes.keys()]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const labelOf = new Map(classNames.map((c, i) => [c, i]));
  const size: { ref: SizeRef | null } = { ref: null };
  const decoded: DecodedSplit[] = [];
  for (const l of listed) {
    const files: Array<[string, number]> = [];
    for (const [cls, list] of l.classes) for (const f of list) files.push([f, labelOf.get(cls)!]);
    decoded.push(await decodeSplit(l.split, files, size));
  }
  const grey = decoded.every((d) => d.grey);
  const splits: ImportedSplit[] = decoded.map((d) => ({
    split: d.split, pixels: grey ? toGrey(d.rgb) : d.rgb, labels: d.labels, sources: d.sources,
  }));
  const ref = size.ref!;
  return validateDataset(
    { format: 'folder', height: ref.height, width: ref.width, channels: grey ? 1 : 3, pixelScale: 255, splits, classNames },
    splitDirs[0][1],
  );
}
