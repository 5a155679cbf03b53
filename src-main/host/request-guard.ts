/**
 * The browser host's request checks, as pure functions (no sockets): which origin may call, how
 * the token is carried, which bodies are accepted, and how a request path is decoded. The server
 * (server.ts) turns each refusal into its HTTP status.
 *
 * The threat: any page the user has open in the same browser (another port of 127.0.0.1 is the
 * same *site*, so cookies and SameSite do not separate it) must not drive the host. Hence:
 *  - the token travels only in `Authorization: Bearer` (API) or the `Sec-WebSocket-Protocol` list
 *    (events), never in a cookie a browser would attach on another page's behalf;
 *  - `Origin`, when sent (browsers always send it on POST and WebSocket handshakes), must be this
 *    host's own origin, and `Sec-Fetch-Site`, when sent, must be same-origin or none;
 *  - POST bodies must be `application/json` (a no-cors form or text/plain POST cannot set it).
 */
import { timingSafeEqual } from 'node:crypto';

/** The WebSocket subprotocol the host answers with; the token rides in a second `margin.token.<token>` entry. */
export const WS_PROTOCOL = 'margin.v1';
export const WS_TOKEN_PREFIX = 'margin.token.';

export type Refusal = { status: 400 | 401 | 403 | 405 | 413 | 415; message: string };

/** The two origins a page of this host can have. */
export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/** The Host header must name this loopback address (DNS-rebinding guard). */
export function checkHost(host: string | undefined, port: number): Refusal | null {
  const h = (host ?? '').toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}` ? null : { status: 403, message: 'wrong Host header: open the URL Margin printed' };
}

/**
 * Origin and Sec-Fetch-Site. A request without Origin comes from a non-browser client (which
 * must still hold the token); a browser sends Origin on every POST and WebSocket handshake, and
 * `null` (sandboxed frames, file://) is refused like any foreign origin.
 */
export function checkOrigin(origin: string | undefined, secFetchSite: string | undefined, port: number): Refusal | null {
  if (origin !== undefined && !ownOrigins(port).includes(origin)) {
    return { status: 403, message: 'cross-origin request refused: only the workbench page served by this host may call it' };
  }
  if (secFetchSite !== undefined && secFetchSite !== 'same-origin' && secFetchSite !== 'none') {
    return { status: 403, message: `cross-site request refused (Sec-Fetch-Site: ${secFetchSite.slice(0, 20)}): only the workbench page served by this host may call it` };
  }
  return null;
}

/** POST bodies must be declared JSON. */
export function checkJsonContentType(contentType: string | undefined): Refusal | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' ? null : { status: 415, message: 'API requests must be sent with Content-Type: application/json' };
}

/** The token from `Authorization: Bearer <token>`, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** The token from a `Sec-WebSocket-Protocol` list (`margin.v1, margin.token.<token>`), or null. */
export function webSocketToken(protocols: string | undefined): string | null {
  if (!protocols) return null;
  for (const p of protocols.split(',')) {
    const t = p.trim();
    if (t.startsWith(WS_TOKEN_PREFIX)) return t.slice(WS_TOKEN_PREFIX.length);
  }
  return null;
}

/** Constant-time comparison of a presented token with the host's. */
export function tokenMatches(presented: string | null | undefined, token: string): boolean {
  if (presented == null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface RequestTarget {
  /** The decoded path, always starting with '/' and free of dot segments, NUL and backslashes. */
  path: string;
  query: URLSearchParams;
}

/**
 * Splits and decodes a request target. Anything that is not a plain absolute path is a 400:
 * bad percent-escapes (`/%E0%A4%A`), dot segments in any spelling (`/..%2f`, `/%2e%2e/`), encoded
 * slashes or backslashes, NUL bytes, absolute-form or protocol-relative targets.
 */
export function parseTarget(raw: string | undefined): RequestTarget | Refusal {
  const bad = (why: string): Refusal => ({ status: 400, message: `malformed request URL: ${why}` });
  if (!raw || raw[0] !== '/' || raw.startsWith('//')) return bad('the path must start with a single /');
  if (raw.length > 4096) return bad('longer than 4096 characters');
  const q = raw.indexOf('?');
  const rawPath = (q < 0 ? raw : raw.slice(0, q)).split('#')[0];
  const rawQuery = q < 0 ? '' : raw.slice(q + 1).split('#')[0];
  if (/%2f|%5c/i.test(rawPath)) return bad('encoded slashes are not accepted');
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return bad('invalid percent-encoding');
  }
  if (path.includes('\0') || path.includes('\\')) return bad('NUL bytes and backslashes are not accepted');
  if (path.split('/').some((seg) => seg === '..' || seg === '.')) return bad('dot segments are not accepted');
  let query: URLSearchParams;
  try {
    // URLSearchParams tolerates bad escapes; decode once to refuse them like the path's.
    decodeURIComponent(rawQuery.replace(/\+/g, ' '));
    query = new URLSearchParams(rawQuery);
  } catch {
    return bad('invalid percent-encoding in the query');
  }
  return { path, query };
}

export function isRefusal(x: unknown): x is Refusal {
  return typeof x === 'object' && x !== null && 'status' in x && 'message' in x;
}
