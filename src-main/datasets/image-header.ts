/**
 * Width and height of a PNG or JPEG from its header, without decoding it: so an image claiming
 * 100000×100000 pixels is refused before a decoder allocates 40 GB for it.
 * PNG: the IHDR chunk, which must come first (bytes 8–32). JPEG: the first start-of-frame
 * marker (SOF0–SOF15 except DHT, JPG and DAC), reached by walking the marker segments.
 * Pure: works on the bytes given.
 */

export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

export type ImageHeaderResult = ImageHeader | { error: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

function pngHeader(b: Uint8Array): ImageHeaderResult {
  // signature (8) + length (4) + "IHDR" (4) + width (4) + height (4)
  if (b.length < 24) return { error: 'the PNG is cut short before its header (IHDR)' };
  if (!(b[12] === 0x49 && b[13] === 0x48 && b[14] === 0x44 && b[15] === 0x52)) return { error: 'the PNG does not start with its header chunk (IHDR)' };
  return { format: 'png', width: u32(b, 16), height: u32(b, 20) };
}

function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegHeader(b: Uint8Array): ImageHeaderResult {
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return { error: `the JPEG's marker structure is broken at byte ${at}` };
    const marker = b[at + 1];
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; } // no length
    if (marker === 0xd9 || marker === 0xda) return { error: 'the JPEG has no frame header (SOF) before its image data' };
    const len = u16(b, at + 2);
    if (len < 2) return { error: `the JPEG's marker structure is broken at byte ${at}` };
    if (isSof(marker)) {
      if (at + 9 > b.length) break;
      return { format: 'jpeg', height: u16(b, at + 5), width: u16(b, at + 7) };
    }
    at += 2 + len;
  }
  return { error: 'the JPEG is cut short before its frame header (SOF)' };
}

/** The image's format and size from its header, or why they cannot be read. */
export function readImageHeader(bytes: Uint8Array): ImageHeaderResult {
  if (isPng(bytes)) return pngHeader(bytes);
  if (isJpeg(bytes)) return jpegHeader(bytes);
  return { error: 'it is neither PNG nor JPEG despite its name' };
}
