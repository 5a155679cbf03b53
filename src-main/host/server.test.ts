import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startHost, type Host } from './server.ts';
import { createDispatcher, type Handlers } from '../api/dispatcher.ts';
import { JobManager } from '../jobs/job-manager.ts';
import type { Reply } from '../shared/api.ts';

type ErrorReply = Extract<Reply, { ok: false }>;

let host: Host;
let origin: string;
const jobs = new JobManager();
const echoed: string[] = [];
const SECRET_FILE_TEXT = 'TOP-SECRET-CONTENT-7f3a';

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'margin-host-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Margin</title>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tmpdir(), 'margin-host-secret.txt'), SECRET_FILE_TEXT);
  const handlers = {
    'app.echo': ({ message }: { message: string }) => {
      echoed.push(message);
      return { message, at: 'now' };
    },
    'jobs.list': () => jobs.list(),
  } as unknown as Handlers;
  host = await startHost({ dispatcher: createDispatcher(handlers), subscribe: (l) => jobs.subscribe(l), staticDir: dir, port: 0, maxBodyBytes: 64 * 1024 });
  origin = `http://127.0.0.1:${host.port}`;
});
afterAll(async () => host.close());

const auth = () => ({ authorization: `Bearer ${host.token}` });
const api = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${origin}/api/${name}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

