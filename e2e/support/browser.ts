/**
 * End-to-end plumbing: start `margin serve` as a user would (a child process printing its URL),
 * and a real Chromium through playwright-core. Chromium is Playwright's own when it has one,
 * else MARGIN_CHROMIUM, else Debian's /usr/bin/chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../src-main/system/info.ts';
// The same Chromium and flags as the PDF export: one place decides both.
import { CHROMIUM_ARGS, resolveChromium } from '../../src-main/reports/pdf.ts';

export const ARTIFACTS = join(REPO_ROOT, 'e2e', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/**
 * A fresh Chromium profile per launch. Playwright refuses --user-data-dir among the args, so the
 * fresh profile folder is given as launchPersistentContext's user-data dir instead.
 */
export async function launchBrowser(opts: { offline?: boolean } = {}): Promise<BrowserContext> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'margin-chromium-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: resolveChromium(undefined),
    args: CHROMIUM_ARGS.filter((f) => f !== '--headless'),
    headless: true,
    viewport: { width: 1400, height: 900 },
    offline: opts.offline ?? false,
  });
}

/**
 * Screenshot of the whole current view: the workspace scrolls inside `main.content`, so a
 * full-page shot would stop at the window; the viewport is stretched to the content's height for
 * the shot and restored after.
 */
export async function screenshotView(page: Page, file: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 1400, height: 900 };
  // Page functions run in the browser; this file is typed without the DOM library.
  type Win = { document: { querySelector(s: string): { scrollHeight: number; clientHeight: number } | null }; requestAnimationFrame(f: () => void): number };
  const extra = await page.evaluate(() => {
    const c = (globalThis as unknown as Win).document.querySelector('main.content');
    return c ? Math.max(0, c.scrollHeight - c.clientHeight) : 0;
  });
  if (extra > 0) await page.setViewportSize({ width: size.width, height: Math.min(8000, size.height + extra) });
  try {
    // Charts resize on the next frame after the viewport changes.
    await page.evaluate(() => new Promise<void>((r) => {
      const w = globalThis as unknown as Win;
      w.requestAnimationFrame(() => w.requestAnimationFrame(r));
    }));
    await page.screenshot({ path: join(ARTIFACTS, file) });
  } finally {
    if (extra > 0) await page.setViewportSize(size);
  }
}

export interface ServedHost {
  url: string;
  origin: string;
  token: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Runs `margin serve` with the given arguments and waits for its one-line URL. */
export async function serve(args: string[], timeoutMs = 120_000): Promise<ServedHost> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'margin.js'), 'serve', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BROWSER: '' },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`margin serve printed no URL within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /Margin is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`margin serve exited with ${code}:\n${out}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token')!,
    process: child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        // A host that has not exited 20 s after SIGTERM is killed, and the test log says so with the
        // host's last output: a hung shutdown must show up as such, not as a test timed out in its
        // teardown (the cluster Queries-view test once timed out at 900 s with no assertion failing).
        const late = setTimeout(() => {
          console.warn(`[e2e] margin serve did not exit 20 s after SIGTERM; killing it. Its last output:\n${out.slice(-4000)}`);
          child.kill('SIGKILL');
        }, 20_000);
        child.once('exit', () => { clearTimeout(late); resolve(); });
        child.kill('SIGTERM');
      }),
  };
}

export function freshDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Makes the demo project in `dir` with `margin demo` (a child process, as a user would) and
 * resolves once it exited 0; rejects with its output otherwise or after `timeoutMs`.
 */
export function makeDemo(dir: string, timeoutMs = 360_000): Promise<void> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'margin.js'), 'demo', '--dir', dir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + String(d)).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + String(d)).slice(-20_000)));
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`margin demo --dir ${dir} did not finish within ${timeoutMs / 1000} s:\n${out.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`margin demo --dir ${dir} exited with ${code}:\n${out.slice(-3000)}`));
    });
  });
}
