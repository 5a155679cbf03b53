/**
 * What this installation is: version, the TensorFlow.js backend that loads, DuckDB's version,
 * whether the Electron binary is present. Shared by `margin info`, the app.info request and
 * `npm start`'s fallback decision.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function appVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export interface ElectronStatus {
  present: boolean;
  version?: string;
  path?: string;
  reason?: string;
}

/** Finds the Electron binary without starting it. The npm package throws on require when its binary is missing. */
export function electronStatus(): ElectronStatus {
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { present: false, reason: 'the electron package is not installed' };
  }
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { present: false, version, reason: 'the Electron binary was not downloaded (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 or offline)' };
  }
  const exe = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(exe)) return { present: false, version, reason: `the Electron binary ${exe} is missing` };
  return { present: true, version, path: exe };
}

export async function duckdbVersion(): Promise<string> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll('select version() as v');
    return String(reader.getRowObjects()[0].v);
  } finally {
    conn.closeSync();
  }
}
