/** app.* and jobs.*: status of the installation and the session's jobs. */
import type { HandlerModule } from '../context.ts';
import { appVersion, duckdbVersion, electronStatus } from '../../system/info.ts';
import { initBackend } from '../../engine/backend.ts';

export const appHandlers: HandlerModule = (ctx) => ({
  'app.info': async () => {
    const backend = await initBackend();
    const electron = electronStatus();
    return {
      name: 'Margin',
      version: appVersion(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      backend: { name: backend.name, reason: backend.reason },
      duckdb: await duckdbVersion(),
      electron: { present: electron.present, version: electron.version, reason: electron.reason },
      host: ctx.host,
      project: ctx.workspace.summary(),
    };
  },
  'app.echo': ({ message }) => ({ message, at: new Date(ctx.now()).toISOString() }),
  'jobs.list': () => ctx.jobs.list(),
  'jobs.cancel': ({ jobId }) => ({ cancelled: ctx.jobs.cancel(jobId) }),
});
