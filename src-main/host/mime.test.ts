import { describe, expect, it } from 'vitest';
import { contentTypeOf } from './mime.ts';

describe('contentTypeOf', () => {
  it('types the renderer build\'s files by ending, case-insensitively', () => {
    expect(contentTypeOf('/out/renderer/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('assets/index-abc.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('tfjs-backend-wasm-simd.wasm')).toBe('application/wasm');
  });
  it('serves anything else as opaque bytes', () => {
    expect(contentTypeOf('notes.txt')).toBe('application/octet-stream');
    expect(contentTypeOf('Makefile')).toBe('application/octet-stream');
  });
});
