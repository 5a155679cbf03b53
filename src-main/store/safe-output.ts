/**
 * The one path every user-named output takes (export, report + its CSV and PDF, saliency PNGs,
 * evaluation files). Given the path the user typed, it
 *   1. resolves it (real path of the nearest existing folder, following symlinks and `..`; an
 *      existing target that is a symlink is followed to the file it names) and refuses anything
 *      inside a Margin project's own files — store.duckdb and its WAL, margin.json, activations/,
 *      models/, cache/ — of any project found on the way up, and of the projects the caller names
 *      (the open one);
 *   2. refuses to replace an existing file unless `overwrite` is set, naming the file and how to
 *      say so (`--force` on the CLI, `overwrite: true` in the API);
 *   3. refuses targets that exist but are not regular files (folders, devices, FIFOs, sockets);
 *   4. writes to a temporary file beside the target and renames it into place, so a failed or
 *      interrupted write leaves the old file whole. Writers that produce the file themselves
 *      (DuckDB's COPY … TO, the PDF printer) are handed the temporary path.
 * All of it is asynchronous, and every step but the writer's own work runs under a deadline
 * (system/user-path-fs.ts): a path under /proc, a hung mount or a FIFO answers with a message
 * naming the path instead of hanging the host. Errors name the path and the problem.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, link, lstat, readFile, realpath, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MarginError, OUTPUT_EXISTS, badInput } from '../shared/errors.ts';
import { describeFsError, makeFolders, withFsTimeout } from '../system/user-path-fs.ts';

export { describeFsError };

/** A project folder's own entries: nothing the user names as an output may land in them. */
export const PROJECT_OWN_ENTRIES = ['margin.json', 'store.duckdb', 'activations', 'models', 'cache'] as const;

/** What `details.kind` says on the CONFLICT error for an existing output (the UI asks to confirm). */
export { OUTPUT_EXISTS };

export interface SafeOutputOptions {
  /** Replace an existing file (default false). */
  overwrite?: boolean;
  /** How the user says "overwrite" here, for the message: '--force' (CLI), 'overwrite: true' (API). */
  forceHint?: string;
  /** Project folders to protect besides those found on the path (the open project). */
  projects?: readonly string[];
}

/** A checked output: where the user asked, and the real file that will be written. */
export interface OutputTarget {
  /** The path as given, made absolute (what messages and results show). */
  requested: string;
  /** The real path written (symlinks and `..` resolved). */
  real: string;
  /** The target existed (and overwrite was allowed). */
  exists: boolean;
  /** Mode of the file replaced, kept on the new one. */
  mode?: number;
}

const DEFAULT_HINT = '--force on the command line, overwrite: true in the API';

/** Checks one output path (rules 1–3) without writing anything. */
export async function checkOutput(target: string, opts: SafeOutputOptions = {}): Promise<OutputTarget> {
  if (typeof target !== 'string' || target.trim() === '') throw badInput('output path: give the path of the file to write');
  return withFsTimeout(checkOutputNow(target, opts), path.resolve(target), 'checking the output path');
}

async function checkOutputNow(target: string, opts: SafeOutputOptions): Promise<OutputTarget> {
  const requested = path.resolve(target);
  const real = await realOutputPath(target);
  const st = await lstatOrNull(real);
  await refuseProjectFiles(requested, real, opts.projects ?? []);
  if (st) {
    if (!st.isFile()) throw badInput(`${requested} is ${kindOf(st)}, not a regular file: give the path of a file to write`);
    if (!opts.overwrite) {
      throw new MarginError(
        'CONFLICT',
        `${requested} already exists: choose another path, or pass ${opts.forceHint ?? DEFAULT_HINT} to replace it`,
        { kind: OUTPUT_EXISTS, path: requested },
      );
    }
    return { requested, real, exists: true, mode: st.mode & 0o7777 };
  }
  return { requested, real, exists: false };
}

