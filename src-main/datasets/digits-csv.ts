/**
 * The UCI optical-recognition digits as a CSV (scikit-learn's digits.csv.gz): per line 64
 * integer pixel values 0…16 (an 8×8 image, row by row), then the integer label. The file
 * may be gzipped; a first line of 65 names (no number) is taken as a header and skipped; blank lines are ignored.
 *
 * Without `testFraction` every item goes into one split named 'all' (the file is itself the
 * UCI test set, and a caller who trains on it chooses how to cut it). With `testFraction`
 * the items are split, stratified by class and deterministically for `seed`, into 'train'
 * and 'test'.
 */
import path from 'node:path';
import { createRng } from '../core/rng.ts';
import { badInput } from '../shared/errors.ts';
import { checkLabelRange, resolveClassNames, type ClassNamesOption } from './class-names.ts';
import { readAllBytes } from './file-bytes.ts';
import { stratifiedSplit } from './train-test-split.ts';
import type { ImportedDataset, ImportedSplit } from './types.ts';
import { validateDataset } from './validate.ts';

export interface DigitsCsvImportOptions {
  format: 'digits-csv';
  file: string;
  /** In (0, 1): the share of items put into split 'test' (the rest into 'train'). */
  testFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
  /** Default '0'…'9'. */
  classNames?: ClassNamesOption;
}

const SIDE = 8;
const PIXELS = SIDE * SIDE;
const MAX_VALUE = 16;
/** scikit-learn's digits.csv is ~0.5 MB (1,797 lines); a file past this is the wrong file. */
const MAX_CSV_BYTES = 64 * 2 ** 20;
/** 65 values of at most a few characters each: a longer line is not a digits line. */
const MAX_LINE_CHARS = 4096;

export interface ParsedDigits {
  pixels: Uint8Array;
  labels: Int32Array;
  /** 1-based line number of each item, for messages. */
  lines: Int32Array;
}

/** Parses the CSV text. Pure: `file` only names the input in error messages. */
export function parseDigitsCsv(text: string, file: string): ParsedDigits {
  const rawLines = text.split('\n');
  const pixels: number[] = [];
  const labels: number[] = [];
  const lines: number[] = [];
  let sawData = false;
  for (let ln = 0; ln < rawLines.length; ln++) {
    if (rawLines[ln].length > MAX_LINE_CHARS) {
      throw badInput(`${file}: line ${ln + 1} is ${rawLines[ln].length.toLocaleString('en-US')} characters long; a digits line (${PIXELS + 1} small integers) has at most ${MAX_LINE_CHARS}. Check that this is the digits CSV.`);
    }
    const line = rawLines[ln].trim();
    if (line === '') continue;
    const fields = line.split(',');
    if (!sawData && fields.length === PIXELS + 1 && fields.every((f) => f.trim() !== '' && Number.isNaN(Number(f)))) {
      sawData = true; // a header line: names, not numbers
      continue;
    }
    sawData = true;
    const where = `${file}: line ${ln + 1}`;
    if (fields.length !== PIXELS + 1) {
      throw badInput(`${where} has ${fields.length} fields, expected ${PIXELS + 1} (${PIXELS} pixel values 0…${MAX_VALUE}, then the label). Fix or remove the line.`);
    }
    for (let k = 0; k < PIXELS; k++) {
      const f = fields[k].trim();
      const v = Number(f);
      if (f === '' || !Number.isInteger(v) || v < 0 || v > MAX_VALUE) {
        throw badInput(`${where}, field ${k + 1} is not an integer pixel value in 0…${MAX_VALUE}. Fix the line.`);
      }
      pixels.push(v);
    }
    const f = fields[PIXELS].trim();
    const y = Number(f);
    if (f === '' || !Number.isInteger(y)) {
      throw badInput(`${where}, field ${PIXELS + 1}: the label is not an integer. Fix the line.`);
    }
    labels.push(y);
    lines.push(ln + 1);
  }
  return { pixels: Uint8Array.from(pixels), labels: Int32Array.from(labels), lines: Int32Array.from(lines) };
}

function gather(parsed: ParsedDigits, idx: ArrayLike<number>, split: string, base: string): ImportedSplit {
  const pixels = new Uint8Array(idx.length * PIXELS);
  const labels = new Int32Array(idx.length);
  const sources = new Array<string>(idx.length);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    pixels.set(parsed.pixels.subarray(i * PIXELS, (i + 1) * PIXELS), j * PIXELS);
    labels[j] = parsed.labels[i];
    sources[j] = `${base}#${i}`;
  }
  return { split, pixels, labels, sources };
}

export async function importDigitsCsv(opts: DigitsCsvImportOptions): Promise<ImportedDataset> {
  if (typeof opts.file !== 'string' || opts.file === '') throw badInput('digits-csv import: `file` (the path of the CSV) is required.');
  const { testFraction, seed = 0 } = opts;
  if (testFraction !== undefined && !(testFraction > 0 && testFraction < 1)) {
    throw badInput(`digits-csv import: testFraction must be a number in (0, 1), got ${testFraction}. Leave it out to import every item into split 'all'.`);
  }
  const classNames = resolveClassNames(opts.classNames ?? 'digits', 10);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 31 - 1)) {
    throw badInput(`digits-csv import: seed must be an integer in 0…${2 ** 31 - 1}, got ${seed}.`);
  }
  const text = (await readAllBytes(opts.file, 'digits CSV file', { maxBytes: MAX_CSV_BYTES, maxInflated: MAX_CSV_BYTES })).toString('utf8');
  const parsed = parseDigitsCsv(text, opts.file);
  const n = parsed.labels.length;
  if (n === 0) throw badInput(`${opts.file}: the CSV holds no data lines (empty data set). Give a file with one image per line.`);
  checkLabelRange(parsed.labels, classNames.length, opts.file, (i) => `line ${parsed.lines[i]}`);
  const base = path.basename(opts.file);
  let splits: ImportedSplit[];
  if (testFraction === undefined) {
    splits = [gather(parsed, Array.from({ length: n }, (_, i) => i), 'all', base)];
  } else {
    const { train, test } = stratifiedSplit(parsed.labels, testFraction, createRng(seed));
    if (train.length === 0 || test.length === 0) {
      throw badInput(`digits-csv import: testFraction ${testFraction} of ${n} items leaves an empty ${train.length === 0 ? 'train' : 'test'} split. Choose a fraction nearer 0.5 or import more items.`);
    }
    splits = [gather(parsed, train, 'train', base), gather(parsed, test, 'test', base)];
  }
  return validateDataset(
    { format: 'digits-csv', height: SIDE, width: SIDE, channels: 1, pixelScale: MAX_VALUE, splits, classNames },
    opts.file,
  );
}
