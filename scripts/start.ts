/**
 * `npm start`: build and open the Electron window; where the Electron binary is missing
 * (offline installs, this CI machine), say so in one line and serve the workbench in a
 * browser instead. Opens the demo project unless a project folder is given:
 *   npm start [-- --project DIR]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { electronStatus, REPO_ROOT } from '../src-main/system/info.ts';

const args = process.argv.slice(2);
const electron = electronStatus();
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(cmd: string, cmdArgs: string[]): void {
  const r = spawnSync(cmd, cmdArgs, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (electron.present && electron.path) {
  run(npx, ['electron-vite', 'build']);
  const child = spawn(electron.path, ['.', ...args], { cwd: REPO_ROOT, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Electron binary not found (${electron.reason}); starting the browser host instead.`);
  const index = join(REPO_ROOT, 'out', 'renderer', 'index.html');
  if (!existsSync(index) || statSync(index).mtimeMs < newestMtime(join(REPO_ROOT, 'src-renderer'))) {
    run(npx, ['vite', 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn']);
  }
  const serveArgs = ['serve', ...(args.includes('--project') ? [] : ['--demo']), ...args];
  if (process.env.BROWSER) serveArgs.push('--open');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'margin.js'), ...serveArgs], { cwd: REPO_ROOT, stdio: 'inherit' });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}
