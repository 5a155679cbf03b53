/**
 * Reports: `writeReport` turns a ReportDocument into a self-contained HTML file, its tables as
 * CSV beside it and, when asked, a PDF (headless Chromium, or the host's printer). Every file goes
 * through the safe output path (src-main/store/safe-output.ts): all of them are checked before the
 * first is written (never into a project's own files, never over an existing file unless
 * `overwrite`), and each is written to a temporary file and renamed into place.
 */
import { extname, resolve } from 'node:path';
import { csvPathFor, reportCsvTables, toCsv, REPORT_CSV_NAMES } from './csv.ts';
import { renderReportHtml } from './html.ts';
import { htmlToPdf } from './pdf.ts';
import type { ReportDocument } from './report-document.ts';
import { badInput } from '../shared/errors.ts';
import { checkOutputs, writeOutput, writeOutputWith, type SafeOutputOptions } from '../store/safe-output.ts';

export type * from './report-document.ts';
export type * from './experiment-rows.ts';
export { renderReportHtml } from './html.ts';
export { htmlToPdf, countPdfPages, resolveChromium } from './pdf.ts';
export type { PdfOptions, PdfResult } from './pdf.ts';
export { reportCsvTables, toCsv, writeReportCsv } from './csv.ts';
export {
  ckaHeatmap, confusionHeatmap, fig4, fig5, fig6, fig7, histogram, learningCurves, table4Html, topKBars,
} from './svg-charts.ts';
export type { ChartOptions, MetricCharts, TopKEntry } from './svg-charts.ts';

/** Renders an HTML file to a PDF at the path it is given: headless Chromium by default; the Electron host passes printToPDF. */
export type PdfPrinter = (htmlPath: string, pdfPath: string) => Promise<{ pages: number; bytes: number }>;

export interface WriteReportOptions extends SafeOutputOptions {
  /** Path of the .html file to write. */
  out: string;
  /** Path of a PDF to render as well. */
  pdf?: string;
  chromiumPath?: string;
  /** The printer (default: htmlToPdf with `chromiumPath`). */
  printPdf?: PdfPrinter;
  /** Called when the HTML and CSV are written and the (slower) PDF starts. */
  onPdf?: () => void;
}

export interface WrittenReport {
  html: string;
  pdf?: string;
  csv: string[];
  /** Bytes written in all files (HTML + CSV + PDF). */
  bytes: number;
  /** Pages of the PDF, when one was made. */
  pages?: number;
}

/** Checks the paths of a report: .html and .pdf names, and the PDF apart from the HTML. */
function reportPaths(out: string, pdf: string | undefined): { out: string; pdf?: string } {
  if (typeof out !== 'string' || out.trim() === '') throw badInput('out must be the path of the .html report to write');
  if (!/^\.html?$/i.test(extname(out))) throw badInput(`out ${out} must end in .html`);
  if (pdf !== undefined && !/^\.pdf$/i.test(extname(pdf))) throw badInput(`pdf ${pdf} must end in .pdf`);
  const r = { out: resolve(out), ...(pdf !== undefined ? { pdf: resolve(pdf) } : {}) };
  if (r.pdf === r.out) throw badInput('pdf: the PDF path must differ from the HTML path');
  return r;
}

/**
 * Every file a report at `out` (and `pdf`) may write — the HTML, each CSV it can have, the PDF —
 * checked before the (slow) gathering so that a refused path fails at once.
 */
export async function checkReportOutputs(out: string, pdf: string | undefined, safe: SafeOutputOptions): Promise<void> {
  const p = reportPaths(out, pdf);
  await checkOutputs([p.out, ...REPORT_CSV_NAMES.map((n) => csvPathFor(p.out, n)), ...(p.pdf ? [p.pdf] : [])], safe);
}

export async function writeReport(doc: ReportDocument, options: WriteReportOptions): Promise<WrittenReport> {
  if (!options) throw badInput('out must be the path of the .html report to write');
  const paths = reportPaths(options.out, options.pdf);
  // Render first: bad data fails before anything touches the disk.
  const html = renderReportHtml(doc);
  const tables = reportCsvTables(doc);
  const csv = tables.map((t) => csvPathFor(paths.out, t.name));
  const safe: SafeOutputOptions = { overwrite: options.overwrite, forceHint: options.forceHint, projects: options.projects };
  const [htmlTarget, ...rest] = await checkOutputs([paths.out, ...csv, ...(paths.pdf ? [paths.pdf] : [])], safe);
  let bytes = await writeOutput(htmlTarget, html);
  for (const [i, table] of tables.entries()) bytes += await writeOutput(rest[i], toCsv(table.headers, table.rows));
  const result: WrittenReport = { html: paths.out, csv, bytes };
  if (paths.pdf !== undefined) {
    options.onPdf?.();
    const print = options.printPdf ?? ((h: string, p: string) => htmlToPdf(h, p, { chromiumPath: options.chromiumPath }));
    const pdf = await writeOutputWith(rest[tables.length], (tmp) => print(htmlTarget.real, tmp));
    result.pdf = paths.pdf;
    result.pages = pdf.pages;
    result.bytes += pdf.bytes;
  }
  return result;
}
