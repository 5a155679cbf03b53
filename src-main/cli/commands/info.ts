import type { Command } from '../command.ts';
import { appVersion, duckdbVersion, electronStatus } from '../../system/info.ts';
import { initBackend } from '../../engine/backend.ts';

export const infoCommand: Command = {
  name: 'info',
  summary: 'Version, TensorFlow.js backend, DuckDB version, Electron binary (and a project\'s contents with --project)',
  usage: 'margin info [--json] [--project DIR]',
  options: { json: { type: 'boolean' }, project: { type: 'string' } },
  async run({ values }) {
    const backend = await initBackend();
    const electron = electronStatus();
    const info: Record<string, unknown> = {
      name: 'Margin',
      version: appVersion(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      backend: { name: backend.name, ...(backend.reason ? { reason: backend.reason } : {}) },
      duckdb: await duckdbVersion(),
      electron: { present: electron.present, version: electron.version, ...(electron.reason ? { reason: electron.reason } : {}) },
    };
    if (values.json) {
      console.log(JSON.stringify(info, null, 2));
    } else {
      console.log(`Margin ${info.version} (Node ${process.version}, ${info.platform})`);
      console.log(`TensorFlow.js backend: ${backend.name}${backend.reason ? ` — ${backend.reason}` : ''}`);
      console.log(`DuckDB: ${info.duckdb}`);
      console.log(`Electron: ${electron.present ? `present (${electron.version})` : `absent — ${electron.reason}`}`);
    }
    return 0;
  },
};
