/**
 * MNIST-family IDX files (LeCun's format, also used by Fashion-MNIST, KMNIST, EMNIST):
 * a big-endian header — two zero bytes, a type byte (0x08 = unsigned byte), the number of
 * dimensions — then one uint32 per dimension, then the values in C order.
 * Images are 0x00000803 [N, rows, cols]; labels 0x00000801 [N]. Files may be gzipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { badInput } from '../shared/errors.ts';
import { checkLabelRange, resolveClassNames, type ClassNamesOption } from './class-names.ts';
import { readDeclared, requireDir } from './file-bytes.ts';
import { withFsTimeout } from '../system/user-path-fs.ts';
import type { ImportedDataset, ImportedSplit } from './types.ts';
import { validateDataset } from './validate.ts';

export interface IdxSplitFiles {
  images: string;
  labels: string;
}

export interface IdxImportOptions {
  format: 'idx';
  /** Explicit files per split, e.g. {train: {images, labels}, test: {images, labels}}. */
  splits?: Record<string, IdxSplitFiles>;
  /**
   * Or a directory holding the standard names: train-images-idx3-ubyte[.gz],
   * train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]
   * ('.' instead of the second '-' is accepted too).
   */
  dir?: string;
  /** With `dir`: which standard splits to load (default: each one whose files are there). */
  only?: Array<'train' | 'test'>;
  /** Default '0'…'9'; 'fashion-mnist' gives Fashion-MNIST's names. */
  classNames?: ClassNamesOption;
}

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
/** Larger than any real IDX file; a bigger header means the file is not IDX. */
const MAX_IDX_BYTES = 2 ** 31 - 1;

export interface IdxUint8Array {
  dims: number[];
  data: Uint8Array;
}

function describeMagic(magic: number): string {
  return magic === IMAGES_MAGIC ? 'IDX uint8 images [N, rows, cols]' : 'IDX uint8 labels [N]';
}

/**
 * Reads an unsigned-byte IDX file whose magic number must be `magic`, streaming (and
 * gunzipping) into one Uint8Array of the size the header announces — allocated only once the
 * announcement is checked against the file (readDeclared).
 */
export async function readIdxUint8(file: string, magic: number, what: string): Promise<IdxUint8Array> {
  const expectedDims = magic & 0xff;
  const headerLen = 4 + 4 * expectedDims;
  let dims: number[] = [];
  const { body } = await readDeclared(file, what, {
    maxBytes: MAX_IDX_BYTES,
    parseHead: (head) => {
      if (head.length < 4) return null;
      const got = head.readUInt32BE(0);
      if (got !== magic) {
        throw badInput(
          `${file}: wrong magic number 0x${got.toString(16).padStart(8, '0')}, expected 0x${magic.toString(16).padStart(8, '0')} ` +
            `(${describeMagic(magic)}). Check that this is the ${what} (images and labels files may be swapped).`,
        );
      }
      if (head.length < headerLen) return null;
      dims = [];
      for (let d = 0; d < expectedDims; d++) dims.push(head.readUInt32BE(4 + 4 * d));
      return { headerLen, bodyBytes: dims.reduce((a, b) => a * b, 1), describe: `dimensions [${dims.join(', ')}]` };
    },
    truncatedHead: (have) => `${file}: truncated: ${have} bytes present, but an IDX header alone needs ${have < 4 ? 4 : headerLen}. The file is empty or cut short; get it again.`,
  });
  return { dims, data: body };
}

/** Images + labels of one split, checked against each other. */
export async function readIdxSplit(split: string, files: IdxSplitFiles, classCount: number): Promise<ImportedSplit & { rows: number; cols: number }> {
  // Both files are read at once; when both are bad, the images file's error is the one reported,
  // whichever read failed first, so the same files always give the same message.
  const [imagesRead, labelsRead] = await Promise.allSettled([
    readIdxUint8(files.images, IMAGES_MAGIC, `IDX images file of split "${split}"`),
    readIdxUint8(files.labels, LABELS_MAGIC, `IDX labels file of split "${split}"`),
  ]);
  if (imagesRead.status === 'rejected') throw imagesRead.reason;
  if (labelsRead.status === 'rejected') throw labelsRead.reason;
  const images = imagesRead.value;
  const labels = labelsRead.value;
  const [n, rows, cols] = images.dims;
  if (rows === 0 || cols === 0) throw badInput(`${files.images}: images of ${rows}×${cols} pixels: the size must be positive.`);
  if (labels.dims[0] !== n) {
    throw badInput(
      `${files.labels}: ${labels.dims[0]} labels for ${n} images in ${files.images}. ` +
        'Both files must describe the same items; pair the right images and labels files.',
    );
  }
  const y = Int32Array.from(labels.data);
  checkLabelRange(y, classCount, files.labels);
  const base = path.basename(files.images);
  const sources = new Array<string>(n);
  for (let i = 0; i < n; i++) sources[i] = `${base}#${i}`;
  return { split, pixels: images.data, labels: y, sources, rows, cols };
}

