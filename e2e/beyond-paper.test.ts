/**
 * Issue 13's user flow — beyond the paper — on a served demo project:
 *   the Latent space view coloured by hardness (the legend names the score and its values are the
 *   stored scores.get values; the plot's points turn to the score's viridis colours), the item grid
 *   opened from a confusion cell (exactly the cell's items), filtered to incorrect items and widened
 *   to the cell's true class (every listed item, on every page, is incorrect and of that class; the
 *   count equals the confusion row's errors and the store's own count), and a sample made with
 *   Margin's own sampler, query-strata, in the Samplers view (listed with its size, correct +
 *   incorrect = size, its incorrect members counted again in the store), and a latent-grid sample
 *   with the paper's reading of its open choices set in the Advanced section (listed with them).
 * Screenshots: e2e/artifacts/beyond-<n>-<what>.png.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotView } from './support/browser.ts';
import { JOB_MS, VIEW_MS, api, expectNoErrors, go, numberIn, startFlow, stopFlow, type Flow } from './support/flow.ts';

interface Scores { itemIds: number[]; hardness: number[] }
interface Confusion { classNames: string[]; counts: number[][] }
interface ItemPage { total: number; items: Array<{ itemId: number; correct: boolean; trueLabel: number }> }

/**
 * Pixels inside the scatter's plot area that are viridis' dark violet end (#440154, drawn at
 * opacity 0.75 over white and stacked): none of the class palette's colours falls in this box.
 */
async function violetPixels(chart: Locator): Promise<number> {
  type Canvas = { width: number; height: number; clientWidth: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null };
  return chart.evaluate((el) => {
    let n = 0;
    for (const c of Array.from((el as unknown as { querySelectorAll(s: string): ArrayLike<Canvas> }).querySelectorAll('canvas'))) {
      const ctx = c.getContext('2d');
      if (!ctx || !c.width || !c.height || !c.clientWidth) continue;
      const s = c.width / c.clientWidth; // device pixels per CSS pixel
      // The grid (scatter.ts): 56 px left, ≤ 90 px right, 40 px top, 44 px bottom — legend and axes excluded.
      const x0 = Math.round(60 * s), x1 = Math.round(c.width - 95 * s), y0 = Math.round(45 * s), y1 = Math.round(c.height - 50 * s);
      if (x1 <= x0 || y1 <= y0) continue;
      const d = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
        if (a > 200 && r >= 55 && r <= 135 && g <= 85 && b >= 70 && b <= 150 && g < r - 30 && b > g + 40) n++;
      }
    }
    return n;
  });
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

