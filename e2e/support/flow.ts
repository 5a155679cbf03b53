/**
 * Shared steps of the workbench flows: a demo project served once per file (a copy of
 * MARGIN_E2E_DEMO_DIR when given, else `margin demo` in a temp folder), a browser page on it,
 * an API helper with the token, and checks that no error banner or page error showed up.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { freshDir, launchBrowser, makeDemo, serve, type ServedHost } from './browser.ts';

export const VIEW_MS = 60_000;
export const JOB_MS = 180_000;

export interface Flow {
  host: ServedHost;
  browser: BrowserContext;
  page: Page;
  pageErrors: string[];
  dir: string;
}

/** A served demo project and a page on it. MARGIN_E2E_DEMO_DIR is copied, never written to. */
export async function startFlow(prefix: string): Promise<Flow> {
  const out = freshDir(prefix);
  const dir = join(out, 'demo');
  if (process.env.MARGIN_E2E_DEMO_DIR) cpSync(process.env.MARGIN_E2E_DEMO_DIR, dir, { recursive: true });
  else await makeDemo(dir);
  const host = await serve(['--project', dir]);
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(host.url);
  await page.getByTestId('project-name').waitFor({ timeout: VIEW_MS });
  await page.getByTestId('model-select').waitFor({ timeout: VIEW_MS });
  return { host, browser, page, pageErrors, dir };
}

export async function stopFlow(f: Flow | undefined): Promise<void> {
  await f?.browser.close();
  await f?.host.stop();
}

export async function go(page: Page, view: string): Promise<void> {
  await page.getByTestId(`nav-${view}`).click();
  await page.locator('main.content').waitFor();
}

/** A request through the browser host with the session token; throws with the error message. */
export async function api(host: ServedHost, name: string, params: unknown): Promise<unknown> {
  const res = await fetch(`${host.origin}/api/${name}`, { method: 'POST', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' }, body: JSON.stringify(params) });
  const reply = (await res.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
  if (!reply.ok) throw new Error(`${name}: ${reply.error?.message}`);
  return reply.result;
}

export async function expectNoErrors(f: Flow): Promise<void> {
  const banner = f.page.getByTestId('error-banner');
  if (await banner.count()) throw new Error(`error banner shown: ${await banner.textContent()}`);
  expect(f.pageErrors).toEqual([]);
}

/** The first number in a text, e.g. "1,234 items" → 1234. */
export function numberIn(text: string | null, re = /([\d,]+(?:\.\d+)?)/): number {
  const m = re.exec(text ?? '');
  if (!m) throw new Error(`no number matching ${re} in ${JSON.stringify(text)}`);
  return Number(m[1].replace(/,/g, ''));
}

/** Draws a box on the latent scatter (box tool) over the given share of the plot; returns the selected count. */
export async function brushLatent(page: Page, from: [number, number], to: [number, number]): Promise<number> {
  await page.getByTestId('latent-tool-rect').click();
  const box = (await page.getByTestId('latent-chart').boundingBox())!;
  const at = (p: [number, number]) => [box.x + p[0] * box.width, box.y + p[1] * box.height] as const;
  const [x0, y0] = at(from);
  const [x1, y1] = at(to);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, { steps: 5 });
  await page.mouse.move(x1, y1, { steps: 5 });
  await page.mouse.up();
  const count = page.getByTestId('selection-count');
  await count.waitFor({ timeout: VIEW_MS });
  // ECharts reports brushSelected while the rectangle is still being dragged, so the count first
  // shows a part of the area: wait for the page to settle, then until three reads agree (a loaded
  // machine once returned the half-way 571 items while the selection became 1,151).
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  const t0 = Date.now();
  let last = -1, same = 0;
  for (;;) {
    const now = numberIn(await count.textContent());
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 2 || Date.now() - t0 > VIEW_MS) return now;
    await page.waitForTimeout(200);
  }
}
