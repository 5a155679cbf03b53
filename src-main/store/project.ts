/**
 * Projects: a folder holding `margin.json` (metadata) and `store.duckdb` (+ `activations/`).
 * createProject/openProject validate the folder, open DuckDB, apply pending migrations and
 * repair activation files after a crash; every store function then takes the returned Store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MarginError, badInput } from '../shared/errors.ts';
import { assertNotInProjectFiles } from './safe-output.ts';
import { checkInputFile } from '../system/input-file.ts';
import { describeFsError, makeFolders, withFsTimeout } from '../system/user-path-fs.ts';
import { Lock, inTransaction, queryRows } from './db.ts';
import { LruCache } from './lru-cache.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';
import { recoverActivationFiles } from './activation-files.ts';
import { removeInterruptedImports } from './models.ts';
import { findDamage, type LayerDamage } from './activation-damage.ts';
import type { Matrix } from '../core/matrix.ts';

export const PROJECT_FORMAT = 'margin-project';
export const META_FILE = 'margin.json';
export const DB_FILE = 'store.duckdb';
export const ACTIVATIONS_DIR = 'activations';
const DEFAULT_CACHE_BYTES = 2 * 1024 ** 3;

export interface ProjectMeta {
  format: typeof PROJECT_FORMAT;
  schemaVersion: number;
  name: string;
  created: string; // ISO time
}

/** A decoded layer matrix kept in the LRU cache: rows in `itemIds` order. */
export interface CachedLayer {
  matrix: Matrix<Float32Array>;
  itemIds: Int32Array;
  rowOf: Map<number, number>;
}

export interface Store {
  readonly dir: string;
  readonly meta: ProjectMeta;
  readonly readOnly: boolean;
  readonly conn: DuckDBConnection;
  /** Clock in ms since the epoch; injected so tests are deterministic. */
  readonly now: () => number;
  /** Serialises writers: one DuckDB connection has one transaction at a time. */
  readonly lock: Lock;
  /** Decoded activation matrices, keyed `ckpt/<id>/<layer>`; invalidated on every write to that key. */
  readonly cache: LruCache<CachedLayer>;
  /**
   * Activation layers whose files are shorter than their index says (activation-damage.ts), as
   * found when the project was opened; projectInfo and extraction refresh it.
   */
  damage: LayerDamage[];
  close(): Promise<void>;
}

export interface OpenOptions {
  readOnly?: boolean;
  now?: () => number;
  /** Budget of the decoded-activation LRU cache in bytes (default 2 GiB). */
  cacheBytes?: number;
}

/** Absolute paths of stores open in this process: DuckDB must not attach one file twice. */
const openInProcess = new Set<string>();

export async function createProject(dir: string, opts: OpenOptions & { name?: string } = {}): Promise<Store> {
  if (typeof dir !== 'string' || dir === '') throw badInput('createProject: dir must be a non-empty path');
  const abs = path.resolve(dir);
  const now = opts.now ?? Date.now;
  // A project is never made inside another project's own files (its activations/, models/, …).
  await assertNotInProjectFiles(abs);
  // Asynchronous and under a deadline: the folder is the user's path (a /proc path once froze the host).
  const st = await withFsTimeout(statOrNull(abs), abs, 'checking the project folder');
  if (st) {
    if (!st.isDirectory()) throw badInput(`createProject: ${abs} exists and is not a folder; choose another path`);
    if (await withFsTimeout(statOrNull(path.join(abs, META_FILE)), abs, 'checking the project folder')) {
      throw new MarginError('CONFLICT', `a Margin project already exists in ${abs}: open it instead of creating it`, { dir: abs });
    }
    const entries = await withFsTimeout(fs.promises.readdir(abs), abs, 'listing the folder').catch((err) => { throw describeFsError(err, abs, 'list'); });
    if (entries.length > 0) {
      throw badInput(`createProject: ${abs} is a non-empty folder that is not a Margin project; choose an empty or new folder`);
    }
  }
  await makeFolders(path.join(abs, ACTIVATIONS_DIR), abs);
  const meta: ProjectMeta = {
    format: PROJECT_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    name: opts.name ?? path.basename(abs),
    created: new Date(now()).toISOString(),
  };
  await withFsTimeout(fs.promises.writeFile(path.join(abs, META_FILE), JSON.stringify(meta, null, 2) + '\n'), abs, 'writing margin.json')
    .catch((err) => { throw describeFsError(err, path.join(abs, META_FILE)); });
  return openProject(abs, { ...opts, readOnly: false });
}

