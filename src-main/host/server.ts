/**
 * The browser host: the same API contract as Electron's IPC, served on 127.0.0.1 only, to the
 * workbench page it serves and to nothing else a browser has open.
 *   POST /api/<request name>   JSON body = params  → JSON Reply {ok, result | error}
 *   GET  /events               WebSocket; every pushed event as a JSON EventMessage
 *   GET  /…                    the built renderer (static files)
 *
 * Who may call (request-guard.ts has the checks and their reasons):
 *  - API: `Authorization: Bearer <token>` (no cookie, no query token), `Content-Type:
 *    application/json` (else 415), Origin = this host's own origin when sent and Sec-Fetch-Site
 *    same-origin/none when sent (else 403), bodies up to `maxBodyBytes` (else 413).
 *  - WebSocket: the same Origin checks, the token as a `margin.token.<token>` entry of
 *    Sec-WebSocket-Protocol beside `margin.v1` (the protocol the host answers with).
 *  - Static files: the renderer bundle holds no data and no secret, so it is served without the
 *    token (a reload after the page removed `?token=` from its address must work); a wrong
 *    `?token=` is a 401, and subresources may only be loaded by this origin.
 * Every response carries the security headers of csp.ts; malformed URLs are 400s; error messages
 * never quote a request body or a file.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatcher } from '../api/dispatcher.ts';
import type { EventMessage } from '../shared/api.ts';
import { securityHeaders } from './csp.ts';
import { contentTypeOf } from './mime.ts';
import {
  bearerToken, checkHost, checkJsonContentType, checkOrigin, isRefusal, parseTarget, tokenMatches, webSocketToken, WS_PROTOCOL, type Refusal,
} from './request-guard.ts';

export { contentSecurityPolicy } from './csp.ts';

export interface HostOptions {
  dispatcher: Dispatcher;
  subscribe: (listener: (m: EventMessage) => void) => () => void;
  /** Folder of the built renderer (index.html + assets). */
  staticDir: string;
  port?: number; // 0 = any free port
  token?: string;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
}

export interface Host {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const REASON: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 415: 'Unsupported Media Type' };
const CODE_OF: Record<number, 'BAD_REQUEST' | 'UNAUTHORIZED' | 'NOT_FOUND'> = { 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'UNAUTHORIZED', 404: 'NOT_FOUND', 405: 'BAD_REQUEST', 413: 'BAD_REQUEST', 415: 'BAD_REQUEST' };

