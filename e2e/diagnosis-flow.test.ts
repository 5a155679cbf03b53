/**
 * The diagnosis flow of issue 6, as a new user would do it, in a real Chromium against the
 * browser host (`margin serve`) on a demo project made once by `margin demo`:
 *   workspace → latent space scatter → a MaxMargin 5 % sample (job in the jobs panel, samples
 *   table) → Q2 on a conv layer from the sample with its precision@K (and the neuron drill-down)
 *   → lenet5-bn vs mlp (accuracies, confusion matrices, CKA heatmap) → a PyTorch model exported to
 *   ONNX imported through the form, extracted on ONNX Runtime, sampled and queried (issue 7) →
 *   HTML + PDF report, the PDF checked for pages and the HTML opened offline.
 * A screenshot of every view goes to e2e/artifacts/diagnosis-<n>-<view>.png.
 *
 * MARGIN_E2E_DEMO_DIR=<folder> reuses an existing demo project instead of making one (faster
 * when working on a view; the flow adds a sample to it). MARGIN_E2E_URL=<printed URL> drives a
 * host already serving that folder instead of starting `margin serve`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { ARTIFACTS, freshDir, launchBrowser, makeDemo, screenshotView, serve, type ServedHost } from './support/browser.ts';

const FASHION_MNIST = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
/** Bounded waits: a job or a computation on 2 cores, never a fixed sleep. */
const VIEW_MS = 60_000;
const JOB_MS = 180_000;

/** Number shown in an element's text, e.g. "precision@K = 0.8000" → 0.8. */
function numberIn(text: string | null, re: RegExp): number {
  const m = re.exec(text ?? '');
  if (!m) throw new Error(`no number matching ${re} in ${JSON.stringify(text)}`);
  return Number(m[1].replace(/,/g, ''));
}

/** Ids of the jobs panel's rows of one kind (rows stay listed after they finish). */
async function jobIds(page: Page, kind: string): Promise<string[]> {
  return page.getByTestId(`job-${kind}`).evaluateAll((els) => els.map((el) => el.getAttribute('data-job-id') ?? ''));
}

/**
 * Does `action` (a click that starts a job of `kind`) and waits until the job it started leaves
 * the running state; fails with the job's error if it did not finish. The new job is told apart
 * from earlier rows of the same kind by its id, so an earlier finished job never passes for it.
 */
async function runJob(page: Page, kind: string, action: () => Promise<void>, timeout = JOB_MS): Promise<void> {
  const known = await jobIds(page, kind);
  await action();
  const handle = await page.waitForFunction(({ k, known }) => {
    // Runs in the page (this file is typed without the DOM library).
    type El = { getAttribute(a: string): string | null; textContent: string | null };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
    const el = Array.from(doc.querySelectorAll(`[data-testid="job-${k}"]`)).find((e) => !known.includes(e.getAttribute('data-job-id') ?? ''));
    if (!el || el.getAttribute('data-state') === 'running') return null;
    return { state: el.getAttribute('data-state'), text: el.textContent };
  }, { k: kind, known }, { timeout, polling: 250 });
  const { state, text } = (await handle.jsonValue()) as { state: string | null; text: string | null };
  if (state !== 'done') throw new Error(`job ${kind} ended ${state}: ${text}`);
}

/** Pixels of a chart's canvases that differ from the white background (proof that marks were drawn). */
async function drawnPixels(chart: Locator): Promise<number> {
  type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null };
  return chart.evaluate((el) => {
    let n = 0;
    for (const c of Array.from((el as unknown as { querySelectorAll(s: string): ArrayLike<Canvas> }).querySelectorAll('canvas'))) {
      const ctx = c.getContext('2d');
      if (!ctx || !c.width || !c.height) continue;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) n++;
    }
    return n;
  });
}

async function expectChartDrawn(chart: Locator, minPixels: number): Promise<void> {
  await chart.locator('canvas').first().waitFor({ timeout: VIEW_MS });
  await expect.poll(() => drawnPixels(chart), { timeout: VIEW_MS, interval: 250 }).toBeGreaterThan(minPixels);
}