export async function openProject(dir: string, opts: OpenOptions = {}): Promise<Store> {
  if (typeof dir !== 'string' || dir === '') throw badInput('openProject: dir must be a non-empty path');
  const abs = path.resolve(dir);
  const st = await withFsTimeout(statOrNull(abs), abs, 'checking the project folder');
  if (!st) {
    throw new MarginError('NOT_FOUND', `project folder ${abs} does not exist: run \`margin init ${dir}\` to create it`,
      { path: abs, ui: `project folder ${abs} does not exist: check the path, or make a project there with "Create project" in the Projects view` });
  }
  if (!st.isDirectory()) throw badInput(`openProject: ${abs} is not a folder; pass the project folder`, { path: abs, ui: `${abs} is not a folder: give the project's folder` });
  const metaPath = path.join(abs, META_FILE);
  if (!(await withFsTimeout(statOrNull(metaPath), abs, 'checking the project folder'))) {
    throw new MarginError('NOT_FOUND', `${abs} is not a Margin project (no ${META_FILE}): run \`margin init ${dir}\``,
      { path: abs, ui: `${abs} is not a Margin project (no ${META_FILE}): open a project folder, or make one with "Create project" in the Projects view` });
  }
  const meta = await withFsTimeout(readMeta(metaPath), metaPath, 'reading the project metadata');
  if (meta.schemaVersion > SCHEMA_VERSION) {
    throw new MarginError('UNSUPPORTED',
      `project ${abs} has schema version ${meta.schemaVersion}, newer than this build of Margin supports (${SCHEMA_VERSION}): upgrade Margin`);
  }
  if (openInProcess.has(abs)) {
    throw new MarginError('CONFLICT', `project ${abs} is already open in this process: reuse the open Store or close it first`);
  }
  const readOnly = opts.readOnly ?? false;
  const dbPath = path.join(abs, DB_FILE);
  if (readOnly && !(await statOrNull(dbPath))) {
    throw new MarginError('NOT_FOUND', `project ${abs} has no ${DB_FILE} yet: open it read-write once to create it`);
  }
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(dbPath, readOnly ? { access_mode: 'READ_ONLY' } : {});
  } catch (err) {
    throw translateOpenError(err, dbPath);
  }
  openInProcess.add(abs);
  const conn = await instance.connect();
  let closed = false;
  const lock = new Lock();
  const store: Store = {
    dir: abs,
    meta,
    readOnly,
    conn,
    now: opts.now ?? Date.now,
    lock,
    cache: new LruCache<CachedLayer>(opts.cacheBytes ?? DEFAULT_CACHE_BYTES),
    damage: [],
    close: async () => {
      if (closed) return;
      closed = true;
      await lock.run(async () => undefined); // let running writers finish
      conn.closeSync();
      instance.closeSync();
      openInProcess.delete(abs);
      store.cache.clear();
    },
  };
  try {
    const applied = await migrate(store);
    if (applied > 0 && meta.schemaVersion !== SCHEMA_VERSION) {
      meta.schemaVersion = SCHEMA_VERSION;
      await fs.promises.writeFile(metaPath, JSON.stringify(meta, null, 2) + '\n');
    }
    if (!readOnly) {
      await recoverActivationFiles(store);
      await removeInterruptedImports(abs);
    }
    // files shorter than their index (deleted, truncated): found now, reported by projectInfo,
    // refused by reads, recomputed by the next extraction of the checkpoint
    store.damage = await findDamage(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

async function statOrNull(p: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.stat(p);
  } catch {
    return null;
  }
}

async function readMeta(metaPath: string): Promise<ProjectMeta> {
  // A regular file of sane size before it is opened (a FIFO would block the open forever).
  await checkInputFile(metaPath, 'project metadata file', { maxBytes: 1 << 20 });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.promises.readFile(metaPath, 'utf8'));
  } catch {
    // JSON.parse's message quotes the text around the error, so it is not passed on.
    throw badInput(`${metaPath} is not valid JSON: restore it from a backup`);
  }
  const m = parsed as Partial<ProjectMeta> | null;
  if (!m || m.format !== PROJECT_FORMAT || !Number.isInteger(m.schemaVersion)) {
    throw badInput(`${metaPath} is not Margin project metadata (needs "format": "${PROJECT_FORMAT}" and an integer "schemaVersion")`);
  }
  return { format: PROJECT_FORMAT, schemaVersion: m.schemaVersion!, name: String(m.name ?? ''), created: String(m.created ?? '') };
}

function translateOpenError(err: unknown, dbPath: string): MarginError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Could not set lock|Conflicting lock/i.test(msg)) {
    const pid = /PID (\d+)/.exec(msg)?.[1];
    return new MarginError('CONFLICT',
      `${dbPath} is locked by another process${pid ? ` (PID ${pid})` : ''}: close the other Margin window or CLI using this project, then retry`,
      { dbPath, pid: pid ? Number(pid) : undefined, cause: msg });
  }
  return new MarginError('INTERNAL', `cannot open ${dbPath}: ${msg}`, { dbPath });
}

/** Apply every migration newer than the store's version, each in its own transaction. Returns how many ran. */
export async function migrate(store: Store): Promise<number> {
  const { conn } = store;
  const exists = await queryRows(conn,
    `SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_migrations' AND table_schema = 'main'`);
  let current = 0;
  if (exists.length > 0) {
    const r = await queryRows(conn, 'SELECT coalesce(max(version), 0)::INTEGER AS v FROM schema_migrations');
    current = Number(r[0].v);
  }
  if (current > SCHEMA_VERSION) {
    throw new MarginError('UNSUPPORTED',
      `${store.dir}/${DB_FILE} has schema version ${current}, newer than this build of Margin supports (${SCHEMA_VERSION}): upgrade Margin`);
  }
  const pending = MIGRATIONS.filter((m) => m.version > current);
  if (pending.length === 0) return 0;
  if (store.readOnly) {
    throw new MarginError('CONFLICT',
      `project ${store.dir} needs schema migration ${current} → ${SCHEMA_VERSION}, which a read-only open cannot do: open it once in the workbench or with a command that writes (e.g. margin extract --project ${store.dir} --model NAME, which computes nothing already stored) and it is migrated in one transaction`);
  }
  return store.lock.run(async () => {
    if (exists.length === 0) {
      await conn.run(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied TIMESTAMP NOT NULL)`);
    }
    for (const m of pending) {
      await inTransaction(conn, async () => {
        await conn.run(m.sql.join(';\n')); // one round trip for the whole migration
        await conn.run('INSERT INTO schema_migrations VALUES ($1, $2, epoch_ms($3))', [m.version, m.name, Math.round(store.now())]);
      });
    }
    return pending.length;
  });
}

/** Throw a clear error before a write on a read-only store. */
export function assertWritable(store: Store, what: string): void {
  if (store.readOnly) throw new MarginError('CONFLICT', `${what}: the project ${store.dir} is open read-only; reopen it read-write`);
}
