/**
 * The header of a NumPy .npy file (format versions 1, 2 and 3): the magic "\x93NUMPY", a
 * version, a header length (uint16 in v1, uint32 after), then a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (10, 28, 28), }. The dict is parsed as a
 * Python literal (strings in either quote, tuples, lists, ints, True/False/None) rather than
 * by regular expressions, so spacing, key order and trailing commas do not matter.
 * Pure: `file` only names the input in error messages.
 */
import { badInput } from '../shared/errors.ts';

export interface NpyHeader {
  version: number;
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first array value. */
  dataOffset: number;
}

export type PyLiteral = string | number | boolean | null | PyLiteral[] | { [key: string]: PyLiteral };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function hasNpyMagic(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** Parses a Python literal (the subset NumPy writes in headers). Throws Error with a position. */
export function parsePyLiteral(text: string): PyLiteral {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${pos}`);
  };
  const skipWs = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const expect = (ch: string) => {
    skipWs();
    if (text[pos] !== ch) fail(`expected '${ch}'`);
    pos++;
  };
  // Items separated by commas, an optional trailing comma, up to `close`.
  const sequence = (close: string, item: () => void): void => {
    skipWs();
    while (text[pos] !== close) {
      item();
      skipWs();
      if (text[pos] === ',') { pos++; skipWs(); continue; }
      if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
    pos++;
  };
  const value = (): PyLiteral => {
    skipWs();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const obj: { [key: string]: PyLiteral } = {};
      sequence('}', () => {
        const key = value();
        if (typeof key !== 'string') fail('dict keys must be strings');
        expect(':');
        obj[key as string] = value();
      });
      return obj;
    }
    if (ch === '(' || ch === '[') {
      pos++;
      const items: PyLiteral[] = [];
      sequence(ch === '(' ? ')' : ']', () => { items.push(value()); });
      return items;
    }
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, pos + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return s;
    }
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(text.slice(pos));
    if (!m) return fail('unexpected token');
    pos += m[0].length;
    if (m[1] !== undefined) return Number(m[1]);
    return m[2] === 'True' ? true : m[2] === 'False' ? false : null;
  };
  const result = value();
  skipWs();
  if (pos !== text.length) fail('unexpected text after the literal');
  return result;
}

export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  if (!hasNpyMagic(bytes)) {
    throw badInput(`${file}: not a NumPy .npy file (it does not start with "\\x93NUMPY"). Save the array with numpy.save.`);
  }
  if (bytes.length < 10) throw badInput(`${file}: truncated: ${bytes.length} bytes present, the .npy preamble alone needs 10.`);
  const version = bytes[6];
  if (version < 1 || version > 3) throw badInput(`${file}: .npy format version ${version}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are).`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = version === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw badInput(`${file}: truncated: ${bytes.length} bytes present, the .npy preamble needs ${8 + lenBytes}.`);
  const headerLen = version === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  const dataOffset = start + headerLen;
  if (bytes.length < dataOffset) {
    throw badInput(`${file}: truncated: ${bytes.length} bytes present, the .npy header says it ends at byte ${dataOffset}.`);
  }
  const text = new TextDecoder(version === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, dataOffset));
  let dict: PyLiteral;
  try {
    dict = parsePyLiteral(text.trim());
  } catch (err) {
    throw badInput(`${file}: the .npy header is not a valid Python dict literal (${(err as Error).message}).`);
  }
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
    throw badInput(`${file}: the .npy header is not a dict. Save the array with numpy.save.`);
  }
  const { descr, fortran_order: fortran, shape } = dict;
  if (typeof descr !== 'string') {
    throw badInput(`${file}: unsupported .npy dtype (not a plain type code: structured arrays are not images). Save a plain numeric array.`);
  }
  if (typeof fortran !== 'boolean') throw badInput(`${file}: the .npy header lacks a boolean 'fortran_order'.`);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw badInput(`${file}: the .npy header's 'shape' must be a tuple of non-negative integers.`);
  }
  if (shape.length > 8) {
    throw badInput(`${file}: the .npy array has ${shape.length} dimensions; images have 3 or 4 and labels 1 or 2.`);
  }
  return { version, descr, fortranOrder: fortran, shape: shape as number[], dataOffset };
}
