/**
 * Reports: `writeReport` turns a ReportDocument into a self-contained HTML file, its tables as
 * CSV beside it and, when asked, a PDF through headless Chromium. Every file is written
 * atomically (temp file + rename), so a failed run leaves no half file.
 */
import { mkdirSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { writeReportCsv } from './csv.ts';
import { renderReportHtml } from './html.ts';
import { htmlToPdf } from './pdf.ts';
import type { ReportDocument } from './report-document.ts';
import { badInput } from '../shared/errors.ts';

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

export interface WriteReportOptions {
  /** Path of the .html file to write. */
  out: string;
  /** Path of a PDF to render as well. */
  pdf?: string;
  chromiumPath?: string;
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

export async function writeReport(doc: ReportDocument, options: WriteReportOptions): Promise<WrittenReport> {
  if (!options || typeof options.out !== 'string' || options.out.trim() === '') throw badInput('out must be the path of the .html report to write');
  if (!/^\.html?$/i.test(extname(options.out))) throw badInput(`out ${options.out} must end in .html`);
  if (options.pdf !== undefined && !/^\.pdf$/i.test(extname(options.pdf))) throw badInput(`pdf ${options.pdf} must end in .pdf`);
  // Render first: bad data fails before anything touches the disk.
  const html = renderReportHtml(doc);
  const out = resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  let bytes = await writeFileAtomic(out, html);
  const csv = await writeReportCsv(doc, out);
  bytes += csv.bytes;
  const result: WrittenReport = { html: out, csv: csv.paths, bytes };
  if (options.pdf !== undefined) {
    const pdfPath = resolve(options.pdf);
    const pdf = await htmlToPdf(out, pdfPath, { chromiumPath: options.chromiumPath });
    result.pdf = pdfPath;
    result.pages = pdf.pages;
    result.bytes += pdf.bytes;
  }
  return result;
}
