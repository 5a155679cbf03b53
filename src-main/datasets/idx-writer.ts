/** Encodes unsigned-byte IDX files (the inverse of idx.ts): for tests and exports. */
export function encodeIdxUint8(dims: number[], data: Uint8Array): Buffer {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new RangeError(`encodeIdxUint8: ${data.length} values for dimensions [${dims.join(', ')}] (${count})`);
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
