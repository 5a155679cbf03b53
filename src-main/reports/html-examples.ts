/**
 * Report HTML for example items (thumbnails of a subset, inline PNG data: URLs) and for the
 * checkpoint / model comparisons chosen for the report (B − A per class, the largest confusion
 * changes, the flipped items with thumbnails). Every text escaped; an image whose source is not
 * an inline PNG is left out (the report holds no reference to anything outside itself).
 */
import { escapeHtml } from './escape.ts';
import { formatNumber, htmlTable, type Cell } from './html-tables.ts';
import type { ReportExamples, ReportFlipComparison } from './report-document.ts';

const PNG_DATA = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;

export function examplesHtml(ex: ReportExamples, testId?: string): string {
  const items = ex.items.filter((t) => PNG_DATA.test(t.src));
  if (items.length === 0) return ex.total === 0 ? `<p class="muted">No item in ${escapeHtml(ex.caption)}.</p>` : '';
  const head = `<p class="thumbs-caption">${items.length < ex.total ? `${items.length} of ${formatNumber(ex.total)}` : `All ${formatNumber(ex.total)}`} items of ${escapeHtml(ex.caption)}:</p>`;
  const figs = items.map((t) => `<figure class="thumb" data-item="${t.itemId}"><img src="${escapeHtml(t.src)}" alt="item ${t.itemId}"><figcaption>${escapeHtml(t.caption)}</figcaption></figure>`).join('');
  return `<div class="examples"${testId ? ` data-testid="${escapeHtml(testId)}"` : ''}>${head}<div class="thumbs">${figs}</div></div>`;
}

const pct = (v: number | null | undefined) => (v == null ? null : `${(100 * v).toFixed(1)} %`);
const pp = (a: number | null, b: number | null) => (a == null || b == null ? null : `${b - a >= 0 ? '+' : '−'}${Math.abs(100 * (b - a)).toFixed(1)} pp`);

/** One comparison: accuracies, per-class change, the largest confusion changes, flipped items. */
export function flipComparisonHtml(c: ReportFlipComparison): string {
  const side = (s: ReportFlipComparison['a']) => `${s.model} @ ${s.checkpoint}`;
  const same = c.a.model === c.b.model;
  const d = c.b.accuracy - c.a.accuracy;
  const parts = [
    `<h3>${escapeHtml(same ? `${c.a.model}: checkpoint ${c.a.checkpoint} → ${c.b.checkpoint}` : `${side(c.a)} → ${side(c.b)}`)}</h3>`,
    `<p>Over ${formatNumber(c.items)} items predicted by both: accuracy ${escapeHtml(pct(c.a.accuracy)!)} (A, ${escapeHtml(side(c.a))}) → <strong>${escapeHtml(pct(c.b.accuracy)!)}</strong> (B, ${escapeHtml(side(c.b))}), ${escapeHtml(pp(c.a.accuracy, c.b.accuracy)!)}; `
      + `${formatNumber(c.rightToWrong.total)} items went from right to wrong and ${formatNumber(c.wrongToRight.total)} from wrong to right${d === 0 ? '' : ''}.</p>`,
  ];
  const rows: Cell[][] = c.classNames.map((n, k) => [n, pct(c.accuracyA[k]), pct(c.accuracyB[k]), pp(c.accuracyA[k], c.accuracyB[k])]);
  parts.push(`<div class="keep">${htmlTable({ caption: 'Per-class accuracy', className: 'compact', headers: ['Class', 'A', 'B', 'B − A'], rows })}</div>`);
  const cells: Array<[string, string, number]> = [];
  c.delta.forEach((r, t) => r.forEach((v, p) => { if (t !== p && v !== 0) cells.push([c.classNames[t], c.classNames[p], v]); }));
  cells.sort((x, y) => Math.abs(y[2]) - Math.abs(x[2]) || y[2] - x[2]);
  if (cells.length) {
    parts.push(`<div class="keep">${htmlTable({
      caption: 'Largest changes among the errors (B − A items; negative = fewer such errors under B)', className: 'compact',
      headers: ['True class', 'Predicted as', 'Change'], rows: cells.slice(0, 8).map(([t, p, v]) => [t, p, v]),
    })}</div>`);
  }
  parts.push(examplesHtml(c.rightToWrong));
  parts.push(examplesHtml(c.wrongToRight));
  return `<article class="comparison">${parts.join('\n')}</article>`;
}

export const EXAMPLES_CSS = `
.examples { margin: 4pt 0 10pt; break-inside: avoid; page-break-inside: avoid; }
.thumbs-caption { font-size: 8.5pt; color: #555; margin: 2pt 0; }
.thumbs { display: flex; flex-wrap: wrap; gap: 4pt; }
figure.thumb { margin: 0; width: 15mm; text-align: center; break-inside: avoid; }
figure.thumb img { width: 15mm; height: 15mm; image-rendering: pixelated; border: 1px solid #d6dde5; display: block; }
figure.thumb figcaption { font-size: 6pt; color: #444; margin: 1pt 0 0; text-align: center; overflow-wrap: anywhere; }
article.comparison { border-top: 1px solid #d6dde5; padding-top: 4pt; margin-top: 10pt; }
`;
