/**
 * Issue 15, point 5 — browsing items — on a served demo project: the item grid opened from a
 * latent-space selection (its total is the selection's size), filtered (incorrect only) and sorted
 * (confidence) in the store, paged, with the detail panel (every class probability, latent
 * neighbours); opened from a query answer (the same item count) and from a sample, whose members
 * export to CSV through the safe output path (an existing file is replaced only when confirmed).
 * Screenshots: e2e/artifacts/items-<n>-<what>.png.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDir, screenshotView } from './support/browser.ts';
import { JOB_MS, VIEW_MS, api, brushLatent, expectNoErrors, go, numberIn, startFlow, stopFlow, type Flow } from './support/flow.ts';

describe('the item grid (issue 15, point 5)', () => {
  let f: Flow;
  const total = async () => numberIn(await f.page.getByTestId('items-total').textContent());

  beforeAll(async () => {
    f = await startFlow('margin-e2e-items-');
  }, 480_000);
  afterAll(async () => stopFlow(f));

  it('opens on a latent selection with exactly its items, filters, sorts and pages in the store', async () => {
    const { page } = f;
    await go(page, 'latent');
    await expect.poll(() => page.getByTestId('latent-stats').textContent(), { timeout: VIEW_MS }).toMatch(/10,000 items/);
    const selected = await brushLatent(page, [0.3, 0.3], [0.7, 0.7]);
    expect(selected).toBeGreaterThan(100);
    await page.getByTestId('selection-to-items').click();
    await expect.poll(total, { timeout: VIEW_MS }).toBe(selected);
    expect(await page.getByTestId('items-scope').textContent()).toMatch(/selected items/);
    expect(await page.getByTestId('items-page').textContent()).toBe(`Page 1 of ${Math.ceil(selected / 48)}`);
    // Incorrect only: every cell is marked wrong.
    await page.getByTestId('items-outcome').selectOption('incorrect');
    await expect.poll(total, { timeout: VIEW_MS }).toBeLessThan(selected);
    const cells = page.getByTestId('items-grid').locator('figure');
    await expect.poll(() => cells.count(), { timeout: VIEW_MS }).toBeGreaterThan(0);
    const classes = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('class') ?? ''));
    expect(classes.every((c) => c.includes('wrong'))).toBe(true);
    // Sorted by confidence: lowest first, then (↓) highest first.
    await page.getByTestId('items-outcome').selectOption('all');
    await page.getByTestId('items-sort').selectOption('confidence');
    const confidences = async () => (await cells.locator('.pred').allTextContents()).map((t) => numberIn(t, /(\d+) %/));
    await expect.poll(async () => { const c = await confidences(); return c.length > 1 && c.every((v, i) => i === 0 || v >= c[i - 1]) && c[0] < c.at(-1)!; }, { timeout: VIEW_MS }).toBe(true);
    const lowest = (await confidences())[0];
    await page.getByTestId('items-sort-dir').click();
    await expect.poll(async () => { const c = await confidences(); return c.length > 1 && c.every((v, i) => i === 0 || v <= c[i - 1]) && c[0] > lowest; }, { timeout: VIEW_MS }).toBe(true);
    await page.getByTestId('items-next').click();
    await expect.poll(() => page.getByTestId('items-page').textContent()).toMatch(/^Page 2 of/);
    await expectNoErrors(f);
  });

  it('shows an item\'s large image, every class probability and its latent neighbours', async () => {
    const { page } = f;
    await page.getByTestId('items-grid').locator('figure').first().click();
    const detail = page.getByTestId('item-detail');
    await detail.waitFor({ timeout: VIEW_MS });
    await expect.poll(() => page.getByTestId('item-probs').locator('tr').count(), { timeout: VIEW_MS }).toBe(10);
    expect(await page.getByTestId('item-neighbours').locator('figure').count()).toBe(8);
    // The per-item scores (scores.get) joined on the item id.
    await expect.poll(() => page.getByTestId('item-scores').locator('tr').count(), { timeout: VIEW_MS }).toBe(4);
    const big = await detail.locator('img.big').boundingBox();
    expect(big!.width).toBeGreaterThanOrEqual(200);
    await screenshotView(page, 'items-1-grid-detail.png');
    await page.getByTestId('item-detail-close').click();
    await expectNoErrors(f);
  });

  it('opens from a query answer on the same items the answer counted', async () => {
    const { page } = f;
    await go(page, 'latent');
    await page.getByTestId('selection-clear').click();
    await go(page, 'queries');
    await page.getByTestId('query-set').selectOption('S1');
    await page.getByTestId('query-layer').selectOption('relu2');
    await page.getByTestId('query-class').selectOption('6'); // Shirt
    await page.getByTestId('query-outcome').selectOption('incorrect');
    await page.getByTestId('query-run').click();
    await page.getByTestId('query-items').waitFor({ timeout: JOB_MS });
    const n = numberIn(await page.getByTestId('query-items').textContent());
    expect(n).toBeGreaterThan(0);
    await page.getByTestId('query-browse').click();
    await expect.poll(total, { timeout: VIEW_MS }).toBe(n);
    await expectNoErrors(f);
  });

  it('opens a sample\'s members and exports them to CSV (replacing an existing file only when confirmed)', async () => {
    const { page, host } = f;
    await api(host, 'sample.create', { model: 'lenet5-bn', method: 'uniform', fraction: 0.02, name: 'e2e-grid-2' });
    await expect.poll(async () => ((await api(host, 'sample.list', { model: 'lenet5-bn' })) as Array<{ name: string }>).some((s) => s.name === 'e2e-grid-2'), { timeout: JOB_MS }).toBe(true);
    await go(page, 'samplers');
    await page.getByTestId('sample-browse-e2e-grid-2').click();
    await expect.poll(total, { timeout: VIEW_MS }).toBe(200);
    const out = join(freshDir('margin-e2e-export-'), 'members.csv');
    await page.getByTestId('items-export-path').fill(out);
    await page.getByTestId('items-export-run').click();
    await expect.poll(() => page.getByTestId('items-export-done').textContent(), { timeout: VIEW_MS }).toMatch(/Wrote 200 items/);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(201);
    await page.getByTestId('items-export-run').click();
    await page.getByTestId('items-export-exists').waitFor({ timeout: VIEW_MS });
    await page.getByTestId('items-export-overwrite').click();
    await expect.poll(() => page.getByTestId('items-export-done').textContent(), { timeout: VIEW_MS }).toMatch(/Wrote 200 items/);
    await screenshotView(page, 'items-2-sample-export.png');
    await expectNoErrors(f);
  });

  it('renames and deletes a sample from the Samplers view; number keys open views', async () => {
    const { page, host } = f;
    await page.locator('header h1').click(); // out of any text field: shortcuts are off while typing
    await page.keyboard.press('4'); // Samplers
    // The rest of the address after "?" is the workbench's state (model, checkpoint, …).
    await expect.poll(() => page.url()).toMatch(/#\/samplers(\?|$)/);
    page.once('dialog', (d) => void d.accept('e2e-grid-renamed'));
    await page.getByTestId('sample-rename-e2e-grid-2').click();
    await page.getByTestId('sample-row-e2e-grid-renamed').waitFor({ timeout: VIEW_MS });
    expect(((await api(host, 'sample.list', { model: 'lenet5-bn' })) as Array<{ name: string }>).map((s) => s.name)).toContain('e2e-grid-renamed');
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('sample-delete-e2e-grid-renamed').click();
    await expect.poll(() => page.getByTestId('sample-row-e2e-grid-renamed').count(), { timeout: VIEW_MS }).toBe(0);
    expect(((await api(host, 'sample.list', { model: 'lenet5-bn' })) as Array<{ name: string }>).map((s) => s.name)).not.toContain('e2e-grid-renamed');
    await page.keyboard.press('6'); // Items
    await expect.poll(() => page.url()).toMatch(/#\/items(\?|$)/);
    await expectNoErrors(f);
  });
});
