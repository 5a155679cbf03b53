/**
 * Starts a worker thread whose entry is a TypeScript file.
 *
 * The documented `new Worker(url, { execArgv: ['--import', 'tsx'] })` does not work on Node 20.20:
 * the worker's entry is resolved before tsx's module hooks apply in that thread, and it fails with
 * "Unknown file extension .ts" (checked both under tsx and under vitest). Instead a tiny
 * CommonJS bootstrap registers tsx's ESM hooks inside the worker (tsx/esm/api register()) and
 * then imports the entry. A .js/.mjs entry (a compiled build) is imported directly.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { entry, tsxApi } = workerData.__bootstrap;
(tsxApi ? import(tsxApi).then((api) => api.register()) : Promise.resolve())
  .then(() => import(entry))
  .catch((err) => { setImmediate(() => { throw err; }); });
`;

let tsxApiUrl: string | null = null;

function tsxApi(): string {
  if (!tsxApiUrl) {
    // tsx's package exports map 'tsx/esm/api' to this file for `import`; require.resolve would pick the CJS build.
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('tsx/package.json');
    tsxApiUrl = pathToFileURL(pkg.replace(/package\.json$/, 'dist/esm/api/index.mjs')).href;
  }
  return tsxApiUrl;
}

export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const isTs = /\.[cm]?ts$/.test(entry.pathname);
  const workerData = { ...(options.workerData as object), __bootstrap: { entry: entry.href, tsxApi: isTs ? tsxApi() : null } };
  return new Worker(BOOTSTRAP, { ...options, eval: true, workerData });
}