/** Checks several outputs at once (all before any is written); the same file twice is refused. */
export async function checkOutputs(targets: readonly string[], opts: SafeOutputOptions = {}): Promise<OutputTarget[]> {
  const out: OutputTarget[] = [];
  for (const t of targets) out.push(await checkOutput(t, opts));
  const seen = new Map<string, string>();
  for (const t of out) {
    const prev = seen.get(t.real);
    if (prev !== undefined) throw badInput(`${prev} and ${t.requested} are the same file: give each output its own path`);
    seen.set(t.real, t.requested);
  }
  return out;
}

/**
 * An output folder (saliency maps, evaluation files): refused inside a project's own files or
 * when it exists as something else than a folder; made when missing (unless `make: false`).
 * Returns its real path.
 */
export async function prepareOutputDir(dir: string, opts: Pick<SafeOutputOptions, 'projects'> & { make?: boolean } = {}): Promise<string> {
  if (typeof dir !== 'string' || dir.trim() === '') throw badInput('output folder: give the path of a folder to write into');
  return withFsTimeout(prepareOutputDirNow(dir, opts), path.resolve(dir), 'preparing the output folder');
}

async function prepareOutputDirNow(dir: string, opts: Pick<SafeOutputOptions, 'projects'> & { make?: boolean }): Promise<string> {
  const requested = path.resolve(dir);
  const real = await realOutputPath(dir);
  const st = await statOrNull(real);
  if (st && !st.isDirectory()) throw badInput(`${requested} is ${kindOf(st)}, not a folder: give a folder to write the files into`);
  await refuseProjectFiles(requested, real, opts.projects ?? [], true);
  if (opts.make !== false) await makeFolder(real, requested);
  return real;
}

/** Writes `data` to a checked (or unchecked: it is checked here) output; returns the bytes written. */
export async function writeOutput(target: string | OutputTarget, data: string | Uint8Array, opts: SafeOutputOptions = {}): Promise<number> {
  await writeOutputWith(target, (tmp) => writeFile(tmp, data), opts);
  return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
}

/**
 * Lets `write` produce the file at a temporary path beside the target, then renames it into
 * place. When `write` fails (or the rename does), the temporary file is removed and an existing
 * target is untouched.
 */
export async function writeOutputWith<T>(
  target: string | OutputTarget,
  write: (tmpPath: string) => Promise<T>,
  opts: SafeOutputOptions = {},
): Promise<T> {
  const t = typeof target === 'string' ? await checkOutput(target, opts) : target;
  await makeFolder(path.dirname(t.real), path.dirname(t.requested));
  const tmp = tempPathBeside(t.real);
  try {
    const result = await write(tmp);
    const st = await statOrNull(tmp);
    if (!st?.isFile()) throw new MarginError('INTERNAL', `writing ${t.requested}: the writer left no file at ${tmp}`);
    if (t.mode !== undefined) await chmod(tmp, t.mode).catch(() => undefined);
    await withFsTimeout(moveIntoPlace(tmp, t), t.requested, 'moving the finished file into place');
    return result;
  } catch (err) {
    await rm(tmp, { force: true, recursive: true }).catch(() => undefined);
    throw describeFsError(err, t.requested);
  }
}

