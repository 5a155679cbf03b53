import type { JobManager } from '../jobs/job-manager.ts';
import type { Workspace } from './workspace.ts';
import type { AppInfo } from '../shared/api.ts';
import type { Handlers } from '../api/dispatcher.ts';

/** What every handler module receives. */
export interface HandlerContext {
  workspace: Workspace;
  jobs: JobManager;
  host: AppInfo['host'];
  now: () => number;
  /** The host's own HTML → PDF printer (Electron's printToPDF on the desktop); absent: headless Chromium. */
  printPdf?: (htmlPath: string, pdfPath: string) => Promise<{ pages: number; bytes: number }>;
}

export type HandlerModule = (ctx: HandlerContext) => Partial<Handlers>;
