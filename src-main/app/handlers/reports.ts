/** report.*: export the analysis of a model (optionally compared with another) as a job. */
import type { HandlerModule } from '../context.ts';
import { exportReport } from '../services/report.ts';

export const reportHandlers: HandlerModule = (ctx) => ({
  'report.export': (params) => {
    const store = ctx.workspace.requireStore();
    const title = `Report of ${params.model}${params.compare ? ` compared with ${params.compare}` : ''}`;
    const jobId = ctx.jobs.start('report.export', title, async (job) => {
      // The PDF: headless Chromium (src-main/reports/pdf.ts) serves the browser host and the CLI.
      // On the desktop (ctx.host === 'electron') this is where the Electron shell's printer plugs
      // in — `printPdf` built on webContents.printToPDF of a hidden window loading the HTML file.
      // The shell does not offer one through the HandlerContext yet, so every host prints with
      // Chromium for now (exportReport's default).
      const r = await exportReport(store, params, {
        now: ctx.now,
        signal: job.signal,
        onProgress: (done, total, message) => job.progress(done, total, message),
      });
      // Exactly the contract's ReportResult (the page count is the CLI's).
      return { html: r.html, csv: r.csv, bytes: r.bytes, ...(r.pdf !== undefined ? { pdf: r.pdf } : {}) };
    });
    return { jobId };
  },
});
