import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readImageHeader } from './image-header.ts';

function png(width: number, height: number): Buffer {
  const p = new PNG({ width, height });
  p.data.fill(128);
  return PNG.sync.write(p);
}

describe('readImageHeader', () => {
  it('reads PNG and JPEG sizes without decoding', () => {
    expect(readImageHeader(png(5, 3))).toEqual({ format: 'png', width: 5, height: 3 });
    const j = jpeg.encode({ width: 7, height: 4, data: Buffer.alloc(7 * 4 * 4, 200) }, 90).data;
    expect(readImageHeader(j)).toEqual({ format: 'jpeg', width: 7, height: 4 });
  });

  it('reads a forged huge size from the header alone', () => {
    const p = png(2, 2);
    p.writeUInt32BE(100000, 16);
    p.writeUInt32BE(100000, 20);
    expect(readImageHeader(p)).toEqual({ format: 'png', width: 100000, height: 100000 });
  });

  it('says why a header cannot be read', () => {
    expect(readImageHeader(png(2, 2).subarray(0, 20))).toEqual({ error: expect.stringMatching(/cut short before its header/) });
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).toEqual({ error: expect.stringMatching(/JPEG is cut short/) });
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 4, 0, 0]))).toEqual({ error: expect.stringMatching(/no frame header/) });
    expect(readImageHeader(Buffer.from([0xff, 0xd8, 0x12, 0x34, 0, 4]))).toEqual({ error: expect.stringMatching(/neither PNG nor JPEG|marker structure/) });
    expect(readImageHeader(Buffer.from('GIF89a'))).toEqual({ error: expect.stringMatching(/neither PNG nor JPEG/) });
  });
});
