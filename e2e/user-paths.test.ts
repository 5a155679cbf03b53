/**
 * #15.8: no request on a user-given path may block the host. A report or export path under /proc
 * (where Node's recursive mkdir never returns), a FIFO given as an output or input, and a project
 * made under /proc each answer with a message naming the path, and the host keeps answering other
 * requests meanwhile. Runs `margin serve` as a user would; the last case exports a report from the
 * workbench in Chromium and reads the message the page shows.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freshDir, launchBrowser, makeDemo, screenshotView, serve, type ServedHost } from './support/browser.ts';
import { VIEW_MS, go } from './support/flow.ts';

const hasProc = existsSync('/proc/self/status');
let host: ServedHost;
let dir: string;
const failures = new Map<string, { code: string; message: string }>();
let socket: WebSocket;

/** One request; resolves to the reply (ok or error). A host that never answers fails the test by its timeout. */
async function call(name: string, params: unknown): Promise<{ ok: boolean; result?: any; error?: { code: string; message: string } }> {
  const res = await fetch(`${host.origin}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(params),
    signal: AbortSignal.timeout(60_000),
  });
  return (await res.json()) as never;
}

/** The host answers a cheap request while `slow` is pending. */
async function answersMeanwhile<T>(slow: Promise<T>): Promise<T> {
  const info = await call('app.info', {});
  expect(info.ok).toBe(true);
  return slow;
}

async function jobFailure(jobId: string): Promise<{ code: string; message: string }> {
  for (let i = 0; i < 600; i++) {
    const f = failures.get(jobId);
    if (f) return f;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${jobId} did not fail`);
}

beforeAll(async () => {
  const out = freshDir('margin-user-paths-');
  dir = join(out, 'demo');
  if (process.env.MARGIN_E2E_DEMO_DIR) cpSync(process.env.MARGIN_E2E_DEMO_DIR, dir, { recursive: true });
  else await makeDemo(dir);
  host = await serve(['--project', dir]);
  socket = new WebSocket(`${host.origin.replace('http', 'ws')}/events`, ['margin.v1', `margin.token.${host.token}`]);
  socket.on('message', (d) => {
    const m = JSON.parse(String(d)) as { event: string; payload: { jobId: string; error: { code: string; message: string } } };
    if (m.event === 'job.failed') failures.set(m.payload.jobId, m.payload.error);
  });
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
});

afterAll(async () => {
  socket?.close();
  await host?.stop();
});

describe('user paths never block the host', () => {
  it.runIf(hasProc)('an export under /proc answers with the path and the problem', async () => {
    const reply = await answersMeanwhile(call('items.export', { model: 'mlp', out: '/proc/self/margin-e2e/items.csv' }));
    expect(reply.ok).toBe(false);
    expect(reply.error!.message).toMatch(/^cannot make the folder \/proc\/self\/margin-e2e: the file system at \S+ does not allow new folders/);
  });

  it.runIf(hasProc)('a report under /proc fails its job with a message; the host keeps answering', async () => {
    const started = await call('report.export', { model: 'mlp', out: '/proc/self/margin-e2e/report.html', pdf: false });
    expect(started.ok).toBe(true);
    const failure = await answersMeanwhile(jobFailure(started.result.jobId));
    expect(failure.message).toContain('/proc/self/margin-e2e');
    expect(failure.message).toMatch(/does not allow new folders/);
    expect(failure.message).not.toMatch(/\bE[A-Z]{3,}\b/); // no raw errno
    // Several at once (formerly each spun a libuv pool thread forever; four starved every file operation).
    const more = await Promise.all([1, 2, 3, 4, 5].map((i) => call('items.export', { model: 'mlp', out: `/proc/self/margin-e2e-${i}/x.csv` })));
    expect(more.every((r) => !r.ok)).toBe(true);
    const after = await call('project.info', {});
    expect(after.ok).toBe(true);
  });

  it('a FIFO as an output or an input is refused without being opened', async () => {
    const fifo = join(freshDir('margin-fifo-'), 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const exp = await answersMeanwhile(call('items.export', { model: 'mlp', out: fifo }));
    expect(exp.error!.message).toBe(`${fifo} is a FIFO (named pipe), not a regular file: give the path of a file to write`);
    const imp = await call('dataset.import', { name: 'piped', format: 'digits-csv', path: fifo });
    expect(imp.ok).toBe(true);
    const failure = await answersMeanwhile(jobFailure(imp.result.jobId));
    expect(failure.message).toContain(fifo);
    expect(failure.message).toMatch(/FIFO/);
  });

  it.runIf(hasProc)('in the workbench, a report under /proc shows one message naming the path, and the page stays usable', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(host.url);
      await page.getByTestId('model-select').waitFor({ timeout: VIEW_MS });
      await go(page, 'reports');
      await page.getByTestId('report-out').fill('/proc/self/margin-e2e-ui/report.html');
      await page.getByTestId('report-pdf').uncheck();
      await page.getByTestId('report-export').click();
      const shown = page.getByText(/\/proc\/self\/margin-e2e-ui.*does not allow new folders/).first();
      await shown.waitFor({ timeout: 120_000 });
      expect(await shown.textContent()).not.toMatch(/\bE[A-Z]{3,}\b/); // words, not a raw errno
      expect(await page.getByTestId('error-banner').count()).toBeLessThanOrEqual(1);
      await screenshotView(page, 'user-paths-1-proc-report.png');
      // The workbench still answers: another view loads its data.
      await go(page, 'model');
      await page.getByTestId('layers-table').waitFor({ timeout: VIEW_MS });
    } finally {
      await browser.close();
    }
  });

  it.runIf(hasProc)('a project made under /proc is refused; the open project still answers', async () => {
    const reply = await answersMeanwhile(call('project.create', { dir: '/proc/self/margin-e2e-project' }));
    expect(reply.ok).toBe(false);
    expect(reply.error!.message).toMatch(/does not allow new folders/);
    const info = await call('project.info', {});
    expect(info.ok).toBe(true);
  });
});