/** A raw request (fetch would normalise the path), resolving to status and body. */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: host.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Opens a WebSocket and resolves with how it ended: 'open' (then closed by us) or the refusal. */
function tryWebSocket(opts: { protocols?: string[]; headers?: Record<string, string>; path?: string }): Promise<{ opened: boolean; status?: number; events: unknown[] }> {
  return new Promise((resolve) => {
    const events: unknown[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${opts.path ?? '/events'}`, opts.protocols ?? [], { headers: opts.headers });
    ws.on('message', (d) => events.push(JSON.parse(String(d))));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode, events });
      res.resume();
    });
    ws.on('error', () => resolve({ opened: false, events }));
    ws.on('open', () => {
      // Give the host a job event to push, then report what arrived.
      jobs.start('test', 'Probe', async () => 1);
      setTimeout(() => {
        ws.close();
        resolve({ opened: true, events });
      }, 300);
    });
  });
}

describe('browser host: who may call', () => {
  it('listens on 127.0.0.1 and prints a URL with the token', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[A-Za-z0-9_-]{20,}$`));
  });

  it('refuses API requests without the token or with a wrong one (401)', async () => {
    expect((await api('app.echo', { message: 'hi' })).status).toBe(401);
    expect((await api('app.echo', { message: 'hi' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    // The query token of the page URL does not authorise API calls.
    const q = await fetch(`${origin}/api/app.echo?token=${host.token}`, { method: 'POST', body: '{"message":"q"}', headers: { 'content-type': 'application/json' } });
    expect(q.status).toBe(401);
    expect(echoed).not.toContain('q');
  });

  it('does not accept a cookie in place of the token, and sets none', async () => {
    const page = await fetch(host.url);
    expect(page.headers.get('set-cookie')).toBeNull();
    for (const name of ['margin_token', 'token']) {
      const res = await api('app.echo', { message: 'cookie' }, { cookie: `${name}=${host.token}` });
      expect(res.status).toBe(401);
    }
    expect(echoed).not.toContain('cookie');
  });

  it('answers a valid request with the token', async () => {
    const res = await api('app.echo', { message: 'hi' }, { ...auth(), origin });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, result: { message: 'hi', at: 'now' } });
    const viaLocalhost = await api('app.echo', { message: 'hi' }, { ...auth(), origin: `http://localhost:${host.port}`, 'sec-fetch-site': 'same-origin' });
    expect(viaLocalhost.status).toBe(200);
  });

  it('refuses a foreign Origin (403) even with the token', async () => {
    for (const o of [`http://127.0.0.1:${host.port + 1}`, 'http://evil.example', 'null', `https://127.0.0.1:${host.port}`, `http://127.0.0.1:${host.port}.evil.example`]) {
      const res = await api('app.echo', { message: 'foreign' }, { ...auth(), origin: o });
      expect(res.status, o).toBe(403);
      expect(((await res.json()) as ErrorReply).error.message).toMatch(/cross-origin/);
    }
    expect(echoed).not.toContain('foreign');
  });

  it('refuses Sec-Fetch-Site other than same-origin/none (403)', async () => {
    for (const s of ['cross-site', 'same-site']) {
      const res = await api('app.echo', { message: 'site' }, { ...auth(), 'sec-fetch-site': s });
      expect(res.status, s).toBe(403);
    }
    expect(echoed).not.toContain('site');
  });

  it('refuses POSTs that are not application/json (415), as a no-cors page could send', async () => {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const res = await fetch(`${origin}/api/app.echo`, { method: 'POST', body: '{"message":"plain"}', headers: { ...auth(), ...(type ? { 'content-type': type } : {}) } });
      expect(res.status, type).toBe(415);
    }
    expect(echoed).not.toContain('plain');
    expect((await api('app.echo', { message: 'charset' }, { ...auth(), 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('refuses a wrong Host header (DNS rebinding)', async () => {
    const res = await raw('/api/app.echo', { method: 'POST', headers: { ...auth(), host: 'evil.example', 'content-type': 'application/json' }, body: '{"message":"x"}' });
    expect(res.status).toBe(403);
  });

  it('answers non-POST API calls with 405', async () => {
    expect((await fetch(`${origin}/api/app.echo`, { headers: auth() })).status).toBe(405);
  });
});

describe('browser host: hostile input', () => {
  it('answers an oversized body with 413, declared or streamed, and stays up', async () => {
    const big = Buffer.alloc(200 * 1024, 0x20);
    const declared = await api('app.echo', big.toString(), auth());
    expect(declared.status).toBe(413);
    // Chunked upload (no Content-Length): refused once it passes the limit.
    const chunked = await raw('/api/app.echo', { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: big });
    expect(chunked.status).toBe(413);
    expect((await api('app.echo', { message: 'after' }, auth())).status).toBe(200);
  });

  it('answers malformed URLs with 400, never 500 or a reset', async () => {
    for (const path of ['/%E0%A4%A', '/..%2f', '/..%2fetc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%5c..%5cx', '/a%00b', '/api/%E0%A4%A', '/?token=%E0%A4%A', '/..', '/assets/../../x']) {
      const res = await raw(path, { headers: auth() });
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body).ok).toBe(false);
    }
    const ws = await tryWebSocket({ path: '/%E0%A4%A', protocols: ['margin.v1', `margin.token.${host.token}`] });
    expect(ws).toMatchObject({ opened: false, status: 400 });
  });

  it('rejects malformed JSON without quoting it', async () => {
    const res = await api('app.echo', `{"message": "${SECRET_FILE_TEXT}`, auth());
    expect(res.status).toBe(400);
    const message = ((await res.json()) as ErrorReply).error.message;
    expect(message).toMatch(/request body is not valid JSON/);
    expect(message).not.toContain(SECRET_FILE_TEXT);
  });

  it('validates parameters at the boundary and names the argument', async () => {
    const res = await api('app.echo', { message: 42 }, auth());
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorReply;
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message).toMatch(/^app\.echo: message: /);
    const unknown = await api('no.such', {}, auth());
    expect(((await unknown.json()) as ErrorReply).error.message).toMatch(/unknown request/);
    const extra = await api('app.echo', { message: 'x', evil: 1 }, auth());
    expect(((await extra.json()) as ErrorReply).error.message).toMatch(/evil/);
  });
});

describe('browser host: the page and its headers', () => {
  it('serves the page with the token, without it (reloads), and refuses a wrong one', async () => {
    expect((await fetch(host.url)).status).toBe(200);
    expect((await fetch(`${origin}/`)).status).toBe(200);
    expect((await fetch(`${origin}/?token=wrong`)).status).toBe(401);
  });

  it('sets the security headers on every response', async () => {
    const responses = [await fetch(host.url), await fetch(`${origin}/assets/app.js`), await api('app.echo', { message: 'h' }, auth()), await api('app.echo', {}), await raw('/%E0%A4%A')];
    for (const res of responses) {
      const get = (k: string) => (res instanceof Response ? res.headers.get(k) : (res.headers[k] as string | undefined));
      expect(get('content-security-policy')).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
      expect(get('x-content-type-options')).toBe('nosniff');
      expect(get('referrer-policy')).toBe('no-referrer');
      expect(get('cross-origin-resource-policy')).toBe('same-origin');
      expect(get('cross-origin-opener-policy')).toBe('same-origin');
    }
  });

  it('serves subresources to this origin only', async () => {
    expect((await fetch(`${origin}/assets/app.js`, { headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'no-cors' } })).status).toBe(200);
    expect((await fetch(`${origin}/assets/app.js`, { headers: { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' } })).status).toBe(403);
    expect((await fetch(`${origin}/assets/app.js`, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    // A navigation from elsewhere gets the (token-less, data-less) page.
    expect((await raw('/', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } })).status).toBe(200);
    expect((await raw('/assets/app.js', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' } })).status).toBe(403);
  });
});

describe('browser host: the event WebSocket', () => {
  it('pushes job events with the token in the subprotocol list', async () => {
    const r = await tryWebSocket({ protocols: ['margin.v1', `margin.token.${host.token}`], headers: { origin } });
    expect(r.opened).toBe(true);
    expect(r.events).toContainEqual(expect.objectContaining({ event: 'job.started', payload: expect.objectContaining({ kind: 'test', title: 'Probe' }) }));
  });

  it('refuses a socket without the token, with a wrong one, or in the query, and sends it nothing', async () => {
    for (const attempt of [
      { protocols: [] as string[] },
      { protocols: ['margin.v1'] },
      { protocols: ['margin.v1', 'margin.token.wrong'] },
      { path: `/events?token=${host.token}`, protocols: ['margin.v1'] },
      { protocols: ['margin.v1'], headers: { cookie: `margin_token=${host.token}` } },
    ]) {
      const r = await tryWebSocket(attempt);
      expect(r, JSON.stringify(attempt)).toMatchObject({ opened: false, status: 401, events: [] });
    }
  });

  it('refuses a socket from a foreign Origin or a cross-site page even with the token', async () => {
    const protocols = ['margin.v1', `margin.token.${host.token}`];
    const foreign: Array<Record<string, string>> = [{ origin: `http://127.0.0.1:${host.port + 1}` }, { origin: 'http://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'same-site' }];
    for (const headers of foreign) {
      const r = await tryWebSocket({ protocols, headers });
      expect(r, JSON.stringify(headers)).toMatchObject({ opened: false, status: 403, events: [] });
    }
  });
});
