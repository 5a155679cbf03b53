import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Command } from '../command.ts';
import { numberOption } from '../command.ts';
import { REPO_ROOT } from '../../system/info.ts';
import { MarginError } from '../../shared/errors.ts';

/** Where `npm run build:renderer` puts the workbench. */
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the workbench in a browser on 127.0.0.1 (token-protected)',
  usage: 'margin serve [--port N] [--project DIR]',
  options: { port: { type: 'string' }, project: { type: 'string' } },
  async run({ values }) {
    const port = numberOption(values, 'port', 0)!;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MarginError('BAD_REQUEST', `--port must be an integer in 0…65535, got ${port}`);
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
      throw new MarginError('BAD_INPUT', `the workbench is not built (${RENDERER_DIR} is missing): run \`npm run build:renderer\` first`);
    }
    const { createApp } = await import('../../app/app.ts');
    const { startHost } = await import('../../host/server.ts');
    const app = await createApp({ host: 'browser' });
    const host = await startHost({ dispatcher: app.dispatcher, subscribe: (l) => app.jobs.subscribe(l), staticDir: RENDERER_DIR, port });
    console.log(`Margin is running at ${host.url}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await host.close();
    await app.close();
    return 0;
  },
};
