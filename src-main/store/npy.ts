/** NumPy .npy (format 1.0) writer and header parser for float32 / int32 arrays. */
import fs from 'node:fs';
import { badInput } from '../shared/errors.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Header bytes: magic, version 1.0, little-endian header length, then a dict padded to 64 bytes. */
export function npyHeader(dtype: '<f4' | '<i4', shape: number[]): Uint8Array {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = 10 + dict.length + 1; // + trailing newline
  dict += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + dict.length);
  out.set(MAGIC, 0);
  out[6] = 1; out[7] = 0;
  out[8] = dict.length & 0xff; out[9] = dict.length >> 8;
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  return out;
}

export function writeNpy(file: string, data: Float32Array | Int32Array, shape: number[]): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw badInput(`writeNpy: shape ${JSON.stringify(shape)} holds ${n} values, data has ${data.length}`);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, npyHeader(data instanceof Float32Array ? '<f4' : '<i4', shape));
    fs.writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } finally {
    fs.closeSync(fd);
  }
}

/** The same file as writeNpy, written asynchronously (header, then the data without a copy). */
export async function writeNpyFile(file: string, data: Float32Array | Int32Array, shape: number[]): Promise<void> {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw badInput(`writeNpy: shape ${JSON.stringify(shape)} holds ${n} values, data has ${data.length}`);
  const fh = await fs.promises.open(file, 'w');
  try {
    await fh.write(npyHeader(data instanceof Float32Array ? '<f4' : '<i4', shape));
    await fh.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } finally {
    await fh.close();
  }
}

export interface NpyHeader { descr: string; fortranOrder: boolean; shape: number[]; dataOffset: number }

export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw badInput('parseNpyHeader: not a .npy file (bad magic)');
  const major = bytes[6];
  const lenBytes = major === 1 ? 2 : 4;
  const hlen = major === 1 ? bytes[8] | (bytes[9] << 8) : bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
  const start = 8 + lenBytes;
  const text = new TextDecoder('latin1').decode(bytes.subarray(start, start + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!descr || !fortran || shape === undefined) throw badInput(`parseNpyHeader: malformed header ${JSON.stringify(text)}`);
  return {
    descr,
    fortranOrder: fortran === 'True',
    shape: shape.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number),
    dataOffset: start + hlen,
  };
}
