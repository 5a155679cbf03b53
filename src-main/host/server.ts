/**
 * The browser host: the same API contract as Electron's IPC, served on 127.0.0.1 only.
 *   POST /api/<request name>   JSON body = params  → JSON Reply {ok, result | error}
 *   GET  /events               WebSocket; every pushed event as a JSON EventMessage
 *   GET  /…                    the built renderer (static files)
 * Every request must carry the per-run token: `?token=` (the printed URL), the
 * `Authorization: Bearer` header, or the HttpOnly cookie set when the page is first opened.
 * Without it: 401. The Host header must name this loopback address (DNS-rebinding guard).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatcher } from '../api/dispatcher.ts';
import type { EventMessage } from '../shared/api.ts';

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
const COOKIE = 'margin_token';
const MIME: Record<string, string> = {
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

/** The renderer's Content-Security-Policy (also set by the Electron shell). */
export function contentSecurityPolicy(connect: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'", // Vue and ECharts set inline styles
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${connect}`.trim(),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const staticRoot = resolve(opts.staticDir);
  let port = opts.port ?? 0;

  const tokenOk = (req: IncomingMessage, url: URL): boolean => {
    const candidates = [url.searchParams.get('token'), bearer(req.headers.authorization), cookie(req.headers.cookie, COOKIE)];
    return candidates.some((c) => c != null && safeEqual(c, token));
  };
  const hostOk = (req: IncomingMessage): boolean => {
    const h = (req.headers.host ?? '').toLowerCase();
    return h === `${HOST}:${port}` || h === `localhost:${port}`;
  };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
      if (!hostOk(req)) return sendJson(res, 403, { ok: false, error: { code: 'UNAUTHORIZED', message: 'wrong Host header: open the URL Margin printed' } });
      if (!tokenOk(req, url)) {
        return sendJson(res, 401, { ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong token: open the URL with ?token= that `margin serve` printed' } });
      }
      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'BAD_REQUEST', message: 'API requests are POST with a JSON body' } });
        let params: unknown;
        try {
          const body = await readBody(req, maxBody);
          params = body.length ? JSON.parse(body.toString('utf8')) : {};
        } catch (err) {
          return sendJson(res, 400, { ok: false, error: { code: 'BAD_REQUEST', message: `request body: ${(err as Error).message}` } });
        }
        const name = decodeURIComponent(url.pathname.slice('/api/'.length));
        const reply = await opts.dispatcher.dispatch(name, params);
        const status = reply.ok ? 200 : reply.error.code === 'BAD_REQUEST' ? 400 : reply.error.code === 'NOT_FOUND' ? 404 : 200;
        return sendJson(res, status, reply);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { ok: false, error: { code: 'BAD_REQUEST', message: 'method not allowed' } });
      if (url.searchParams.get('token')) {
        res.setHeader('Set-Cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      }
      await serveStatic(res, staticRoot, url.pathname, port);
    } catch (err) {
      sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: (err as Error).message } });
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    if (url.pathname !== '/events' || !hostOk(req) || !tokenOk(req, url)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
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

async function serveStatic(res: ServerResponse, root: string, pathname: string, port: number): Promise<void> {
  let rel = decodeURIComponent(pathname);
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = normalize(join(root, rel));
  if (file !== root && !file.startsWith(root + sep)) return void sendJson(res, 403, { ok: false, error: { code: 'UNAUTHORIZED', message: 'outside the app folder' } });
  let target = file;
  const st = await stat(target).catch(() => null);
  if (!st || !st.isFile()) {
    if (extname(rel)) return void sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: `no file ${rel}` } });
    target = join(root, 'index.html'); // client-side routes
  }
  const body = await readFile(target).catch(() => null);
  if (!body) {
    return void sendJson(res, 503, {
      ok: false,
      error: { code: 'NOT_FOUND', message: `the workbench is not built (${join(root, 'index.html')} missing): run \`npm run build:renderer\`` },
    });
  }
  const type = MIME[extname(target)] ?? 'application/octet-stream';
  res.setHeader('Content-Type', type);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  if (type.startsWith('text/html')) {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(`ws://${HOST}:${port} ws://localhost:${port}`));
    res.setHeader('Cache-Control', 'no-store');
  }
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(data);
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new Error(`larger than ${max} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function bearer(h: string | undefined): string | null {
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h);
  return m ? m[1].trim() : null;
}

function cookie(h: string | undefined, key: string): string | null {
  if (!h) return null;
  for (const part of h.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === key) return v.join('=');
  }
  return null;
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a), bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
