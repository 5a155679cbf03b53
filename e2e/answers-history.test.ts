/**
 * Issue 15, points 2, 7 and 9 on a served demo project:
 *  2 — Q1's rows are the class names and its units a short named list (never every unit); Q4 is
 *      a chart with a table of named units beneath, not a JSON array;
 *  7 — view, model, checkpoint, query form, selection and the open saved answer are in the
 *      address and come back after a reload; an answer is saved, pinned, and listed;
 *  9 — the report holds exactly the pinned answer (with example thumbnails of its subset) and a
 *      checkpoint comparison.
 * Screenshots: e2e/artifacts/answers-<n>-<what>.png.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotView } from './support/browser.ts';
import { JOB_MS, VIEW_MS, api, brushLatent, expectNoErrors, go, numberIn, startFlow, stopFlow, type Flow } from './support/flow.ts';

interface Info { datasets: Array<{ classNames: string[] }> }

describe('readable answers, state that lasts, reports you would send (issue 15, points 2, 7, 9)', () => {
  let f: Flow;
  let classNames: string[] = [];
  let selected = 0;
  let pinnedId = 0;
  let pinnedTitle = '';

  beforeAll(async () => {
    f = await startFlow('margin-e2e-answers-');
    classNames = ((await api(f.host, 'project.info', {})) as Info).datasets[0].classNames;
  }, 480_000);
  afterAll(async () => stopFlow(f));

  it('Q1 rows are class names with a short list of named units; Q4 is a chart with a table beneath', async () => {
    const { page } = f;
    await page.getByTestId('model-select').selectOption('lenet5-bn');
    await go(page, 'queries');
    await page.getByTestId('query-set').selectOption('Q1');
    await page.getByTestId('query-layer').selectOption('relu2');
    await page.getByTestId('query-run').click();
    const q1 = page.getByTestId('q1-class-units');
    await q1.waitFor({ timeout: VIEW_MS });
    const rows = await q1.locator('tbody tr td:first-child').allTextContents();
    expect(rows.map((r) => r.trim())).toEqual(classNames);
    const unitCells = await q1.locator('tbody tr td:nth-child(3)').allTextContents();
    for (const c of unitCells) expect(c).toMatch(/^relu2\[c=\d+, y=\d+, x=\d+\] #\d+ \(/);
    await page.getByTestId('q1-matrix').locator('canvas').first().waitFor({ timeout: VIEW_MS });
    await screenshotView(page, 'answers-1-q1-classes.png');

    await page.getByTestId('query-set').selectOption('Q4');
    await page.getByTestId('query-class').selectOption({ label: classNames[6] });
    await page.getByTestId('query-run').click();
    const q4 = page.getByTestId('q4-units');
    await q4.waitFor({ timeout: VIEW_MS });
    const units = await q4.locator('tbody tr').count();
    expect(units).toBeGreaterThan(0);
    expect(units).toBeLessThanOrEqual(16);
    const first = await q4.locator('tbody tr').first().locator('td').allTextContents();
    expect(first[0]).toMatch(/^relu2\[c=\d+, y=\d+, x=\d+\] #\d+$/);
    expect(Math.abs(Number(first[2]))).toBeLessThanOrEqual(1);
    // No raw JSON arrays anywhere in the answer.
    expect(await page.getByTestId('named-result').textContent()).not.toMatch(/\[-?\d+(\.\d+)?,-?\d/);
    await screenshotView(page, 'answers-2-q4-chart-table.png');
    await expectNoErrors(f);
  });

  it('saves and pins an answer; view, model, checkpoint, form, selection and answer survive a reload', async () => {
    const { page } = f;
    await page.getByTestId('checkpoint-select').selectOption('epoch-3');
    await go(page, 'latent');
    await expect.poll(() => page.getByTestId('latent-stats').textContent(), { timeout: VIEW_MS }).toMatch(/10,000 items/);
    selected = await brushLatent(page, [0.35, 0.35], [0.6, 0.6]);
    expect(selected).toBeGreaterThan(0);
    await go(page, 'queries');
    await page.getByTestId('query-set').selectOption('Q3');
    await page.getByTestId('query-class').selectOption({ label: classNames[6] });
    await page.getByTestId('query-run').click();
    await page.getByTestId('q3-units').waitFor({ timeout: VIEW_MS });
    await page.getByTestId('answer-save-pin').click();
    await expect.poll(() => page.getByTestId('answer-saved').textContent(), { timeout: VIEW_MS }).toMatch(/pinned for the report/);
    const saved = (await api(f.host, 'answers.list', { model: 'lenet5-bn' })) as Array<{ id: number; title: string; pinned: boolean; checkpoint: string }>;
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ pinned: true, checkpoint: 'epoch-3' });
    [pinnedId, pinnedTitle] = [saved[0].id, saved[0].title];
    expect(pinnedTitle).toContain(`Q3 (relu2, a = ${classNames[6]})`);
    await expect.poll(() => page.getByTestId(`saved-answer-${pinnedId}`).count()).toBe(1);
    // A second answer, saved but not pinned.
    await page.getByTestId('query-set').selectOption('Q1');
    await page.getByTestId('query-run').click();
    await page.getByTestId('q1-class-units').waitFor({ timeout: VIEW_MS });
    await page.getByTestId('answer-save').click();
    await expect.poll(async () => ((await api(f.host, 'answers.list', {})) as unknown[]).length, { timeout: VIEW_MS }).toBe(2);
    // Re-open the pinned one from the history: the form follows it.
    await page.getByTestId(`saved-answer-open-${pinnedId}`).click();
    await page.getByTestId('q3-units').waitFor({ timeout: VIEW_MS });
    expect(await page.getByTestId('query-set').inputValue()).toBe('Q3');

    const url = page.url();
    for (const part of ['#/queries?', 'model=lenet5-bn', 'checkpoint=epoch-3', 'q=', 'sel=', `answer=${pinnedId}`]) expect(url).toContain(part);
    await screenshotView(page, 'answers-3-saved-pinned.png');

    await page.reload();
    await page.getByTestId('model-select').waitFor({ timeout: VIEW_MS });
    await expect.poll(() => page.getByTestId('model-select').inputValue(), { timeout: VIEW_MS }).toBe('lenet5-bn');
    await expect.poll(() => page.getByTestId('checkpoint-select').inputValue(), { timeout: VIEW_MS }).toBe('epoch-3');
    expect(await page.locator('[data-testid="nav-queries"].active').count()).toBe(1);
    await expect.poll(() => page.getByTestId('query-set').inputValue(), { timeout: VIEW_MS }).toBe('Q3');
    expect(await page.getByTestId('query-class').inputValue()).toBe('6');
    await expect.poll(async () => numberIn(await page.getByTestId('query-selection-count').textContent()), { timeout: VIEW_MS }).toBe(selected);
    await page.getByTestId('q3-units').waitFor({ timeout: VIEW_MS });
    expect(await page.getByTestId('answer-saved').textContent()).toContain(pinnedTitle);
    await screenshotView(page, 'answers-4-after-reload.png');
    await expectNoErrors(f);
  });

  it('the report holds exactly the pinned answer with example items, and a checkpoint comparison', async () => {
    const { page } = f;
    await go(page, 'reports');
    const box = page.getByTestId(`report-answer-${pinnedId}`).locator('input');
    await box.waitFor({ timeout: VIEW_MS });
    await expect.poll(() => box.isChecked(), { timeout: VIEW_MS }).toBe(true); // pinned → ticked by default
    expect(await page.getByTestId('report-contents').locator('input[type=checkbox]:checked').count()).toBe(1 + await page.locator('[data-testid^="report-sample-"] input:checked').count());
    await page.getByTestId('report-comparison-add').click();
    await page.getByTestId('report-comparison-0-a').selectOption('epoch-1');
    await page.getByTestId('report-comparison-0-b').selectOption('epoch-5');
    const out = join(dirname(f.dir), 'out', 'answers-report.html');
    await page.getByTestId('report-out').fill(out);
    await page.getByTestId('report-pdf').uncheck();
    await screenshotView(page, 'answers-5-report-contents.png');
    await page.getByTestId('report-export').click();
    await expect.poll(() => page.getByTestId('report-html').count(), { timeout: JOB_MS }).toBe(1);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<article class="query">/g)).toHaveLength(1);
    expect(html).toContain(pinnedTitle.replace(/&/g, '&amp;'));
    const examples = /<div class="examples" data-testid="examples-1">([\s\S]*?)<\/div><\/div>/.exec(html);
    expect(examples).not.toBeNull();
    const thumbs = examples![1].match(/<img src="data:image\/png;base64,/g) ?? [];
    expect(thumbs.length).toBeGreaterThan(0);
    expect(thumbs.length).toBeLessThanOrEqual(8);
    expect(examples![1]).toContain(classNames[6]);
    expect(html).toContain('Checkpoint comparisons');
    expect(html).toContain('lenet5-bn: checkpoint epoch-1 → epoch-5');
    expect(readFileSync(join(dirname(out), 'answers-report-comparisons.csv'), 'utf8')).toMatch(/lenet5-bn,epoch-1,lenet5-bn,epoch-5,10000,/);
    await expectNoErrors(f);
  });
});
