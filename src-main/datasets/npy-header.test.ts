import { describe, expect, it } from 'vitest';
import { parseNpyHeader, parsePyLiteral } from './npy-header.ts';
import { encodeNpy } from './npy-writer.ts';
import { expectBadInput } from './test-helpers.ts';

function rawNpy(dict: string, version = 1): Buffer {
  const lenBytes = version === 1 ? 2 : 4;
  const pre = Buffer.alloc(8 + lenBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(pre);
  if (version === 1) pre.writeUInt16LE(dict.length, 8);
  else pre.writeUInt32LE(dict.length, 8);
  return Buffer.concat([pre, Buffer.from(dict, 'latin1')]);
}

describe('parsePyLiteral', () => {
  it('parses dicts, tuples, lists, strings, ints, booleans and None with any spacing', () => {
    expect(parsePyLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 28, 28), }")).toEqual({ descr: '<f4', fortran_order: false, shape: [3, 28, 28] });
    expect(parsePyLiteral('{"a":(),"b":(5,),"c":[1,-2L],"d":None,"e":True}')).toEqual({ a: [], b: [5], c: [1, -2], d: null, e: true });
  });
  it('rejects malformed literals with a position', () => {
    expect(() => parsePyLiteral("{'a': 1")).toThrow(/expected ',' or '}'/);
    expect(() => parsePyLiteral("{'a' 1}")).toThrow(/expected ':' at character 5/);
    expect(() => parsePyLiteral("{1: 2}")).toThrow(/dict keys must be strings/);
    expect(() => parsePyLiteral("{'a': 1} x")).toThrow(/unexpected text after the literal/);
    expect(() => parsePyLiteral("{'a: 1}")).toThrow(/unterminated string/);
    expect(() => parsePyLiteral('{"a": 1.5}')).toThrow(/expected ',' or '}'/);
  });
});

describe('parseNpyHeader', () => {
  it('reads what encodeNpy writes, data aligned at 64', () => {
    const h = parseNpyHeader(encodeNpy([2, 3], new Float32Array(6)), 'a.npy');
    expect(h).toEqual({ version: 1, descr: '<f4', fortranOrder: false, shape: [2, 3], dataOffset: 128 });
    expect(parseNpyHeader(encodeNpy([4], new Uint8Array(4)), 'a.npy').shape).toEqual([4]);
  });
  it('reads format 2 and 3 headers (uint32 length) and key order does not matter', () => {
    const dict = "{'shape': (), 'fortran_order': True, 'descr': '|u1'}\n";
    const h = parseNpyHeader(rawNpy(dict, 2), 'b.npy');
    expect(h).toMatchObject({ version: 2, descr: '|u1', fortranOrder: true, shape: [], dataOffset: 12 + dict.length });
    expect(parseNpyHeader(rawNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,)}", 3), 'c.npy').version).toBe(3);
  });
  it('rejects bad magic, versions, truncation and bad dicts, naming the file', async () => {
    await expectBadInput(() => parseNpyHeader(Buffer.from('PK\x03\x04 zip'), 'x.npz'), /x\.npz: not a NumPy \.npy file/);
    const v9 = rawNpy('{}');
    v9[6] = 9;
    await expectBadInput(() => parseNpyHeader(v9, 'v.npy'), /v\.npy: \.npy format version 9\.0 is not supported/);
    await expectBadInput(() => parseNpyHeader(rawNpy("{'descr': '<f4'}").subarray(0, 14), 't.npy'), /t\.npy: truncated: 14 bytes present, the \.npy header says it ends at byte 26/);
    await expectBadInput(() => parseNpyHeader(rawNpy("{'descr': '<f4',"), 'm.npy'), /m\.npy: the \.npy header is not a valid Python dict literal/);
    await expectBadInput(() => parseNpyHeader(rawNpy("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,)}"), 's.npy'), /s\.npy: unsupported \.npy dtype .*structured/);
    await expectBadInput(() => parseNpyHeader(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}"), 'n.npy'), /n\.npy: the \.npy header's 'shape' must be a tuple of non-negative integers/);
    await expectBadInput(() => parseNpyHeader(rawNpy("{'descr': '<f4', 'shape': (1,)}"), 'f.npy'), /f\.npy: the \.npy header lacks a boolean 'fortran_order'/);
  });
});
