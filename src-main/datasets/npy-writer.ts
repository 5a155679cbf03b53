/** Encodes NumPy .npy files, format 1.0, C order (the inverse of npy.ts): for tests and exports. */
export type NpyWritable = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array;

function descrOf(a: NpyWritable): string {
  if (a instanceof Uint8Array) return '|u1';
  if (a instanceof Int8Array) return '|i1';
  if (a instanceof Int16Array) return '<i2';
  if (a instanceof Uint16Array) return '<u2';
  if (a instanceof Int32Array) return '<i4';
  if (a instanceof Uint32Array) return '<u4';
  if (a instanceof Float32Array) return '<f4';
  if (a instanceof Float64Array) return '<f8';
  return '<i8';
}

export function encodeNpy(shape: number[], data: NpyWritable): Buffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new RangeError(`encodeNpy: ${data.length} values for shape (${shape.join(', ')}) (${count})`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // NumPy pads the header with spaces and a newline so the data starts at a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(dict.length, 8);
  return Buffer.concat([pre, Buffer.from(dict, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
