/**
 * Issue 15, point 3 — Compare shows the difference — on a served demo project: two checkpoints of
 * one model (lenet5-bn epoch-5 vs epoch-1): the B − A confusion, the per-class accuracy change,
 * and the flip lists (right→wrong, wrong→right) whose totals match a count made here from both
 * checkpoints' predictions; a list opens in the item grid with exactly its items.
 * Screenshots: e2e/artifacts/compare-<n>-<what>.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotView } from './support/browser.ts';
import { VIEW_MS, api, expectNoErrors, go, numberIn, startFlow, stopFlow, type Flow } from './support/flow.ts';

interface Proj { itemIds: number[]; trueLabels: number[]; predicted: number[] }

describe('compare shows the difference (issue 15, point 3)', () => {
  let f: Flow;
  beforeAll(async () => {
    f = await startFlow('margin-e2e-compare-');
  }, 480_000);
  afterAll(async () => stopFlow(f));

  it('two checkpoints of one model: B − A, per-class change and the flip lists with thumbnails', async () => {
    const { page, host } = f;
    // The flips counted here, from each checkpoint's predictions.
    const [a, b] = (await Promise.all(['epoch-5', 'epoch-1'].map((checkpoint) => api(host, 'latent.projection', { model: 'lenet5-bn', checkpoint, method: 'pca' })))) as Proj[];
    const predB = new Map(b.itemIds.map((id, i) => [id, b.predicted[i]]));
    let rtw = 0;
    let wtr = 0;
    a.itemIds.forEach((id, i) => {
      const okA = a.predicted[i] === a.trueLabels[i];
      const okB = predB.get(id) === a.trueLabels[i];
      if (okA && !okB) rtw++;
      if (!okA && okB) wtr++;
    });
    expect(rtw + wtr).toBeGreaterThan(0);

    await go(page, 'compare');
    await page.getByTestId('compare-model').selectOption('lenet5-bn');
    await page.getByTestId('compare-checkpoint').selectOption('epoch-1');
    await expect.poll(() => page.getByTestId('compare-flips-items').textContent(), { timeout: VIEW_MS }).toMatch(/10,000 items compared/);
    expect(numberIn(await page.getByTestId('compare-rtw-total').textContent())).toBe(rtw);
    expect(numberIn(await page.getByTestId('compare-wtr-total').textContent())).toBe(wtr);
    await expect.poll(() => page.getByTestId('compare-wtr-thumbs').locator('figure').count(), { timeout: VIEW_MS }).toBe(Math.min(24, wtr));
    expect(await page.getByTestId('compare-class-accuracy').locator('tbody tr').count()).toBe(10);
    await page.getByTestId('compare-delta').locator('canvas').first().waitFor({ timeout: VIEW_MS });
    await screenshotView(page, 'compare-1-checkpoints.png');
    await expectNoErrors(f);
  });

  it('a flip list opens in the item grid with exactly its items, on B\'s predictions', async () => {
    const { page } = f;
    const wtr = numberIn(await page.getByTestId('compare-wtr-total').textContent());
    await page.getByTestId('compare-wtr-open').click();
    await expect.poll(async () => numberIn(await page.getByTestId('items-total').textContent()), { timeout: VIEW_MS }).toBe(wtr);
    expect(await page.getByTestId('items-scope').textContent()).toMatch(/wrong under A, right under B/);
    // Right under B: no cell is marked wrong.
    const classes = await page.getByTestId('items-grid').locator('figure').evaluateAll((els) => els.map((e) => e.getAttribute('class') ?? ''));
    expect(classes.length).toBeGreaterThan(0);
    expect(classes.some((c) => c.includes('wrong'))).toBe(false);
    await screenshotView(page, 'compare-2-flips-grid.png');
    await expectNoErrors(f);
  });
});
