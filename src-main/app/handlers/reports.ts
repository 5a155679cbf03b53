/** report.*: export the analysis of a model (optionally compared with another) as a job. */
import type { HandlerModule } from '../context.ts';
import { exportReport } from '../services/report.ts';

export const reportHandlers: HandlerModule = (ctx) => ({
  'report.export': (params) => {
    const store = ctx.workspace.requireStore();
    const title = `Report of ${params.model}${params.compare ? ` compared with ${params.compare}` : ''}`;
    const jobId = ctx.jobs.start('report.export', title, async (job) => {
      // The PDF: the host's printer when it has one (the Electron shell passes printToPDF), else
      // headless Chromium (src-main/reports/pdf.ts) for the browser host and the CLI.
      const r = await exportReport(store, params, {
        now: ctx.now,
        printPdf: ctx.printPdf,
        signal: job.signal,
        onProgress: (done, total, message) => job.progress(done, total, message),
      });
      // Exactly the contract's ReportResult (the page count is the CLI's).
      return { html: r.html, csv: r.csv, bytes: r.bytes, ...(r.pdf !== undefined ? { pdf: r.pdf } : {}) };
    });
    return { jobId };
  },
});
