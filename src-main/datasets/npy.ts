/**
 * NumPy .npy image arrays (format v1–v3, little-endian, C order), optionally gzipped.
 * Images: dtype uint8 (|u1, pixelScale 255) or float32/float64 (<f4/<f8, kept as float32,
 * pixelScale 1 unless told), shape [N, H, W] or [N, H, W, C] with C = 1 or 3.
 * Labels: a .npy of an integer dtype (u1, i1, i2, u2, i4, u4, i8, u8) of shape [N] or [N, 1],
 * or a text file with one integer per line.
 */
import path from 'node:path';
import { badInput } from '../shared/errors.ts';
import { checkInferredClassCount, checkLabelRange, maxLabel, resolveClassNames, type ClassNamesOption } from './class-names.ts';
import { readAllBytes, readDeclared } from './file-bytes.ts';
import { hasNpyMagic, parseNpyHeader, type NpyHeader } from './npy-header.ts';
import type { ImportedDataset, ImportedSplit } from './types.ts';
import { validateDataset } from './validate.ts';

export interface NpySplitFiles {
  /** .npy of shape [N, H, W] or [N, H, W, C]. */
  images: string;
  /** .npy of integers, or a text file with one integer label per line. */
  labels: string;
}

export interface NpyImportOptions {
  format: 'npy';
  splits: Record<string, NpySplitFiles>;
  /** Default: '0' … String(largest label). */
  classNames?: ClassNamesOption;
  /** Full intensity in float images (default 1). uint8 images always use 255. */
  pixelScale?: number;
}

interface NpyArray {
  header: NpyHeader;
  /** Type letter and byte width from the dtype, e.g. 'f' and 4 for '<f4'. */
  kind: string;
  size: number;
  /** The data bytes, starting at offset 0 (so typed views are aligned). */
  data: ArrayBuffer;
  count: number;
}

/** Larger than any .npy Margin imports in one piece. */
const MAX_NPY_BYTES = 2 ** 31 - 1;
/** Label files (text or .npy) are far smaller than images; a bigger one is the wrong file. */
const MAX_LABEL_FILE_BYTES = 128 * 2 ** 20;
/** NumPy itself refuses headers past 10,000 bytes by default. */
const MAX_NPY_HEADER_BYTES = 1 << 20;

/** A dtype for a message: the header's own text only when it is a short dtype code. */
function dtypeText(descr: string): string {
  return /^[<>|=]?[A-Za-z]\d{0,3}$/.test(descr) ? `'${descr}'` : 'of an unsupported kind';
}

/**
 * What an .npy header announces, from the first bytes of the file: null while more bytes are
 * needed. Checks the dtype (known kind, little-endian), C order and the header's own length, so
 * a bad array is refused before its data is read.
 */
