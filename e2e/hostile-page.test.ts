/**
 * Issue 11, point 6: only the workbench's own page can drive the browser host. The real workbench
 * is opened first (so any cookie or storage it sets exists in this browser), then a page served
 * from ANOTHER port of 127.0.0.1 — the same *site*, so cookies would be shared — tries everything a
 * hostile page can: read the token, POST to the API (no-cors text/plain, a beacon, a form, a CORS
 * JSON fetch, even one that knows the token) and listen on the event WebSocket. It must get nothing:
 * no project folder written, no event received, no token read. A legitimate client then does the
 * same write and receives the event, proving the probes could have succeeded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { BrowserContext, Page } from 'playwright-core';
import { freshDir, launchBrowser, serve, type ServedHost } from './support/browser.ts';

const WAIT_MS = 60_000;

describe('a hostile page on another 127.0.0.1 port', () => {
  let host: ServedHost;
  let browser: BrowserContext;
  let hostile: Server;
  let hostileOrigin: string;
  let workbench: Page;
  let attacker: Page;
  const out = freshDir('margin-hostile-');

  beforeAll(async () => {
    host = await serve([]);
    hostile = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>not Margin</title><form id="f" method="POST" enctype="text/plain"></form>');
    });
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', () => r()));
    const addr = hostile.address();
    hostileOrigin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await launchBrowser();
    workbench = await browser.newPage();
    await workbench.goto(host.url);
    await workbench.getByTestId('backend-name').waitFor({ timeout: WAIT_MS });
    attacker = await browser.newPage();
    await attacker.goto(hostileOrigin);
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await new Promise<void>((r) => (hostile ? hostile.close(() => r()) : r()));
  });

  it('the workbench page works and keeps the token out of its address and out of cookies', async () => {
    expect(new URL(workbench.url()).searchParams.get('token')).toBeNull();
    const cookies = await browser.cookies();
    expect(cookies.filter((c) => c.value.includes(host.token))).toEqual([]);
  });

  it('cannot read the token', async () => {
    const found = (await attacker.evaluate(`(async () => {
      const seen = [document.cookie, localStorage.length ? JSON.stringify({ ...localStorage }) : '', sessionStorage.length ? JSON.stringify({ ...sessionStorage }) : ''];
      for (const url of [${JSON.stringify(host.origin + '/')}, ${JSON.stringify(host.origin + '/index.html')}]) {
        try { const r = await fetch(url, { credentials: 'include' }); seen.push(await r.text()); } catch (e) { seen.push('blocked'); }
      }
      // A window it opens on the workbench is cut off from it (COOP) and has no token of its own.
      const w = window.open(${JSON.stringify(host.origin + '/')});
      await new Promise((r) => setTimeout(r, 500));
      try { seen.push(String(w && w.sessionStorage && JSON.stringify({ ...w.sessionStorage }))); } catch (e) { seen.push('blocked'); }
      try { seen.push(String(w && w.location.href)); } catch (e) { seen.push('blocked'); }
      return seen.join('\\n');
    })()`)) as string;
    expect(found).not.toContain(host.token);
  });

  it('cannot write through the API, with or without the token', async () => {
    const dirs = ['no-cors-text', 'no-cors-json', 'beacon', 'form', 'cors-json', 'cors-json-with-token'].map((k) => join(out, k));
    const body = (dir: string) => JSON.stringify({ dir, name: 'hostile' });
    const api = `${host.origin}/api/project.create`;
    const results = (await attacker.evaluate(`(async () => {
      const api = ${JSON.stringify(api)};
      const res = [];
      const attempt = async (label, f) => { try { res.push(label + ': ' + (await f())); } catch (e) { res.push(label + ': threw ' + e.message); } };
      // The beacon first: it is fire-and-forget, the round trips after it give it time to arrive.
      await attempt('beacon', async () => navigator.sendBeacon(api, ${JSON.stringify(body(dirs[2]))}));
      await attempt('no-cors text', async () => (await fetch(api, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body(dirs[0]))} })).type);
      await attempt('no-cors json', async () => (await fetch(api, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body(dirs[1]))} })).type);
      await attempt('cors json', async () => (await fetch(api, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body(dirs[4]))} })).status);
      await attempt('cors json with the token', async () => (await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + ${JSON.stringify(host.token)} }, body: ${JSON.stringify(body(dirs[5]))} })).status);
      // A text/plain form posts name=value; make the pair read as the JSON body.
      const f = document.getElementById('f');
      f.action = api; f.target = 'sink';
      const i = document.createElement('input');
      const json = ${JSON.stringify(body(dirs[3]))};
      i.name = json.slice(0, -1) + ', "pad": "'; i.value = '"}';
      f.appendChild(i);
      const frame = document.createElement('iframe'); frame.name = 'sink'; document.body.appendChild(frame);
      await new Promise((r) => { frame.onload = r; f.submit(); setTimeout(r, 2000); });
      res.push('form: submitted');
      return res;
    })()`)) as string[];
    expect(results).toHaveLength(6);
    // Every attempt has reached the host (or been blocked by the browser) by now; nothing was written.
    for (const d of dirs) expect(existsSync(d), d).toBe(false);

    // The same write from a legitimate client succeeds: the probes were not vacuous.
    const ok = join(out, 'legit');
    const res = await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` }, body: body(ok) });
    expect(res.status).toBe(200);
    expect(existsSync(ok)).toBe(true);
  });

  it('cannot listen to the event WebSocket, with or without the token', async () => {
    const wsUrl = `${host.origin.replace(/^http/, 'ws')}/events`;
    await attacker.evaluate(`(() => {
      window.__got = []; window.__opened = [];
      const tries = [[], ['margin.v1'], ['margin.v1', 'margin.token.guess'], ['margin.v1', 'margin.token.' + ${JSON.stringify(host.token)}]];
      tries.forEach((protocols, k) => {
        try {
          const ws = new WebSocket(${JSON.stringify(wsUrl)}, protocols);
          ws.onopen = () => window.__opened.push(k);
          ws.onmessage = (e) => window.__got.push(String(e.data));
        } catch (e) { window.__got.push('threw ' + e.message); }
      });
    })()`);
    // A legitimate listener, connected like the workbench page.
    const legit = new WebSocket(wsUrl, ['margin.v1', `margin.token.${host.token}`], { headers: { origin: host.origin } });
    const legitGot: string[] = [];
    legit.on('message', (d) => legitGot.push(String(d)));
    await new Promise((r, j) => { legit.once('open', r); legit.once('error', j); });
    // Give the attacker's handshakes time to settle (each is refused with 401/403 by now).
    await attacker.waitForTimeout(500);
    // An event: a project is created and opened (project.changed goes to every accepted socket).
    const res = await fetch(`${host.origin}/api/project.create`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` }, body: JSON.stringify({ dir: join(out, 'legit-2') }) });
    expect(res.status).toBe(200);
    await expect.poll(() => legitGot.some((m) => m.includes('project.changed')), { timeout: WAIT_MS }).toBe(true);
    await attacker.waitForTimeout(500);
    legit.close();
    expect(await attacker.evaluate('window.__opened')).toEqual([]);
    expect(await attacker.evaluate('window.__got')).toEqual([]);
  });
});
