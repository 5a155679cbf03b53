import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startHost, type Host } from './server.ts';
import { createDispatcher, type Handlers } from '../api/dispatcher.ts';
import { JobManager } from '../jobs/job-manager.ts';
import type { Reply } from '../shared/api.ts';

type ErrorReply = Extract<Reply, { ok: false }>;

let host: Host;
const jobs = new JobManager();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'margin-host-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Margin</title>');
  const handlers = {
    'app.echo': ({ message }: { message: string }) => ({ message, at: 'now' }),
    'jobs.list': () => jobs.list(),
  } as unknown as Handlers;
  host = await startHost({ dispatcher: createDispatcher(handlers), subscribe: (l) => jobs.subscribe(l), staticDir: dir, port: 0 });
});
afterAll(async () => host.close());

const api = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${host.port}/api/${name}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

describe('browser host', () => {
  it('listens on 127.0.0.1 and prints a URL with the token', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[A-Za-z0-9_-]{20,}$`));
  });

  it('refuses requests without the token or with a wrong one (401)', async () => {
    expect((await api('app.echo', { message: 'hi' })).status).toBe(401);
    expect((await api('app.echo', { message: 'hi' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${host.port}/`)).status).toBe(401);
  });

  it('answers a valid request with the token', async () => {
    const res = await api('app.echo', { message: 'hi' }, { authorization: `Bearer ${host.token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, result: { message: 'hi', at: 'now' } });
  });

  it('validates parameters at the boundary and names the argument', async () => {
    const res = await api('app.echo', { message: 42 }, { authorization: `Bearer ${host.token}` });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorReply;
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message).toMatch(/^app\.echo: message: /);
    const unknown = await api('no.such', {}, { authorization: `Bearer ${host.token}` });
    expect(((await unknown.json()) as ErrorReply).error.message).toMatch(/unknown request/);
    const extra = await api('app.echo', { message: 'x', evil: 1 }, { authorization: `Bearer ${host.token}` });
    expect(((await extra.json()) as ErrorReply).error.message).toMatch(/evil/);
  });

  it('rejects malformed JSON with a clear error', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/api/app.echo`, { method: 'POST', body: '{not json', headers: { authorization: `Bearer ${host.token}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorReply).error.message).toMatch(/request body/);
  });

  it('serves the page with a strict CSP and sets the session cookie', async () => {
    const res = await fetch(host.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('pushes job events over the WebSocket only with the token', async () => {
    const bad = new WebSocket(`ws://127.0.0.1:${host.port}/events`);
    await new Promise<void>((resolve) => bad.on('error', () => resolve()));
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`);
    await new Promise((r) => ws.on('open', r));
    const got = new Promise<unknown>((r) => ws.on('message', (d) => r(JSON.parse(String(d)))));
    jobs.start('test', 'Quick', async () => 1);
    expect(await got).toMatchObject({ event: 'job.started', payload: { kind: 'test', title: 'Quick' } });
    ws.close();
  });
});
