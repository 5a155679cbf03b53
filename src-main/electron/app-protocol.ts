/**
 * The renderer's own scheme: `margin://app/<path>` serves the built renderer folder, so the window
 * never loads file:// (which would give the page read access to neighbouring files and a null
 * origin). Plain Node (fetch's Request/Response): main.ts hands `serveAppRequest` to
 * `protocol.handle('margin', …)`, and the tests call it directly.
 *
 * A URL maps to a file only if it decodes cleanly, has no dot segments, backslashes, NUL or encoded
 * slashes, and its real path (symlinks resolved) stays inside the folder. Every response carries the
 * renderer's CSP and the other security headers.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { securityHeaders } from '../host/csp.ts';
import { APP_HOST, APP_SCHEME } from './policy.ts';
import { contentTypeOf } from '../host/mime.ts';


/**
 * The file under `root` that `url` names, or an error string: only margin://app/…, decoded once,
 * no traversal in any spelling. '/' is index.html; paths without an extension are client routes
 * (index.html too). `root` must be absolute. Does not touch the disk.
 */
export function resolveAppPath(url: string, root: string): { file: string } | { error: string; status: 400 | 404 } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { error: 'not a URL', status: 400 };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password) return { error: `only ${APP_SCHEME}://${APP_HOST}/ is served`, status: 404 };
  // The raw path (URL keeps percent-escapes): refuse encoded separators before decoding.
  const rawPath = u.pathname;
  if (/%2f|%5c|%00/i.test(rawPath)) return { error: 'encoded separators are not accepted', status: 400 };
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { error: 'invalid percent-encoding', status: 400 };
  }
  if (path.includes('\0') || path.includes('\\')) return { error: 'NUL bytes and backslashes are not accepted', status: 400 };
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { error: 'dot segments are not accepted', status: 400 };
  if (segments.length === 0 || !extname(segments[segments.length - 1])) return { file: join(root, 'index.html') };
  const file = resolve(root, ...segments);
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return { error: 'outside the app folder', status: 400 };
  return { file };
}

/** Answers one request of the `margin:` scheme from the built renderer folder `root`. */
export async function serveAppRequest(request: Request, root: string): Promise<Response> {
  const headers = securityHeaders('');
  const refuse = (status: number, message: string) => new Response(message, { status, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' } });
  if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'method not allowed');
  const absRoot = resolve(root);
  const target = resolveAppPath(request.url, absRoot);
  if ('error' in target) return refuse(target.status, target.error);
  // Symlinks: the real file must still be inside the real folder.
  const [realRoot, realFile] = await Promise.all([realpath(absRoot).catch(() => null), realpath(target.file).catch(() => null)]);
  if (!realRoot || !realFile) return refuse(404, 'not found');
  if (realFile !== realRoot && !realFile.startsWith(realRoot + sep)) return refuse(404, 'not found');
  const st = await stat(realFile).catch(() => null);
  if (!st?.isFile()) return refuse(404, 'not found');
  const body = await readFile(realFile);
  const type = contentTypeOf(realFile);
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: { ...headers, 'Content-Type': type, ...(type.startsWith('text/html') ? { 'Cache-Control': 'no-store' } : {}) },
  });
}