describe('beyond the paper: scores, the item grid from a confusion cell, query-strata (issue 13)', () => {
  let f: Flow;
  const total = async () => numberIn(await f.page.getByTestId('items-total').textContent());

  beforeAll(async () => {
    f = await startFlow('margin-e2e-beyond-');
  }, 480_000);
  afterAll(async () => stopFlow(f));

  it('colours the latent space by hardness: the legend names it and the points take the stored scores\' colours', async () => {
    const { page, host } = f;
    await go(page, 'latent');
    await expect.poll(() => page.getByTestId('latent-stats').textContent(), { timeout: VIEW_MS }).toMatch(/10,000 items/);
    const chart = page.getByTestId('latent-chart');
    await page.getByTestId('latent-mark-wrong').uncheck(); // no dark triangle borders: only the fill colours count
    await expect.poll(() => chart.locator('canvas').count(), { timeout: VIEW_MS }).toBeGreaterThan(0);
    const byClass = await violetPixels(chart);
    expect(await page.getByTestId('latent-colour-legend').count()).toBe(0);

    await page.getByTestId('latent-colour-by').selectOption('hardness');
    const legend = page.getByTestId('latent-colour-legend');
    await legend.waitFor({ timeout: JOB_MS }); // the first scores.get computes and stores the checkpoint's scores
    expect(await page.getByTestId('latent-colour-name').textContent()).toBe('hardness');
    expect(await legend.textContent()).toMatch(/entropy of the model's probabilities/);
    // The values drawn are the stored per-item scores: same count, min, median and max.
    const s = (await api(host, 'scores.get', { model: 'lenet5-bn', checkpoint: 'epoch-5' })) as Scores;
    expect(s.itemIds).toHaveLength(10_000);
    const h = s.hardness;
    const want = `10,000 points: min ${Math.min(...h).toFixed(3)} · median ${median(h).toFixed(3)} · max ${Math.max(...h).toFixed(3)}`;
    expect((await page.getByTestId('latent-colour-summary').textContent())?.replace(/\s+/g, ' ').trim()).toBe(want);
    expect(median(h)).toBeLessThan(0.5); // most items are easy: the bulk of the points sit at the violet end
    await expect.poll(() => violetPixels(chart), { timeout: VIEW_MS, interval: 250 }).toBeGreaterThan(10 * (byClass + 100));
    await screenshotView(page, 'beyond-1-latent-hardness.png');

    await page.getByTestId('latent-colour-by').selectOption('class');
    await expect.poll(() => legend.count()).toBe(0);
    await expect.poll(() => violetPixels(chart), { timeout: VIEW_MS, interval: 250 }).toBeLessThanOrEqual(byClass + 100);
    await expectNoErrors(f);
  });

  it('opens the item grid from a confusion cell, filters it to incorrect items of the cell\'s true class', async () => {
    const { page, host } = f;
    const conf = (await api(host, 'model.confusion', { model: 'lenet5-bn', checkpoint: 'epoch-5' })) as Confusion;
    const k = conf.classNames.length;
    const rowErrors = conf.counts.map((row, r) => row.reduce((a, v, c) => a + (c === r ? 0 : v), 0));
    // The true class with the fewest errors (at least 20, so that paging is exercised), and its largest error cell.
    const cls = rowErrors.map((e, r) => [e, r]).filter(([e]) => e >= 20).sort((a, b) => a[0] - b[0])[0][1];
    const pred = conf.counts[cls].map((v, c) => [c === cls ? -1 : v, c]).sort((a, b) => b[0] - a[0])[0][1];
    const cellCount = conf.counts[cls][pred];
    expect(cellCount).toBeGreaterThan(0);

    await go(page, 'model');
    const matrix = page.getByTestId('confusion-chart');
    await matrix.locator('canvas').first().waitFor({ timeout: VIEW_MS });
    // Cell centre in the heatmap's grid (heatmap.ts: 110 px left, 70 right, 20 top, 90 bottom; rows top-down).
    await matrix.scrollIntoViewIfNeeded();
    const box = (await matrix.boundingBox())!;
    const position = { x: 110 + ((pred + 0.5) * (box.width - 180)) / k, y: 20 + ((cls + 0.5) * (box.height - 110)) / k };
    await matrix.click({ position });
    const cellItems = page.getByTestId('cell-items');
    await cellItems.waitFor({ timeout: VIEW_MS });
    expect(await cellItems.locator('h2').textContent()).toBe(`True ${conf.classNames[cls]}, predicted ${conf.classNames[pred]}`);
    await page.getByTestId('cell-open-grid').click();
    await expect.poll(total, { timeout: VIEW_MS }).toBe(cellCount);
    expect(await page.getByTestId('items-scope').textContent()).toBe(`True ${conf.classNames[cls]}, predicted ${conf.classNames[pred]}`);

    // Incorrect only: an off-diagonal cell keeps all its items; widened to the whole true class,
    // the grid holds that row's errors — the confusion row and the store agree.
    await page.getByTestId('items-outcome').selectOption('incorrect');
    await expect.poll(total, { timeout: VIEW_MS }).toBe(cellCount);
    await page.getByTestId('items-pred').selectOption('');
    await expect.poll(total, { timeout: VIEW_MS }).toBe(rowErrors[cls]);
    const stored = (await api(host, 'items.list', { model: 'lenet5-bn', checkpoint: 'epoch-5', filter: { trueClass: cls, outcome: 'incorrect' }, limit: 1 })) as ItemPage;
    expect(stored.total).toBe(rowErrors[cls]);
    await screenshotView(page, 'beyond-2-grid-incorrect.png');

    // Every listed item, on every page, is marked incorrect and has the cell's true class.
    const cells = page.getByTestId('items-grid').locator('figure');
    const pages = Math.ceil(rowErrors[cls] / 48);
    expect(await page.getByTestId('items-page').textContent()).toBe(`Page 1 of ${pages}`);
    let seen = 0;
    for (let p = 1; p <= pages; p++) {
      if (p > 1) {
        await page.getByTestId('items-next').click();
        await expect.poll(() => page.getByTestId('items-page').textContent()).toBe(`Page ${p} of ${pages}`);
      }
      const onPage = p < pages ? 48 : rowErrors[cls] - 48 * (pages - 1);
      await expect.poll(() => cells.count(), { timeout: VIEW_MS }).toBe(onPage);
      await expect.poll(async () => (await cells.locator('figcaption span').first().textContent()) ?? '', { timeout: VIEW_MS }).toContain(conf.classNames[cls]);
      const rows = await cells.evaluateAll((els) => els.map((e) => ({ cls: e.getAttribute('class') ?? '', caption: e.querySelector('figcaption span')?.textContent ?? '' })));
      for (const r of rows) {
        expect(r.cls).toContain('wrong');
        expect(r.caption).toMatch(new RegExp(` ${conf.classNames[cls].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      }
      seen += rows.length;
    }
    expect(seen).toBe(rowErrors[cls]);
    await expectNoErrors(f);
  });

  it('creates a sample with Margin\'s own query-strata sampler in the Samplers view', async () => {
    const { page, host } = f;
    await go(page, 'samplers');
    await page.getByTestId('sample-method').selectOption('query-strata');
    expect(await page.getByTestId('sample-j').count()).toBe(0); // query-strata takes no tuning factor
    await page.getByTestId('sample-fraction').fill('0.05');
    await page.getByTestId('sample-seed').fill('3');
    await page.getByTestId('sample-name').fill('e2e-query-strata');
    await page.getByTestId('sample-create').click();
    const created = page.getByTestId('sample-created');
    await created.waitFor({ timeout: JOB_MS });
    expect(await page.getByTestId('sample-created-name').textContent()).toBe('e2e-query-strata');
    const row = page.getByTestId('sample-row-e2e-query-strata');
    await row.waitFor({ timeout: VIEW_MS });
    const size = numberIn(await row.getByTestId('sample-size').textContent());
    const correct = numberIn(await row.getByTestId('sample-correct').textContent());
    const incorrect = numberIn(await row.getByTestId('sample-incorrect').textContent());
    expect(size).toBe(500); // 5 % of 10,000
    expect(correct + incorrect).toBe(size);
    expect(await row.locator('td').nth(1).textContent()).toBe('query-strata');
    expect(await created.textContent()).toMatch(/500 items/);
    // The store agrees: the sample's listed size and its incorrect members counted in items.list.
    const listed = ((await api(host, 'sample.list', { model: 'lenet5-bn' })) as Array<{ name: string; method: string; size: number }>).find((s) => s.name === 'e2e-query-strata');
    expect(listed).toMatchObject({ method: 'query-strata', size });
    const wrongMembers = (await api(host, 'items.list', { model: 'lenet5-bn', checkpoint: 'epoch-5', filter: { sample: 'e2e-query-strata', membership: 'members', outcome: 'incorrect' }, limit: 1 })) as ItemPage;
    expect(wrongMembers.total).toBe(incorrect);
    // Every (true class, correct/incorrect) stratum that has items is covered: at least one incorrect item per class.
    expect(incorrect).toBeGreaterThanOrEqual(10);
    await screenshotView(page, 'beyond-3-query-strata.png');
    await expectNoErrors(f);
  });

  it("sets the paper's open choices in the Advanced section; the sample lists them, the store keeps them", async () => {
    const { page, host } = f;
    await go(page, 'samplers');
    await page.getByTestId('sample-method').selectOption('latent-grid');
    await page.getByTestId('sample-fraction').fill('0.05');
    await page.getByTestId('sample-seed').fill('4');
    await page.getByTestId('sample-name').fill('e2e-grid-paper');
    const advanced = page.getByTestId('sample-advanced');
    await advanced.locator('summary').click();
    // Only latent-grid's own options are offered.
    expect(await advanced.getByTestId('sample-opt-gridSplit').count()).toBe(1);
    expect(await advanced.getByTestId('sample-opt-svmC').count()).toBe(0);
    await advanced.getByTestId('sample-opt-gridSplit').selectOption('mean');
    await advanced.getByTestId('sample-opt-gridTopUp').selectOption('off');
    await page.getByTestId('sample-create').click();
    await page.getByTestId('sample-created').waitFor({ timeout: JOB_MS });
    const row = page.getByTestId('sample-row-e2e-grid-paper');
    await row.waitFor({ timeout: VIEW_MS });
    expect(await row.getByTestId('sample-params').textContent()).toMatch(/gridSplit = mean, gridTopUp = off/);
    // Without top-up every cell gives at most ⌊500 / cells⌋ items, so the sample is below f·N.
    const size = numberIn(await row.getByTestId('sample-size').textContent());
    expect(size).toBeLessThan(500);
    const listed = ((await api(host, 'sample.list', { model: 'lenet5-bn' })) as Array<{ name: string; size: number; params: Record<string, unknown> }>)
      .find((s) => s.name === 'e2e-grid-paper');
    expect(listed).toMatchObject({ size, params: { gridSplit: 'mean', gridTopUp: false } });

    // A VAS bandwidth and a bandwidth rule together are refused in the form, naming the field.
    await page.getByTestId('sample-method').selectOption('vas');
    await advanced.getByTestId('sample-opt-bandwidth').fill('3');
    await advanced.getByTestId('sample-opt-bandwidthRule').selectOption('median-pairwise');
    await expect.poll(async () => (await page.locator('.error').allTextContents()).join(' '), { timeout: VIEW_MS }).toMatch(/Bandwidth rule: give either bandwidth/);
    expect(await page.getByTestId('sample-create').isDisabled()).toBe(true);
    await screenshotView(page, 'beyond-4-advanced.png');
  });
});
