import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import type { Command } from '../command.ts';
import { numberOption } from '../command.ts';
import { REPO_ROOT } from '../../system/info.ts';
import { MarginError } from '../../shared/errors.ts';

/** Where `npm run build:renderer` puts the workbench. */
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the workbench in a browser on 127.0.0.1 (token-protected)',
  usage: 'margin serve [--port N] [--project DIR | --demo] [--open]',
  options: { port: { type: 'string' }, project: { type: 'string' }, demo: { type: 'boolean' }, open: { type: 'boolean' } },
  async run({ values }) {
    const port = numberOption(values, 'port', { fallback: 0, integer: true, min: 0, max: 65535 })!;
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
      throw new MarginError('BAD_INPUT', `the workbench is not built (${RENDERER_DIR} is missing): run \`npm run build:renderer\` first`);
    }
    const { createApp } = await import('../../app/app.ts');
    const { startHost } = await import('../../host/server.ts');
    const app = await createApp({ host: 'browser' });
    if (typeof values.project === 'string') await app.workspace.open(values.project);
    const host = await startHost({ dispatcher: app.dispatcher, subscribe: (l) => app.jobs.subscribe(l), staticDir: RENDERER_DIR, port });
    // `margin` commands on the open project reach this workbench through a record in the project folder.
    const { advertiseWorkbench } = await import('../../app/workbench-record.ts');
    const stopAdvertising = advertiseWorkbench(app.workspace, { origin: new URL(host.url).origin, token: host.token, kind: 'browser' });
    console.log(`Margin is running at ${host.url}`);
    if (values.open && process.env.BROWSER) {
      spawn(process.env.BROWSER, [host.url], { stdio: 'ignore', detached: true }).on('error', (e) => console.error(`could not open ${process.env.BROWSER}: ${e.message}`)).unref();
    }
    if (values.demo) {
      // The page is up at once; the demo is made (first time) or opened as a job the page shows.
      const reply = await app.dispatcher.dispatch('project.openDemo', {});
      if (!reply.ok) console.error(`margin serve: the demo could not be opened: ${reply.error.message}`);
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    stopAdvertising();
    await host.close();
    await app.close();
    return 0;
  },
};