/** A host someone else started (MARGIN_E2E_URL); stopping it is theirs to do. */
function attach(url: string): ServedHost {
  const u = new URL(url);
  return { url, origin: u.origin, token: u.searchParams.get('token') ?? '', process: null as never, output: () => '', stop: async () => {} };
}

describe('the diagnosis flow on the demo project', () => {
  let dir: string;
  let out: string;
  let host: ServedHost;
  let browser: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  let sampleName = '';

  const go = async (view: string) => {
    await page.getByTestId(`nav-${view}`).click();
    await page.locator('main.content').waitFor();
  };
  /** No error banner: every request of the step was answered. */
  const expectNoErrors = async () => {
    const banner = page.getByTestId('error-banner');
    if (await banner.count()) throw new Error(`error banner shown: ${await banner.textContent()}`);
    expect(pageErrors).toEqual([]);
  };
  const api = async (name: string, params: unknown) => {
    const res = await fetch(`${host.origin}/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` }, body: JSON.stringify(params) });
    const reply = (await res.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
    if (!reply.ok) throw new Error(`${name}: ${reply.error?.message}`);
    return reply.result;
  };

  /** Makes a sample in the Samplers view (a job) and returns its name. */
  const createSample = async (method: string, fraction: string, j?: string): Promise<string> => {
    await go('samplers');
    await page.getByTestId('sample-method').selectOption(method);
    await page.getByTestId('sample-fraction').fill(fraction);
    if (j !== undefined) await page.getByTestId('sample-j').fill(j);
    await runJob(page, 'sample.create', () => page.getByTestId('sample-create').click());
    await page.getByTestId('sample-created-name').waitFor({ timeout: VIEW_MS });
    return (await page.getByTestId('sample-created-name').textContent())!.trim();
  };
  /** Runs Q2 (top-10 neurons for the incorrectly classified items) on `layer` from `sample`; returns the precision@K shown. */
  const runQ2 = async (layer: string, sample: string): Promise<number> => {
    await go('queries');
    await page.getByTestId('query-set').selectOption('Q2');
    await page.getByTestId('query-layer').selectOption(layer);
    await page.getByTestId('query-k').fill('10');
    await page.getByTestId('query-sample').selectOption(sample);
    await page.getByTestId('query-run').click();
    const error = page.getByTestId('query-error');
    await error.waitFor({ timeout: JOB_MS });
    const precision = numberIn(await error.textContent(), /precision@K\D*([01](?:\.\d+)?)/);
    expect(precision).toBeGreaterThanOrEqual(0);
    expect(precision).toBeLessThanOrEqual(1);
    await expectChartDrawn(page.getByTestId('topk-chart'), 500);
    return precision;
  };

  beforeAll(async () => {
    out = freshDir('margin-e2e-flow-');
    dir = process.env.MARGIN_E2E_DEMO_DIR ?? join(out, 'demo');
    if (!process.env.MARGIN_E2E_DEMO_DIR) await makeDemo(dir);
    host = process.env.MARGIN_E2E_URL ? attach(process.env.MARGIN_E2E_URL) : await serve(['--project', dir]);
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 480_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  it('opens the demo project in the workspace', async () => {
    await page.goto(host.url);
    await expect.poll(() => page.getByTestId('project-name').textContent(), { timeout: VIEW_MS }).toMatch(/Fashion-MNIST demo/);
    await expect.poll(() => page.getByTestId('model-select').inputValue(), { timeout: VIEW_MS }).toBe('lenet5-bn');
    expect(await page.getByTestId('checkpoint-select').inputValue()).toBe('epoch-5');
    await page.getByTestId('models-table').waitFor();
    expect(await page.getByTestId('models-table').textContent()).toMatch(/mlp/);
    await screenshotView(page, 'diagnosis-1-projects.png');
    await expectNoErrors();
  });

  it('shows the latent space: 10,000 points coloured by the 10 classes', async () => {
    await go('latent');
    await expect.poll(() => page.getByTestId('latent-stats').textContent(), { timeout: VIEW_MS }).toMatch(/10,000 items · [\d,]+ misclassified/);
    await expectChartDrawn(page.getByTestId('latent-chart'), 5_000);
    const rows = page.getByTestId('latent-classes').locator('tbody tr');
    expect(await rows.count()).toBe(10);
    const names = (await rows.locator('td:first-child').allTextContents()).map((s) => s.trim());
    expect(names).toEqual(FASHION_MNIST);
    // Every class holds 1,000 test items.
    expect((await rows.locator('td:nth-child(2)').allTextContents()).map((s) => s.trim())).toEqual(Array(10).fill('1,000'));
    await screenshotView(page, 'diagnosis-2-latent.png');
    await expectNoErrors();
  });

  it('creates a MaxMargin 5 % sample and lists it with its correct/incorrect counts', async () => {
    sampleName = await createSample('maxmargin', '0.05', '0.7');
    expect(sampleName).not.toBe('');
    const row = page.getByTestId(`sample-row-${sampleName}`);
    await row.waitFor({ timeout: VIEW_MS });
    expect(await row.textContent()).toMatch(/maxmargin/);
    const size = numberIn(await row.getByTestId('sample-size').textContent(), /([\d,]+)/);
    const correct = numberIn(await row.getByTestId('sample-correct').textContent(), /([\d,]+)/);
    const incorrect = numberIn(await row.getByTestId('sample-incorrect').textContent(), /([\d,]+)/);
    // f·|group| per SVM class, rounded per group: 500 ± one per class.
    expect(size).toBeGreaterThanOrEqual(490);
    expect(size).toBeLessThanOrEqual(510);
    expect(correct + incorrect).toBe(size);
    // Algorithm 1 takes j = 70 % of each group from its outlier end, where the misclassified items are.
    expect(incorrect).toBeGreaterThan(0);
    await screenshotView(page, 'diagnosis-3-samplers.png');
    await expectNoErrors();
  });

  it('runs Q2 on a conv layer from the sample and shows its precision@K, then drills into a neuron', async () => {
    await runQ2('relu2', sampleName);
    expect(await page.getByTestId('query-result').textContent()).toMatch(/incorrectly classified/);
    // The drill-down opens on the top neuron: its top-activating inputs with values and saliency maps.
    const first = page.getByTestId('neuron-item-0');
    await first.waitFor({ timeout: JOB_MS });
    expect(Number((await first.getByTestId('neuron-value').textContent())!.trim())).toBeGreaterThan(0);
    expect(await first.locator('img').count()).toBe(2);
    await screenshotView(page, 'diagnosis-4-queries.png');
    await expectNoErrors();
  });

  it('compares lenet5-bn with mlp: accuracies, confusion matrices and the CKA heatmap', async () => {
    await go('compare');
    expect(await page.getByTestId('compare-model').inputValue()).toBe('mlp');
    const info = (await api('project.info', {})) as { models: Array<{ name: string; checkpoints: Array<{ label: string; testAccuracy: number | null }> }> };
    const acc = (m: string) => info.models.find((x) => x.name === m)!.checkpoints.at(-1)!.testAccuracy!;
    for (const [side, m] of [['a', 'lenet5-bn'], ['b', 'mlp']] as const) {
      const shown = page.getByTestId(`compare-accuracy-${side}`);
      await expect.poll(() => shown.textContent(), { timeout: VIEW_MS }).toMatch(/Accuracy \d+\.\d\d %/);
      const pct = numberIn(await shown.textContent(), /([\d.]+) %/);
      expect(pct / 100).toBeCloseTo(acc(m), 3);
      await expectChartDrawn(page.getByTestId(`compare-confusion-${side}`), 2_000);
    }
    const cka = page.getByTestId('compare-cka-named-matrix-0');
    await cka.waitFor({ timeout: JOB_MS });
    await expectChartDrawn(cka, 2_000);
    await screenshotView(page, 'diagnosis-5-compare.png');
    await expectNoErrors();
  });

  it('imports a PyTorch model exported to ONNX, extracts it on ONNX Runtime and answers Q2 from a sample of it', async () => {
    const file = join(import.meta.dirname, '..', 'resources', 'demo', 'onnx', 'lenet5-bn-pytorch.onnx');
    const recorded = JSON.parse(readFileSync(file.replace(/\.onnx$/, '.json'), 'utf8')) as { test_accuracy: number };
    await go('projects');
    await page.getByTestId('model-name').fill('pytorch-lenet');
    await page.getByTestId('model-path').fill(file);
    await runJob(page, 'model.import', () => page.getByTestId('model-import').click());
    const row = page.getByTestId('models-table').locator('tr', { hasText: 'pytorch-lenet' });
    await row.waitFor({ timeout: VIEW_MS });
    expect(await row.getByTestId('model-engine').textContent()).toMatch(/^onnxruntime/);

    await page.getByTestId('model-select').selectOption('pytorch-lenet');
    await go('model');
    expect(await page.getByTestId('model-engine').textContent()).toMatch(/^onnxruntime/);
    expect(await page.getByTestId('model-input-mapping').textContent()).toMatch(/NCHW \[N, 1, 28, 28\] ← 28×28×1 images: pixels × 1\/255/);
    await runJob(page, 'model.extract', () => page.getByTestId('extract-run').click()); // main layers: the six ReLU/pool outputs
    await expect.poll(async () => numberIn(await page.getByTestId('model-accuracy').textContent(), /([\d.]+) %/), { timeout: VIEW_MS })
      .toBeCloseTo(recorded.test_accuracy * 100, 1);
    const layers = await page.getByTestId('layers-table').textContent();
    expect(layers).toMatch(/\/relu2\/Relu_output_0/);

    const name = await createSample('uniform', '0.05');
    await runQ2('/relu2/Relu_output_0', name);
    await screenshotView(page, 'diagnosis-6-pytorch-onnx.png');
    await expectNoErrors();
    await page.getByTestId('model-select').selectOption('lenet5-bn');
  });

  it('exports the report as HTML and PDF; the PDF has pages and the HTML opens offline', async () => {
    await go('reports');
    const html = join(out, 'report', 'diagnosis.html');
    await page.getByTestId('report-model').selectOption('lenet5-bn');
    await page.getByTestId('report-compare').selectOption('mlp');
    await page.getByTestId('report-out').fill(html);
    await page.getByTestId('report-pdf').check();
    await runJob(page, 'report.export', () => page.getByTestId('report-export').click());
    await page.getByTestId('report-result').waitFor({ timeout: VIEW_MS });
    expect((await page.getByTestId('report-html').textContent())!.trim()).toBe(html);
    const pdfPath = (await page.getByTestId('report-pdf-path').textContent())!.trim();
    await screenshotView(page, 'diagnosis-7-reports.png');
    await expectNoErrors();

    // Exporting again to the same file: the workbench asks before replacing it, and keeps it when told to.
    const first = readFileSync(html);
    await page.getByTestId('report-export').click();
    await expect.poll(() => page.getByTestId('report-overwrite').textContent(), { timeout: VIEW_MS }).toContain(`${html} already exists`);
    await page.getByTestId('report-overwrite-cancel').click();
    await page.getByTestId('report-overwrite').waitFor({ state: 'detached', timeout: VIEW_MS });
    expect(readFileSync(html).equals(first)).toBe(true);
    await expectNoErrors();
    await page.getByTestId('report-export').click();
    await page.getByTestId('report-overwrite').waitFor({ timeout: VIEW_MS });
    await runJob(page, 'report.export', () => page.getByTestId('report-overwrite-confirm').click());
    await page.getByTestId('report-result').waitFor({ timeout: VIEW_MS });
    await expectNoErrors();

    expect(existsSync(pdfPath)).toBe(true);
    const pdf = readFileSync(pdfPath);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0).toBeGreaterThanOrEqual(1);

    // The HTML is self-contained: it renders in a browser with no network at all.
    const offline = await launchBrowser({ offline: true });
    try {
      const p = await offline.newPage();
      const requests: string[] = [];
      p.on('request', (r) => { if (!/^(file|data|blob|about):/.test(r.url())) requests.push(r.url()); });
      await p.goto(pathToFileURL(html).href);
      expect(await p.title()).toMatch(/lenet5-bn/);
      expect(await p.locator('svg').count()).toBeGreaterThanOrEqual(1);
      expect(requests).toEqual([]);
      await p.screenshot({ path: join(ARTIFACTS, 'diagnosis-8-report-offline.png'), fullPage: true });
    } finally {
      await offline.close();
    }
  });
});
