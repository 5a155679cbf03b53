/**
 * HTML tables for the report: a generic builder (every cell escaped) and Table IV of the paper.
 */
import { escapeHtml } from './escape.ts';
import type { Table4Row } from './experiment-rows.ts';
import { methodLabel, methodOrder } from './methods.ts';
import { checkArray, checkNonNegInt, checkString } from './validate.ts';
import { badInput } from '../shared/errors.ts';

/** A cell: text (escaped) or a number (right-aligned). null/undefined show as an en dash. */
export type Cell = string | number | null | undefined;

export interface TableSpec {
  headers: string[];
  rows: Cell[][];
  caption?: string;
  className?: string;
}

export function htmlTable(spec: TableSpec): string {
  const numeric = spec.headers.map((_, c) => spec.rows.length > 0 && spec.rows.every((r) => r[c] == null || typeof r[c] === 'number'));
  const cell = (v: Cell, c: number, tag: 'td' | 'th') =>
    `<${tag}${numeric[c] ? ' class="num"' : ''}>${v == null ? '–' : escapeHtml(typeof v === 'number' ? formatNumber(v) : v)}</${tag}>`;
  return [
    `<table${spec.className ? ` class="${escapeHtml(spec.className)}"` : ''}>`,
    spec.caption ? `<caption>${escapeHtml(spec.caption)}</caption>` : '',
    `<thead><tr>${spec.headers.map((h, c) => cell(h, c, 'th')).join('')}</tr></thead>`,
    `<tbody>${spec.rows.map((r) => `<tr>${r.map((v, c) => cell(v, c, 'td')).join('')}</tr>`).join('')}</tbody>`,
    '</table>',
  ].join('');
}

/** Numbers as a reader wants them: integers with thin grouping, others to 4 significant digits. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v)) return Math.abs(v) >= 10_000 ? v.toLocaleString('en-US') : String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(+v.toPrecision(4));
}

/**
 * Table IV: correctly and incorrectly classified items in each 5 % sample, written as the paper
 * does ("correct (incorrect)") plus the share of misclassified items.
 */
export function table4Html(rows: readonly Table4Row[], caption = 'Table IV — correctly (incorrectly) classified items in each 5 % sample'): string {
  checkArray('table4Html: rows', rows);
  rows.forEach((r, i) => {
    checkString(`table4Html: rows[${i}].method`, r?.method);
    checkNonNegInt(`table4Html: rows[${i}].correct`, r.correct);
    checkNonNegInt(`table4Html: rows[${i}].incorrect`, r.incorrect);
    checkNonNegInt(`table4Html: rows[${i}].size`, r.size);
    if (r.correct + r.incorrect !== r.size) {
      throw badInput(`table4Html: rows[${i}] (${r.method}): correct + incorrect = ${r.correct + r.incorrect} but size = ${r.size}`);
    }
  });
  const order = methodOrder(rows.map((r) => r.method));
  const sorted = [...rows].sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method));
  return htmlTable({
    caption,
    className: 'table4',
    headers: ['Sampling technique', 'Size', 'Correct (incorrect)', 'Misclassified share'],
    rows: sorted.map((r) => [
      methodLabel(r.method),
      r.size,
      `${r.correct} (${r.incorrect})`,
      r.size > 0 ? `${(100 * r.incorrect / r.size).toFixed(1)} %` : '–',
    ]),
  });
}
