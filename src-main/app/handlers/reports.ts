/** report.*: export the analysis of a model (optionally compared with another) as a job. */
import type { HandlerModule } from '../context.ts';
import { checkReportOutputs } from '../../reports/index.ts';
import { exportReport, reportTargets } from '../services/report.ts';

/** How an API caller says "replace it", for the refusal of an existing file. */
export const API_FORCE_HINT = 'overwrite: true';

export const reportHandlers: HandlerModule = (ctx) => ({
  'report.export': async (params) => {
    const store = ctx.workspace.requireStore();
    // A refused path (inside a project's files, an existing file without overwrite) is the
    // request's own error, before any job starts: the workbench asks to confirm and retries.
    const { out, pdf } = reportTargets(params);
    await checkReportOutputs(out, pdf, { overwrite: params.overwrite, forceHint: API_FORCE_HINT, projects: [store.dir] });
    const title = `Report of ${params.model}${params.compare ? ` compared with ${params.compare}` : ''}`;
    const jobId = ctx.jobs.start('report.export', title, async (job) => {
      // The PDF: the host's printer when it has one (the Electron shell passes printToPDF), else
      // headless Chromium (src-main/reports/pdf.ts) for the browser host and the CLI.
      const r = await exportReport(store, params, {
        now: ctx.now,
        printPdf: ctx.printPdf,
        forceHint: API_FORCE_HINT,
        signal: job.signal,
        onProgress: (done, total, message) => job.progress(done, total, message),
      });
      // Exactly the contract's ReportResult (the page count is the CLI's).
      return { html: r.html, csv: r.csv, bytes: r.bytes, ...(r.pdf !== undefined ? { pdf: r.pdf } : {}) };
    });
    return { jobId };
  },
});
