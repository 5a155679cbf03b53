/**
 * Issue 15, points 6 and 10 on a served demo project: the first-run guide (what to do next, backend
 * notes tucked away), dark mode (toggle, persisted over a reload, charts redrawn dark), sortable
 * tables, t-SNE as a third latent projection (a job with progress, then colour by correctness and
 * prediction). Screenshots: e2e/artifacts/polish-<n>-<what>.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshotView } from './support/browser.ts';
import { VIEW_MS, expectNoErrors, go, startFlow, stopFlow, type Flow } from './support/flow.ts';

type Doc = { documentElement: { dataset: Record<string, string | undefined> } };
const themeOf = (page: Page) => page.evaluate(() => (globalThis as unknown as { document: Doc }).document.documentElement.dataset.theme);
const bodyBackground = (page: Page) => page.evaluate(() => {
  const g = globalThis as unknown as { document: { documentElement: unknown }; getComputedStyle(e: unknown): { backgroundColor: string } };
  return g.getComputedStyle(g.document.documentElement).backgroundColor;
});
/** Mean of the R, G, B of an `rgb(…)` colour. */
function brightness(css: string): number {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  return (Number(m[1]) + Number(m[2]) + Number(m[3])) / 3;
}
/** The numbers in one column of a table body. */
async function column(page: Page, table: string, col: number): Promise<number[]> {
  const texts = await page.getByTestId(table).locator(`tbody tr td:nth-child(${col})`).allTextContents();
  return texts.map((t) => Number(t.replace(/[^\d.]/g, '')));
}