export function npyDeclared(head: Buffer, file: string): { header: NpyHeader; kind: string; size: number; count: number; headerLen: number; bodyBytes: number; describe: string } | null {
  if (head.length < 6) return null;
  if (!hasNpyMagic(head)) parseNpyHeader(head, file); // throws "not a NumPy .npy file"
  if (head.length < 12) return null;
  const version = head[6];
  const lenBytes = version === 1 ? 2 : 4;
  const headerLen = version === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  if (version >= 1 && version <= 3 && headerLen > MAX_NPY_HEADER_BYTES) {
    throw badInput(`${file}: the .npy header claims to be ${headerLen} bytes long, more than any NumPy header; the file is corrupt.`);
  }
  if (version >= 1 && version <= 3 && head.length < 8 + lenBytes + headerLen) return null;
  const header = parseNpyHeader(head, file);
  const m = /^([<>|=]?)([uifb])(\d+)$/.exec(header.descr);
  if (!m) throw badInput(`${file}: the .npy dtype is ${dtypeText(header.descr)}, which is not supported. Save the array as uint8, float32 or an integer type.`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  if (order === '>' && size > 1) {
    throw badInput(`${file}: big-endian .npy dtype '${header.descr}' is not supported. Save it little-endian, e.g. arr.astype('<${kind}${size}').`);
  }
  if (header.fortranOrder) {
    throw badInput(`${file}: the array is stored in Fortran order, which is not supported. Save it in C order: numpy.save(path, numpy.ascontiguousarray(arr)).`);
  }
  const count = header.shape.reduce((a, b) => a * b, 1);
  return { header, kind, size, count, headerLen: header.dataOffset, bodyBytes: count * size, describe: `shape (${header.shape.join(', ')}) of '${header.descr}'` };
}

/** Reads and checks a .npy file: known byte order, C order, and exactly the bytes its shape needs (checked before allocation). */
export async function readNpy(file: string, what: string): Promise<NpyArray> {
  let decl: ReturnType<typeof npyDeclared> = null;
  const { body } = await readDeclared(file, what, {
    maxBytes: MAX_NPY_BYTES,
    parseHead: (head) => (decl = npyDeclared(head, file)),
    truncatedHead: (have) => `${file}: truncated: ${have} bytes present, not even a whole .npy header. The file is empty or cut short; save it again.`,
  });
  const d = decl!;
  return { header: d.header, kind: d.kind, size: d.size, data: body.buffer as ArrayBuffer, count: d.count };
}

/** The same checks on bytes already in memory (a labels file read whole). */
function decodeNpy(bytes: Buffer, file: string): NpyArray {
  const d = npyDeclared(bytes, file);
  if (d === null) throw badInput(`${file}: truncated: ${bytes.length} bytes present, not even a whole .npy header. Save the file again.`);
  const expected = d.headerLen + d.bodyBytes;
  if (bytes.length < expected) {
    throw badInput(`${file}: truncated: ${bytes.length} bytes present, expected ${expected} for ${d.describe}. Save the file again.`);
  }
  if (bytes.length > expected) {
    throw badInput(`${file}: ${bytes.length} bytes, but ${d.describe} needs ${expected}: the file is corrupt or not one array (an .npz?).`);
  }
  const start = bytes.byteOffset + d.headerLen;
  const data = bytes.buffer.slice(start, start + d.bodyBytes) as ArrayBuffer;
  return { header: d.header, kind: d.kind, size: d.size, data, count: d.count };
}

interface NpyImages {
  pixels: Uint8Array | Float32Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

export async function readNpyImages(file: string): Promise<NpyImages> {
  const a = await readNpy(file, 'images .npy file');
  const shape = a.header.shape;
  if (shape.length !== 3 && shape.length !== 4) {
    throw badInput(`${file}: images of shape (${shape.join(', ')}); expected [N, H, W] or [N, H, W, C] (channels last).`);
  }
  const [n, height, width] = shape;
  const channels = shape.length === 4 ? shape[3] : 1;
  if (height === 0 || width === 0) throw badInput(`${file}: images of ${height}×${width} pixels: the size must be positive.`);
  if (channels !== 1 && channels !== 3) {
    throw badInput(`${file}: images of shape (${shape.join(', ')}) have ${channels} channels; expected 1 or 3 in the last axis (NHWC). Transpose NCHW data with arr.transpose(0, 2, 3, 1).`);
  }
  let pixels: Uint8Array | Float32Array;
  if (a.kind === 'u' && a.size === 1) pixels = new Uint8Array(a.data);
  else if (a.kind === 'f' && a.size === 4) pixels = new Float32Array(a.data);
  else if (a.kind === 'f' && a.size === 8) pixels = Float32Array.from(new Float64Array(a.data));
  else throw badInput(`${file}: unsupported images dtype ${dtypeText(a.header.descr)}. Save the images as uint8 (|u1) or float32 (<f4).`);
  if (pixels instanceof Float32Array) {
    const itemSize = height * width * channels;
    for (let k = 0; k < pixels.length; k++) {
      if (!Number.isFinite(pixels[k])) {
        throw badInput(`${file}: item ${Math.floor(k / itemSize)} has a non-finite pixel value (${pixels[k]}). Clean the array (e.g. numpy.nan_to_num) and save it again.`);
      }
    }
  }
  return { pixels, n, height, width, channels };
}

/** Integer labels from a .npy or a text file (one integer per line), decided by the file's content. */
export async function readLabels(file: string): Promise<Int32Array> {
  const bytes = await readAllBytes(file, 'labels file', { maxBytes: MAX_LABEL_FILE_BYTES, maxInflated: MAX_LABEL_FILE_BYTES });
  if (!hasNpyMagic(bytes)) return parseTextLabels(bytes.toString('utf8'), file);
  const a = decodeNpy(bytes, file);
  const shape = a.header.shape;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw badInput(`${file}: labels of shape (${shape.join(', ')}); expected [N] or [N, 1]. For one-hot labels save labels.argmax(1).`);
  }
  const key = `${a.kind}${a.size}`;
  const typed = {
    u1: () => new Uint8Array(a.data), i1: () => new Int8Array(a.data),
    u2: () => new Uint16Array(a.data), i2: () => new Int16Array(a.data),
    u4: () => new Uint32Array(a.data), i4: () => new Int32Array(a.data),
  } as Record<string, () => ArrayLike<number>>;
  let values: ArrayLike<number>;
  if (typed[key]) values = typed[key]();
  else if (key === 'i8' || key === 'u8') {
    const big = key === 'i8' ? new BigInt64Array(a.data) : new BigUint64Array(a.data);
    values = Array.from(big, (v) => (v > 2147483647n || v < -2147483648n ? Number.NaN : Number(v)));
  } else {
    throw badInput(`${file}: unsupported labels dtype ${dtypeText(a.header.descr)}; labels must be integers. Save them with labels.astype('int64').`);
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v <= 2147483647 && v >= -2147483648)) throw badInput(`${file}: label of item ${i} does not fit in 32 bits. Labels are class indices 0…K−1.`);
    out[i] = v;
  }
  return out;
}

