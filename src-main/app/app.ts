/**
 * The application core, independent of how requests arrive: the open project (Workspace), the
 * job manager, and the handlers of every request of the contract, one module per domain in
 * ./handlers. Electron's IPC, the browser host and the tests all drive it through `dispatcher`.
 */
import { JobManager } from '../jobs/job-manager.ts';
import { createDispatcher, type Dispatcher, type Handlers } from '../api/dispatcher.ts';
import { MarginError } from '../shared/errors.ts';
import type { HandlerContext, HandlerModule } from './context.ts';
import { Workspace } from './workspace.ts';
import { appHandlers } from './handlers/app.ts';
import { projectHandlers } from './handlers/project.ts';
import { modelHandlers } from './handlers/models.ts';
import { sampleHandlers } from './handlers/samples.ts';
import { reportHandlers } from './handlers/reports.ts';
import { neuronHandlers } from './handlers/neurons.ts';
import { queryHandlers } from './handlers/queries.ts';
import { evaluateHandlers } from './handlers/evaluate.ts';
import { itemHandlers } from './handlers/items.ts';
import { exportHandlers } from './handlers/export.ts';
import { answerHandlers } from './handlers/answers.ts';

const MODULES: HandlerModule[] = [appHandlers, projectHandlers, modelHandlers, sampleHandlers, queryHandlers, evaluateHandlers, reportHandlers, neuronHandlers, itemHandlers, exportHandlers, answerHandlers];

export interface AppOptions {
  host: HandlerContext['host'];
  now?: () => number;
  printPdf?: HandlerContext['printPdf'];
}

export interface App {
  jobs: JobManager;
  workspace: Workspace;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<App> {
  const now = opts.now ?? (() => Date.now());
  const jobs = new JobManager({ now });
  const workspace = new Workspace(now);
  workspace.attachJobs(jobs); // switching projects waits for (or refuses) the running jobs
  workspace.onChange((project) => jobs.emit('project.changed', { project }));
  const ctx: HandlerContext = { workspace, jobs, host: opts.host, now, printPdf: opts.printPdf };
  const handlers: Partial<Handlers> = Object.assign({}, ...MODULES.map((m) => m(ctx)));

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
    workspace,
    dispatcher,
    close: async () => {
      await jobs.shutdown();
      await workspace.close();
    },
  };
}
