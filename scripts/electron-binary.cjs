#!/usr/bin/env node
/**
 * Root `postinstall`: fetch Electron's binary if we can, and never fail the install if we can't.
 *
 * The `electron` package downloads its binary from outside the npm registry in its own install
 * script. Offline (or behind a registry-only proxy) that script fails and, with it, the whole
 * `npm install`. package.json's `allowScripts` therefore denies electron's own script, and this
 * script runs it instead, with a time limit, turning a failure into one line of advice: the
 * workbench then opens in the browser (`npm start` falls back to the browser host by itself).
 * With a network it installs the binary exactly as electron's script would.
 *
 *   ELECTRON_SKIP_BINARY_DOWNLOAD=1   skip the attempt (as electron's own script does)
 *   MARGIN_ELECTRON_TIMEOUT_MS        give up after this long (default 180000)
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const installer = path.join(root, 'node_modules', 'electron', 'install.js');

function main() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    console.log('margin: ELECTRON_SKIP_BINARY_DOWNLOAD is set, not fetching the Electron binary; `npm start` serves the workbench in the browser.');
    return;
  }
  if (!existsSync(installer)) {
    console.log('margin: the electron package is not installed (production install?); `npm start` serves the workbench in the browser.');
    return;
  }
  const timeout = Number(process.env.MARGIN_ELECTRON_TIMEOUT_MS) > 0 ? Number(process.env.MARGIN_ELECTRON_TIMEOUT_MS) : 180_000;
  const r = spawnSync(process.execPath, [installer], { cwd: path.dirname(installer), stdio: ['ignore', 'inherit', 'pipe'], timeout, encoding: 'utf8' });
  if (r.status === 0) return;
  const why = r.error ? r.error.message : (String(r.stderr || '').trim().split('\n').find((l) => /error|fail/i.test(l)) || `exit code ${r.status}`);
  console.log(`margin: the Electron binary could not be downloaded (${why.slice(0, 200)}).`);
  console.log('margin: nothing else is affected: `npm start` serves the same workbench in your browser. With a network, run `node node_modules/electron/install.js` to get the desktop window.');
}

try {
  main();
} catch (err) {
  console.log(`margin: skipped the Electron binary (${err && err.message}).`);
}
