/**
 * Own data and model without the command line (issue 15.4): in a new project, import the UCI
 * digits with a stratified test split and the digits class names, see that LeNet-5 cannot take
 * 8×8 images (and what would), train an MLP for 2 epochs in the Train panel with progress, see its
 * per-epoch loss/accuracy chart, extract, and answer an S1 query — all in the browser.
 *
 * The digits are the shared data beside the repository (../shared/data/uci-digits), as the unit
 * tests find them; the flow is skipped, saying so, where they are missing.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '../src-main/system/info.ts';
import { freshDir, launchBrowser, screenshotView, serve, type ServedHost } from './support/browser.ts';
import { JOB_MS, VIEW_MS, api, go, numberIn } from './support/flow.ts';

const DIGITS = resolve(REPO_ROOT, '..', 'shared', 'data', 'uci-digits', 'digits.csv.gz');
const hasDigits = existsSync(DIGITS);
if (!hasDigits) console.log(`[e2e] own-data flow not run: ${DIGITS} not found (the shared data beside the repository)`);

describe.skipIf(!hasDigits)('own data and model in the workbench (UCI digits)', () => {
  let host: ServedHost;
  let browser: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    host = await serve([]);
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(host.url);
    await page.getByTestId('create-dir').waitFor({ timeout: VIEW_MS });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  async function noErrors() {
    const banner = page.getByTestId('error-banner');
    if (await banner.count()) throw new Error(`error banner shown: ${await banner.textContent()}`);
    expect(pageErrors).toEqual([]);
  }

  it('creates a project and imports the digits with a 25 % stratified test split and the digits class names', async () => {
    await page.getByTestId('create-dir').fill(join(freshDir('margin-e2e-own-'), 'digits-project'));
    await page.getByTestId('create-project').click();
    await page.getByTestId('project-name').waitFor({ timeout: VIEW_MS });
    await page.getByTestId('ds-name').fill('digits');
    await page.getByTestId('ds-format').selectOption('digits-csv');
    await page.getByTestId('ds-path').fill(DIGITS);
    await page.getByTestId('ds-class-preset').selectOption('digits');
    await page.getByTestId('ds-test-fraction').fill('0.25');
    await page.getByTestId('ds-seed').fill('1');
    await page.getByTestId('ds-import').click();
    const done = page.getByTestId('ds-imported');
    await done.waitFor({ timeout: JOB_MS });
    // 1,797 items; round(0.25 · 1,797) = 449 held out, spread over the ten classes
    expect(await done.textContent()).toMatch(/1,797 items \(train 1,348, test 449\)/);
    expect(await page.getByTestId('datasets-table').textContent()).toMatch(/8×8×1.*train 1,348 · test 449/);
    await screenshotView(page, 'own-data-1-import.png');
    await noErrors();
  });

  it('says LeNet-5 does not fit 8×8 images and what would — in the Train panel and as the API error', async () => {
    await go(page, 'model');
    await page.getByTestId('train-panel').waitFor({ timeout: VIEW_MS });
    await page.getByTestId('train-arch').selectOption('lenet5-bn');
    const why = page.getByTestId('train-mismatch');
    await why.waitFor();
    const text = (await why.textContent()) ?? '';
    expect(text).toMatch(/lenet5-bn needs images of at least 16×16 pixels/);
    expect(text).toMatch(/data set "digits" has 8×8×1 images/);
    expect(text).toMatch(/mlp fits 8×8×1 \(it flattens the image into 64 inputs\)/);
    expect(text).toMatch(/resize the images to at least 16×16/);
    expect(await page.getByTestId('train-run').isDisabled()).toBe(true);
    await screenshotView(page, 'own-data-2-shape-mismatch.png');
    // The same explanation when the request is sent anyway (no raw TF.js shape error, no job).
    await expect(api(host, 'model.train', { arch: 'lenet5-bn', data: 'digits', epochs: 1 })).rejects.toThrow(/lenet5-bn needs images of at least 16×16 pixels.*mlp fits 8×8×1/);
  });

  it('trains an MLP for 2 epochs in the Train panel and shows its per-epoch loss and accuracy', async () => {
    await page.getByTestId('train-arch').selectOption('mlp');
    await page.getByTestId('train-epochs').fill('2');
    await page.getByTestId('train-batch').fill('32');
    expect(await page.getByTestId('train-split').inputValue()).toBe('train');
    expect(await page.getByTestId('train-eval-split').inputValue()).toBe('test');
    await page.getByTestId('train-run').click();
    await page.waitForSelector('[data-testid="train-progress"][data-state="done"]', { timeout: JOB_MS });
    expect(await page.getByTestId('train-outcome').textContent()).toMatch(/Trained "mlp-digits": 2 checkpoints/);
    await expect.poll(() => page.getByTestId('model-select').inputValue(), { timeout: VIEW_MS }).toBe('mlp-digits');
    await expect.poll(() => page.getByTestId('training-table').locator('tbody tr').count(), { timeout: VIEW_MS }).toBe(2);
    const rows = await page.getByTestId('training-table').locator('tbody tr').allTextContents();
    expect(rows[0]).toMatch(/^epoch-1\s*1/);
    expect(rows[1]).toMatch(/^epoch-2\s*2/);
    // every epoch has a loss, an accuracy and a validation accuracy (on the 449 test items)
    for (const r of rows) expect(r).toMatch(/\d\.\d{4}.*\d+\.\d %.*\d\.\d{4}.*\d+\.\d %/);
    expect(await page.getByTestId('training-run').textContent()).toMatch(/mlp trained on digits \/ train \(1,348 items\), validated on test \(449 items\); 2 epochs, batch 32, seed 1/);
    await page.getByTestId('training-chart').locator('canvas').first().waitFor();
    await screenshotView(page, 'own-data-3-trained.png');
    await noErrors();
  });

  it('extracts the trained checkpoint and answers an S1 query over the 449 test items, without the CLI', async () => {
    await page.getByTestId('extract-run').click();
    await page.waitForSelector('[data-testid="job-model.extract"][data-state="done"]', { timeout: JOB_MS });
    await expect.poll(async () => (await page.getByTestId('layers-table').textContent()) ?? '', { timeout: VIEW_MS }).toMatch(/449 items/);
    await go(page, 'queries');
    await page.getByTestId('query-set').selectOption('S1');
    await page.getByTestId('query-layer').selectOption('relu3');
    await page.getByTestId('query-run').click();
    const result = page.getByTestId('query-result');
    await result.waitFor({ timeout: JOB_MS });
    expect(numberIn(await page.getByTestId('query-items').textContent())).toBe(449);
    await screenshotView(page, 'own-data-4-query.png');
    await noErrors();
  });

  it('cancels a long training from the Train panel; the epochs finished before stay as checkpoints', async () => {
    await go(page, 'model');
    await page.getByTestId('train-name').fill('mlp-long');
    await page.getByTestId('train-epochs').fill('200');
    await page.getByTestId('train-run').click();
    // wait for the first finished epoch, then cancel
    await expect.poll(async () => (await page.getByTestId('train-message').textContent().catch(() => '')) ?? '', { timeout: JOB_MS, interval: 200 }).toMatch(/^epoch \d+ of 200 done/);
    await page.getByTestId('train-cancel').click();
    await page.waitForSelector('[data-testid="train-progress"][data-state="cancelled"]', { timeout: JOB_MS });
    expect(await page.getByTestId('train-outcome').textContent()).toMatch(/Training of "mlp-long" was cancelled: the epochs that had finished stay registered as checkpoints/);
    const info = await api(host, 'project.info', {}) as { models: Array<{ name: string; checkpoints: Array<{ training: { epoch: number } | null }> }> };
    const kept = info.models.find((m) => m.name === 'mlp-long')!.checkpoints;
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(200);
    expect(kept.map((c) => c.training!.epoch)).toEqual(kept.map((_, i) => i + 1)); // each kept epoch has its logs
    await expect.poll(() => page.getByTestId('training-table').locator('tbody tr').count(), { timeout: VIEW_MS }).toBe(kept.length);
    await screenshotView(page, 'own-data-5-cancelled.png');
    await noErrors();
  });
});
