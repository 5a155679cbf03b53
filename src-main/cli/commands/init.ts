import type { Command } from '../command.ts';
import { createProject } from '../../store/project.ts';
import { MarginError } from '../../shared/errors.ts';

export const initCommand: Command = {
  name: 'init',
  summary: 'Create a project folder (margin.json + store.duckdb)',
  usage: 'margin init DIR [--name NAME]',
  options: { name: { type: 'string' } },
  async run({ values, positionals }) {
    const dir = positionals[0];
    if (!dir) throw new MarginError('BAD_REQUEST', `the project folder is required\nusage: ${this.usage}`);
    const store = await createProject(dir, { name: typeof values.name === 'string' ? values.name : undefined });
    console.log(`Created project "${store.meta.name}" in ${store.dir}`);
    await store.close();
    return 0;
  },
};
