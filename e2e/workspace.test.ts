/**
 * The first user flow: open the workspace, see the shell and the backend it reports (an API
 * round trip), send a bad request (open a folder that is no project) and see the error shown.
 * The same flow runs through Playwright's Electron launcher where the Electron binary exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { _electron } from 'playwright-core';
import { ARTIFACTS, launchBrowser, serve, type ServedHost } from './support/browser.ts';
import { electronStatus, REPO_ROOT } from '../src-main/system/info.ts';

async function workspaceFlow(page: Page, shot: string) {
  // The shell: every view of the workbench in the navigation.
  for (const v of ['projects', 'model', 'latent', 'samplers', 'queries', 'compare', 'reports']) {
    await expect(page.getByTestId(`nav-${v}`).isVisible()).resolves.toBe(true);
  }
  // An API round trip: the backend the main process loaded is shown.
  await page.getByTestId('backend-name').waitFor();
  expect(await page.getByTestId('backend-name').textContent()).toMatch(/^(wasm|cpu|tfjs-node)/);
  // A bad request: a folder that does not exist. The error is shown in words.
  await page.getByTestId('open-dir').fill('/nonexistent/margin-project');
  await page.getByTestId('open-project').click();
  const banner = page.getByTestId('error-banner');
  await banner.waitFor();
  expect(await banner.textContent()).toMatch(/\/nonexistent\/margin-project/);
  await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
}

describe('workspace in the browser host', () => {
  let host: ServedHost;
  let browser: BrowserContext;
  beforeAll(async () => {
    host = await serve([]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  it('opens the workspace, round-trips the API and shows a bad request\'s error', async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(host.url);
    await workspaceFlow(page, 'workspace-browser.png');
    expect(consoleErrors).toEqual([]);
  });

  it('refuses API requests without the token', async () => {
    const res = await fetch(`${host.origin}/api/app.info`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
  });
});

const electron = electronStatus();
describe('workspace in the Electron window', () => {
  if (!electron.present) console.log(`[e2e] Electron flow not run: ${electron.reason}`);
  it.runIf(electron.present)('runs the same flow through Playwright\'s Electron launcher', async () => {
    const { spawnSync } = await import('node:child_process');
    expect(spawnSync('npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' }).status).toBe(0);
    const app = await _electron.launch({ executablePath: electron.path, args: [REPO_ROOT], cwd: REPO_ROOT });
    try {
      const page = await app.firstWindow();
      await workspaceFlow(page, 'workspace-electron.png');
    } finally {
      await app.close();
    }
  });
});