/** A temporary name beside `file` (same folder, hence same file system for the rename). */
export function tempPathBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The project folder holding `p` (the nearest ancestor with margin.json + store.duckdb), if any. */
export async function projectContaining(p: string): Promise<string | undefined> {
  let dir = path.resolve(p);
  for (;;) {
    if (await isProjectFolder(dir)) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Refuses a path inside any project's own files (not the project folder itself). */
export async function assertNotInProjectFiles(p: string, opts: Pick<SafeOutputOptions, 'projects'> = {}): Promise<void> {
  await withFsTimeout((async () => refuseProjectFiles(path.resolve(p), await realOutputPath(p), opts.projects ?? [], true))(), path.resolve(p), 'checking the path');
}

// ---------------------------------------------------------------------------------------------

async function moveIntoPlace(tmp: string, t: OutputTarget): Promise<void> {
  if (!t.exists) {
    // No overwrite asked: link() fails if a file appeared meanwhile, where rename() would replace it.
    try {
      await link(tmp, t.real);
      await unlink(tmp);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        throw new MarginError('CONFLICT', `${t.requested} appeared while it was being written: choose another path, or replace it explicitly`, { kind: OUTPUT_EXISTS, path: t.requested });
      }
      // File systems without hard links (FAT, some network mounts): re-check, then rename.
      if (await lstatOrNull(t.real)) {
        throw new MarginError('CONFLICT', `${t.requested} appeared while it was being written: choose another path, or replace it explicitly`, { kind: OUTPUT_EXISTS, path: t.requested });
      }
    }
  }
  await rename(tmp, t.real);
}

/**
 * Real path of an output: the path itself when it exists (symlinks followed), else the real path
 * of its nearest existing ancestor joined with the rest. `..` is resolved by the file system, not
 * lexically, so `link/../x` means what the operating system would write.
 */
async function realOutputPath(target: string): Promise<string> {
  const raw = path.isAbsolute(target) ? target : `${process.cwd()}${path.sep}${target}`;
  try {
    return await realpath(raw);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw badInput(`${path.resolve(target)} cannot be resolved (${code ?? 'error'}): check the links on this path`);
  }
  if ((await lstatOrNull(raw))?.isSymbolicLink()) {
    throw badInput(`${path.resolve(target)} is a symbolic link to a missing file: remove the link or choose another path`);
  }
  const parts = raw.split(path.sep);
  for (let i = parts.length - 1; i > 0; i--) {
    const prefix = parts.slice(0, i).join(path.sep) || path.sep;
    try {
      return path.join(await realpath(prefix), ...parts.slice(i));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw badInput(`${prefix} cannot be resolved (${code ?? 'error'}): check the links on this path`);
    }
  }
  return path.resolve(target);
}

async function refuseProjectFiles(requested: string, real: string, extra: readonly string[], isFolder = false): Promise<void> {
  const roots = new Set<string>();
  for (const p of extra) roots.add(await realpath(path.resolve(p)).catch(() => path.resolve(p)));
  const found = await projectContaining(path.dirname(real));
  if (found) roots.add(found);
  // A folder output that is itself a project folder is fine (files go beside the store); inside its
  // own entries it is not. A file output equal to a project folder fails later as "a folder".
  if (isFolder && (await isProjectFolder(real))) roots.add(real);
  for (const root of roots) {
    const rel = path.relative(root, real);
    if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) continue;
    const first = rel.split(path.sep)[0].toLowerCase();
    const own = PROJECT_OWN_ENTRIES.find((e) => first === e || (e === 'store.duckdb' && first.startsWith('store.duckdb')));
    if (own) {
      const what = own === 'store.duckdb' ? 'the project store (store.duckdb and its WAL)' : own === 'margin.json' ? 'the project metadata (margin.json)' : `the project's ${own}/ folder`;
      throw new MarginError(
        'BAD_INPUT',
        `${requested} is inside ${what} of the Margin project ${root}: Margin never writes outputs into a project's own files; choose a path outside them (e.g. ${path.join(root, 'exports')})`,
        { kind: 'inside-project', path: requested, project: root },
      );
    }
  }
}

async function isProjectFolder(dir: string): Promise<boolean> {
  const meta = await statOrNull(path.join(dir, 'margin.json'));
  if (!meta?.isFile()) return false;
  if (await statOrNull(path.join(dir, 'store.duckdb'))) return true;
  // A project whose store is not made yet (or was moved away): its metadata says so.
  if (meta.size > 64 * 1024) return false;
  const text = await readFile(path.join(dir, 'margin.json'), 'utf8').catch(() => '');
  return /"format"\s*:\s*"margin-project"/.test(text);
}

async function makeFolder(real: string, requested: string): Promise<void> {
  // One level at a time under a deadline: mkdir(recursive) never returns under /proc.
  await makeFolders(real, requested);
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch {
    return null;
  }
}

async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await stat(p);
  } catch {
    return null;
  }
}