export function parseTextLabels(text: string, file: string): Int32Array {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const out = new Int32Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    const v = Number(t);
    if (t === '' || !Number.isInteger(v) || Math.abs(v) > 2147483647) {
      throw badInput(`${file}: line ${i + 1} is not an integer label. Write one class index per line.`);
    }
    out[i] = v;
  }
  return out;
}

export async function importNpy(opts: NpyImportOptions): Promise<ImportedDataset> {
  const entries = Object.entries(opts.splits ?? {});
  if (entries.length === 0) throw badInput('npy import: `splits` is required, e.g. {test: {images: "x.npy", labels: "y.npy"}}.');
  if (opts.pixelScale !== undefined && !(opts.pixelScale > 0 && Number.isFinite(opts.pixelScale))) {
    throw badInput(`npy import: pixelScale must be a positive number, got ${opts.pixelScale}.`);
  }
  const loaded: Array<{ name: string; files: NpySplitFiles; images: NpyImages; labels: Int32Array }> = [];
  for (const [name, files] of entries) {
    if (!files || typeof files.images !== 'string' || typeof files.labels !== 'string') {
      throw badInput(`npy import: splits.${name} must be {images: path, labels: path}.`);
    }
    const images = await readNpyImages(files.images);
    const labels = await readLabels(files.labels);
    if (labels.length !== images.n) {
      throw badInput(`${files.labels}: ${labels.length} labels for ${images.n} images in ${files.images}. Both files must describe the same items.`);
    }
    const first = loaded[0];
    if (first) {
      const a = first.images;
      const b = images;
      if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
        throw badInput(`${files.images}: images are ${b.height}×${b.width}×${b.channels} but ${first.files.images} has ${a.height}×${a.width}×${a.channels}. All splits must share one shape.`);
      }
      if (a.pixels.constructor !== b.pixels.constructor) {
        throw badInput(`${files.images}: pixel dtype differs from ${first.files.images} (uint8 vs float). Save every split with the same dtype.`);
      }
    }
    loaded.push({ name, files, images, labels });
  }
  if (opts.classNames === undefined) for (const l of loaded) checkInferredClassCount(l.labels, l.files.labels);
  const largest = Math.max(...loaded.map((l) => maxLabel(l.labels)));
  const classNames = resolveClassNames(opts.classNames, Math.max(largest + 1, 1));
  for (const l of loaded) checkLabelRange(l.labels, classNames.length, l.files.labels);
  const splits: ImportedSplit[] = loaded.map(({ name, files, images, labels }) => {
    const base = path.basename(files.images);
    return { split: name, pixels: images.pixels, labels, sources: Array.from({ length: images.n }, (_, i) => `${base}#${i}`) };
  });
  const { height, width, channels, pixels } = loaded[0].images;
  const pixelScale = pixels instanceof Uint8Array ? 255 : (opts.pixelScale ?? 1);
  return validateDataset({ format: 'npy', height, width, channels, pixelScale, splits, classNames }, loaded[0].files.images);
}
