/**
 * Content types of the renderer's static files, for the browser host and the Electron shell's
 * `margin://` scheme alike (both serve the same built folder). Unknown endings are served as
 * opaque bytes, which `X-Content-Type-Options: nosniff` keeps the browser from guessing at.
 */
import { extname } from 'node:path';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
};

/** The Content-Type for a file path, by its ending. */
export function contentTypeOf(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}