export async function startHost(opts: HostOptions): Promise<Host> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const staticRoot = resolve(opts.staticDir);
  let port = opts.port ?? 0;
  const headers = () => securityHeaders(`ws://${HOST}:${port} ws://localhost:${port}`);

  const refuse = (res: ServerResponse, r: Refusal) => sendJson(res, r.status, { ok: false, error: { code: CODE_OF[r.status] ?? 'BAD_REQUEST', message: r.message } });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [k, v] of Object.entries(headers())) res.setHeader(k, v);
    const target = parseTarget(req.url);
    if (isRefusal(target)) return refuse(res, target);
    const hostRefusal = checkHost(req.headers.host, port);
    if (hostRefusal) return refuse(res, hostRefusal);
    const origin = header(req, 'origin');
    const site = header(req, 'sec-fetch-site');

    if (target.path.startsWith('/api/')) {
      const originRefusal = checkOrigin(origin, site, port);
      if (originRefusal) return refuse(res, originRefusal);
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        return refuse(res, { status: 405, message: 'API requests are POST with a JSON body' });
      }
      if (!tokenMatches(bearerToken(req.headers.authorization), token)) {
        return refuse(res, { status: 401, message: 'missing or wrong token: API requests carry `Authorization: Bearer <token>`, the token of the URL `margin serve` printed' });
      }
      const typeRefusal = checkJsonContentType(req.headers['content-type']);
      if (typeRefusal) return refuse(res, typeRefusal);
      const tooLarge: Refusal = { status: 413, message: `request body larger than ${maxBody} bytes` };
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBody) return refuse(res, tooLarge);
      const body = await readBody(req, maxBody);
      if (body === null) return refuse(res, tooLarge);
      let params: unknown;
      try {
        params = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        // The parser's message quotes the body: say what is wrong without it.
        return refuse(res, { status: 400, message: 'request body is not valid JSON: send the parameters as one JSON object' });
      }
      const reply = await opts.dispatcher.dispatch(target.path.slice('/api/'.length), params);
      const status = reply.ok ? 200 : reply.error.code === 'BAD_REQUEST' ? 400 : reply.error.code === 'NOT_FOUND' ? 404 : 200;
      return sendJson(res, status, reply);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return refuse(res, { status: 405, message: 'method not allowed' });
    }
    if (target.path === '/events') return refuse(res, { status: 400, message: '/events is a WebSocket' });
    // A page may be opened from anywhere (a terminal, a bookmark): navigations pass; subresources
    // and script reads only from this origin.
    const navigation = header(req, 'sec-fetch-mode') === 'navigate' && origin === undefined;
    if (!navigation) {
      const originRefusal = checkOrigin(origin, site, port);
      if (originRefusal) return refuse(res, originRefusal);
    }
    const queryToken = target.query.get('token');
    if (queryToken !== null && !tokenMatches(queryToken, token)) {
      return refuse(res, { status: 401, message: 'wrong token: open the URL with ?token= that `margin serve` printed' });
    }
    await serveStatic(res, staticRoot, target.path);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error(`margin host: ${req.method} ${String(req.url).slice(0, 200)} failed: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: 'internal error of the Margin host (details in its terminal)' } });
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = parseTarget(req.url);
    const refusal: Refusal | null = isRefusal(target)
      ? target
      : target.path !== '/events'
        ? { status: 400, message: 'the only WebSocket is /events' }
        : checkHost(req.headers.host, port) ??
          checkOrigin(header(req, 'origin'), header(req, 'sec-fetch-site'), port) ??
          (!tokenMatches(webSocketToken(header(req, 'sec-websocket-protocol')), token)
            ? { status: 401, message: 'missing or wrong token: the WebSocket carries it as a `margin.token.<token>` subprotocol' }
            : !(header(req, 'sec-websocket-protocol') ?? '').split(',').some((p) => p.trim() === WS_PROTOCOL)
              ? { status: 400, message: `the WebSocket must offer the ${WS_PROTOCOL} subprotocol` }
              : null);
    if (refusal) {
      const body = JSON.stringify({ ok: false, error: { code: CODE_OF[refusal.status] ?? 'BAD_REQUEST', message: refusal.message } });
      socket.end(
        `HTTP/1.1 ${refusal.status} ${REASON[refusal.status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => undefined); // the socket only pushes; requests go over HTTP
    });
  });
  const unsubscribe = opts.subscribe((m) => {
    const data = JSON.stringify(m);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(data);
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is in use: choose another with --port, or 0 for any free port`) : err);
    });
    server.listen(port, HOST, () => resolvePromise());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : port;

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** `path` is already decoded and free of dot segments (parseTarget); the root check is a second guard. */
async function serveStatic(res: ServerResponse, root: string, path: string): Promise<void> {
  const rel = path === '/' || path === '' ? '/index.html' : path;
  const file = normalize(join(root, rel));
  if (file !== root && !file.startsWith(root + sep)) return void sendJson(res, 400, { ok: false, error: { code: 'BAD_REQUEST', message: 'outside the app folder' } });
  let target = file;
  const st = await stat(target).catch(() => null);
  if (!st || !st.isFile()) {
    if (extname(rel)) return void sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: `no file ${rel.slice(0, 200)}` } });
    target = join(root, 'index.html'); // client-side routes
  }
  const body = await readFile(target).catch(() => null);
  if (!body) {
    return void sendJson(res, 503, {
      ok: false,
      error: { code: 'NOT_FOUND', message: `the workbench is not built (${join(root, 'index.html')} missing): run \`npm run build:renderer\`` },
    });
  }
  const type = contentTypeOf(target);
  res.setHeader('Content-Type', type);
  if (type.startsWith('text/html')) res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(data);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The body, or null once it passes `max` bytes. The rest of an oversized body is read and
 * dropped (so the client gets its 413 instead of a reset) up to 16 × max, then the socket closes.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 16 * max) return void req.destroy();
      if (size > max) {
        chunks.length = 0;
        return resolveBody(null);
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(size > max ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