describe('workbench polish (issue 15, points 6 and 10)', () => {
  let f: Flow;
  beforeAll(async () => {
    f = await startFlow('margin-e2e-polish-');
  }, 480_000);
  afterAll(async () => stopFlow(f));

  it('the first screen says what to do next; backend notes are tucked away; hiding it lasts', async () => {
    const { page } = f;
    await go(page, 'projects');
    const guide = page.getByTestId('first-run');
    await guide.waitFor({ timeout: VIEW_MS });
    expect(await guide.textContent()).toMatch(/Look at a model's latent space.*Make a sample.*Ask a question/s);
    // The demo is open with models: step 1 is done and leads to the latent space.
    expect(await page.getByTestId('first-run-step-latent').getAttribute('class')).toContain('done');
    expect(await page.getByTestId('backend-notes').getAttribute('open')).toBeNull();
    await screenshotView(page, 'polish-1-first-run.png');
    await page.getByTestId('first-run-hide').click();
    expect(await page.getByTestId('first-run').count()).toBe(0);
    await page.reload();
    await page.getByTestId('project-name').waitFor({ timeout: VIEW_MS });
    await page.getByTestId('first-run-show').waitFor({ timeout: VIEW_MS });
    expect(await page.getByTestId('first-run').count()).toBe(0);
    await page.getByTestId('first-run-show').click();
    await page.getByTestId('first-run-latent').click();
    await page.getByTestId('latent-chart').waitFor({ timeout: VIEW_MS });
    await expectNoErrors(f);
  });

  it('dark mode: the toggle switches the page and its charts, and the choice survives a reload', async () => {
    const { page } = f;
    expect(await themeOf(page)).toBe('light'); // headless Chromium prefers light
    const light = brightness(await bodyBackground(page));
    const toggle = page.getByTestId('theme-toggle');
    await toggle.click(); // system → light
    expect(await toggle.getAttribute('data-theme-preference')).toBe('light');
    await toggle.click(); // light → dark
    expect(await toggle.getAttribute('data-theme-preference')).toBe('dark');
    expect(await themeOf(page)).toBe('dark');
    expect(brightness(await bodyBackground(page))).toBeLessThan(light / 2);
    await page.getByTestId('latent-chart').locator('canvas').first().waitFor({ timeout: VIEW_MS });
    expect(await page.getByTestId('latent-chart').getAttribute('data-theme')).toBe('dark');
    await page.reload();
    await page.getByTestId('project-name').waitFor({ timeout: VIEW_MS });
    expect(await themeOf(page)).toBe('dark');
    await page.getByTestId('latent-chart').locator('canvas').first().waitFor({ timeout: VIEW_MS });
    await screenshotView(page, 'polish-2-dark-latent.png');
    await go(page, 'projects');
    await screenshotView(page, 'polish-3-dark-projects.png');
    await toggle.click(); // dark → system (light here)
    expect(await themeOf(page)).toBe('light');
    await expectNoErrors(f);
  });

  it('tables sort by a clicked column, again reverses', async () => {
    const { page } = f;
    await go(page, 'latent');
    await page.getByTestId('latent-classes').locator('tbody tr').first().waitFor({ timeout: VIEW_MS });
    const header = page.getByTestId('latent-classes').getByTestId('sort-wrong');
    await header.click();
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    const desc = await column(page, 'latent-classes', 3);
    expect(desc.length).toBe(10);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await header.click();
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    const asc = await column(page, 'latent-classes', 3);
    expect(asc).toEqual([...desc].reverse());
    await screenshotView(page, 'polish-4-sorted-classes.png');
    // The layers table of the Model view too.
    await go(page, 'model');
    const params = page.getByTestId('layers-table').getByTestId('sort-params');
    await params.click();
    const p = await column(page, 'layers-table', 5);
    expect(p.length).toBeGreaterThan(2);
    expect(p).toEqual([...p].sort((a, b) => b - a));
    // And the Projects view's models table (4 models in the demo).
    await go(page, 'projects');
    const mp = page.getByTestId('models-table').getByTestId('sort-params');
    await mp.click();
    expect(await mp.getAttribute('aria-sort')).toBe('descending');
    const m = await column(page, 'models-table', 4);
    expect(m.length).toBe(4);
    expect(m).toEqual([...m].sort((a, b) => b - a));
    await mp.click();
    expect(await column(page, 'models-table', 4)).toEqual([...m].reverse());
    await expectNoErrors(f);
  });

  it('t-SNE is a third projection: a job with progress, then colour by correctness and by prediction', async () => {
    const { page } = f;
    await go(page, 'latent');
    await page.getByTestId('latent-stats').waitFor({ timeout: VIEW_MS });
    await page.getByTestId('latent-method').selectOption('tsne');
    await page.getByTestId('latent-tsne-iterations').selectOption('300');
    // Progress while it runs (the 300-iteration job, after the one started with the default).
    const progress = page.getByTestId('latent-tsne-progress');
    await progress.waitFor({ timeout: VIEW_MS });
    expect(await progress.textContent()).toMatch(/Computing the t-SNE projection: (finding each item's nearest neighbours|iteration [\d,]+ of (300|500))/);
    await expect.poll(async () => (await progress.count()) ? progress.textContent() : 'done', { timeout: 240_000, interval: 500 }).toMatch(/iteration [1-9][\d,]* of 300|done/);
    await expect.poll(() => page.getByTestId('latent-stats').getAttribute('data-method'), { timeout: 240_000, interval: 1000 }).toBe('tsne');
    expect(await page.getByTestId('latent-tsne-progress').count()).toBe(0);
    const stats = await page.getByTestId('latent-stats').textContent();
    expect(stats).toMatch(/10,000 items/);
    const wrong = Number(/([\d,]+) misclassified/.exec(stats ?? '')![1].replace(/,/g, ''));
    await page.getByTestId('latent-colour-by').selectOption('correctness');
    await page.getByTestId('latent-group-legend').waitFor({ timeout: VIEW_MS });
    expect(Number((await page.getByTestId('latent-group-wrong').textContent())!.replace(/,/g, ''))).toBe(wrong);
    expect(Number((await page.getByTestId('latent-group-correct').textContent())!.replace(/,/g, ''))).toBe(10_000 - wrong);
    await page.getByTestId('latent-chart').locator('canvas').first().waitFor({ timeout: VIEW_MS });
    await screenshotView(page, 'polish-5-tsne-correctness.png');
    await page.getByTestId('latent-colour-by').selectOption('prediction');
    expect(await page.getByTestId('latent-group-legend').textContent()).toMatch(/predicted class/);
    await screenshotView(page, 'polish-6-tsne-prediction.png');
    await expectNoErrors(f);
  });

  it('Compare aligns units by meaning: B\'s layer is the CKA-matched one, top units of each with their top inputs', async () => {
    const { page } = f;
    await go(page, 'compare');
    await page.getByTestId('compare-model').selectOption('mlp');
    const pairs = page.getByTestId('compare-cka-pairs');
    await pairs.waitFor({ timeout: 180_000 });
    expect(await pairs.locator('tbody tr').count()).toBeGreaterThan(0);
    const match = page.getByTestId('compare-layer-match');
    await match.waitFor({ timeout: VIEW_MS });
    const text = (await match.textContent()) ?? '';
    const m = /(\S+) of A is most like (\S+) of B \(linear CKA ([\d.]+)/.exec(text.replace(/\s+/g, ' '));
    expect(m).not.toBeNull();
    expect(await page.getByTestId('compare-layer-a').inputValue()).toBe(m![1]);
    expect(await page.getByTestId('compare-layer-b').inputValue()).toBe(m![2]);
    expect(Number(m![3])).toBeGreaterThan(0);
    expect(Number(m![3])).toBeLessThanOrEqual(1);
    await page.getByTestId('compare-query-run').click();
    for (const side of ['a', 'b']) {
      await expect.poll(() => page.getByTestId(`compare-${side}-unit-0`).locator('figure').count(), { timeout: 180_000 }).toBe(6);
      expect(await page.getByTestId(`compare-${side}-units`).locator('.unit').count()).toBe(3);
    }
    expect(await page.getByTestId('compare-b-unit-0').textContent()).toContain(m![2]);
    await screenshotView(page, 'polish-7-compare-cka-aligned.png');
    await expectNoErrors(f);
  });
});
