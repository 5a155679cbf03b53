import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countPdfPages, htmlToPdf, resolveChromium } from './pdf.ts';
import { renderReportHtml } from './html.ts';
import { fullReport } from './test-fixture.ts';

describe('resolveChromium', () => {
  const none = () => undefined;
  it('prefers the option, then MARGIN_CHROMIUM, then Playwright\'s own, then /usr/bin/chromium', () => {
    const all = () => true;
    expect(resolveChromium('/opt/c', { MARGIN_CHROMIUM: '/env/c' }, all, () => '/pw/c')).toBe('/opt/c');
    expect(resolveChromium(undefined, { MARGIN_CHROMIUM: '/env/c' }, all, () => '/pw/c')).toBe('/env/c');
    expect(resolveChromium(undefined, {}, all, () => '/pw/c')).toBeUndefined();
    expect(resolveChromium(undefined, {}, (p) => p === '/usr/bin/chromium', () => '/pw/c')).toBe('/usr/bin/chromium');
    expect(resolveChromium(undefined, {}, (p) => p === '/usr/bin/chromium', none)).toBe('/usr/bin/chromium');
  });
  it('names what to install when there is no Chromium', () => {
    expect(() => resolveChromium(undefined, {}, () => false, none)).toThrow(/No Chromium found.*install Debian's `chromium` package.*MARGIN_CHROMIUM/);
    expect(() => resolveChromium('/no/such', {}, () => false, none)).toThrow(/chromiumPath \/no\/such does not exist/);
    expect(() => resolveChromium(undefined, { MARGIN_CHROMIUM: '/gone' }, () => false, none)).toThrow(/MARGIN_CHROMIUM=\/gone does not exist/);
  });
});

describe('countPdfPages', () => {
  it('counts page objects, not the page tree', () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >>\n2 0 obj << /Type /Page >>\n3 0 obj <</Type/Page/Parent 1 0 R>>');
    expect(countPdfPages(pdf)).toBe(2);
    expect(countPdfPages(Buffer.from(''))).toBe(0);
  });
});

describe('htmlToPdf', () => {
  it('rejects a missing HTML file', async () => {
    await expect(htmlToPdf('/no/such/report.html', '/tmp/x.pdf')).rejects.toThrow(/htmlPath \/no\/such\/report.html is not a file/);
  });

  it.skipIf(!existsSync('/usr/bin/chromium'))('renders a small report with Chromium to an A4 PDF', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'margin-pdf-test-'));
    const doc = fullReport();
    const html = join(dir, 'small.html');
    // Three short sections: each used to start a new page (3 pages, two of them mostly empty).
    writeFileSync(html, renderReportHtml({ header: doc.header, model: doc.model, samples: doc.samples, evaluation: { e4: doc.evaluation!.e4 } }));
    const out = join(dir, 'out', 'small.pdf');
    const r = await htmlToPdf(html, out, { chromiumPath: '/usr/bin/chromium' });
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(r.bytes).toBe(bytes.length);
    // No near-empty pages: the sections flow on.
    expect(r.pages).toBeGreaterThanOrEqual(1);
    expect(r.pages).toBeLessThan(3);
    expect(r.pages).toBe(countPdfPages(bytes));
    rmSync(dir, { recursive: true, force: true });
  });
});
