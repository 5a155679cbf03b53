/**
 * The application core, independent of how requests arrive: the open project, the job
 * manager, and the handlers of every request of the contract. Electron's IPC, the browser
 * host and the tests all drive it through `dispatcher`.
 */
import { JobManager } from '../jobs/job-manager.ts';
import { createDispatcher, type Dispatcher, type Handlers } from '../api/dispatcher.ts';
import { MarginError } from '../shared/errors.ts';
import type { AppInfo } from '../shared/api.ts';
import { appVersion, duckdbVersion, electronStatus } from '../system/info.ts';
import { initBackend } from '../engine/backend.ts';

export type HostKind = AppInfo['host'];

export interface AppOptions {
  host: HostKind;
  now?: () => number;
}

export interface App {
  jobs: JobManager;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<App> {
  const now = opts.now ?? (() => Date.now());
  const jobs = new JobManager({ now });
  const state: { project: AppInfo['project'] } = { project: null };

  const handlers: Partial<Handlers> = {
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
        host: opts.host,
        project: state.project,
      };
    },
    'app.echo': ({ message }) => ({ message, at: new Date(now()).toISOString() }),
    'jobs.list': () => jobs.list(),
    'jobs.cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
  };

  const dispatcher = createDispatcher(
    new Proxy(handlers, {
      get(target, prop: string) {
        const h = target[prop as keyof Handlers];
        if (h) return h;
        return () => {
          throw new MarginError('UNSUPPORTED', `${prop} is not available in this build`);
        };
      },
    }) as Handlers,
    { onError: (name, err) => console.error(`[margin] ${name} failed:`, err) },
  );

  return {
    jobs,
    dispatcher,
    close: async () => {
      await jobs.shutdown();
    },
  };
}