const STANDARD_PREFIX: Record<'train' | 'test', string> = { train: 'train', test: 't10k' };

/** The standard file pair of one split in `dir`, or null when neither file is there. */
export async function findStandardFiles(dir: string, split: 'train' | 'test'): Promise<IdxSplitFiles | null> {
  const p = STANDARD_PREFIX[split];
  const find = async (kind: 'images' | 'labels', dimTag: string): Promise<string | null> => {
    for (const sep of ['-', '.']) {
      for (const ext of ['', '.gz']) {
        const candidate = path.join(dir, `${p}-${kind}${sep}${dimTag}-ubyte${ext}`);
        if (await withFsTimeout(fs.promises.access(candidate).then(() => true, () => false), candidate, 'looking for the file')) return candidate;
      }
    }
    return null;
  };
  const images = await find('images', 'idx3');
  const labels = await find('labels', 'idx1');
  if (images === null && labels === null) return null;
  if (images === null) throw badInput(`${dir}: has ${path.basename(labels!)} but no ${p}-images-idx3-ubyte[.gz] for split "${split}". Add the images file.`);
  if (labels === null) throw badInput(`${dir}: has ${path.basename(images)} but no ${p}-labels-idx1-ubyte[.gz] for split "${split}". Add the labels file.`);
  return { images, labels };
}

async function resolveSplitFiles(opts: IdxImportOptions): Promise<Array<[string, IdxSplitFiles]>> {
  if (opts.splits !== undefined && opts.dir !== undefined) {
    throw badInput('idx import: give either `dir` or `splits`, not both.');
  }
  if (opts.splits !== undefined) {
    const entries = Object.entries(opts.splits);
    if (entries.length === 0) throw badInput('idx import: `splits` is empty; give at least one {images, labels} pair.');
    for (const [name, f] of entries) {
      if (!f || typeof f.images !== 'string' || typeof f.labels !== 'string') {
        throw badInput(`idx import: splits.${name} must be {images: path, labels: path}.`);
      }
    }
    return entries;
  }
  if (opts.dir === undefined) throw badInput('idx import: give `dir` (a folder with the standard IDX names) or `splits` ({train: {images, labels}, …}).');
  await requireDir(opts.dir, 'IDX folder');
  const wanted = opts.only ?? ['train', 'test'];
  const out: Array<[string, IdxSplitFiles]> = [];
  for (const split of wanted) {
    if (split !== 'train' && split !== 'test') throw badInput(`idx import: only must list 'train' and/or 'test', got "${split}".`);
    const files = await findStandardFiles(opts.dir, split);
    if (files) out.push([split, files]);
    else if (opts.only) throw badInput(`${opts.dir}: no ${STANDARD_PREFIX[split]}-images-idx3-ubyte[.gz] / ${STANDARD_PREFIX[split]}-labels-idx1-ubyte[.gz] for split "${split}".`);
  }
  if (out.length === 0) {
    throw badInput(`${opts.dir}: no IDX files with the standard names (train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and their labels files). Pass the files explicitly with \`splits\`.`);
  }
  return out;
}

export async function importIdx(opts: IdxImportOptions): Promise<ImportedDataset> {
  const classNames = resolveClassNames(opts.classNames ?? 'digits', 10);
  const pairs = await resolveSplitFiles(opts);
  const splits: ImportedSplit[] = [];
  let height = 0;
  let width = 0;
  let firstImages = '';
  for (const [name, files] of pairs) {
    const s = await readIdxSplit(name, files, classNames.length);
    if (splits.length === 0) {
      height = s.rows; width = s.cols; firstImages = files.images;
    } else if (s.rows !== height || s.cols !== width) {
      throw badInput(`${files.images}: images are ${s.rows}×${s.cols} but ${firstImages} has ${height}×${width}. All splits must share one image size.`);
    }
    splits.push({ split: s.split, pixels: s.pixels, labels: s.labels, sources: s.sources });
  }
  const origin = opts.dir ?? pairs[0][1].images;
  return validateDataset({ format: 'idx', height, width, channels: 1, pixelScale: 255, splits, classNames }, origin);
}
