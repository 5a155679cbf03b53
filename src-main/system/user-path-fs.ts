/**
 * File-system work on paths the USER typed (outputs, inputs, project folders) that can never hang
 * the host. Two dangers, both found with a report path under /proc:
 *  - Node's `mkdir(p, { recursive: true })` loops forever when the file system answers ENOENT for
 *    a folder whose parent exists (/proc, /sys): the synchronous form froze the whole server (its
 *    event loop spun until SIGKILL), the asynchronous form spins a libuv pool thread forever, and
 *    four such requests leave no thread for any other file operation. `makeFolders` makes one
 *    level at a time (non-recursive mkdir), which always ends.
 *  - A hung network mount, a FIFO or a special file can leave any call pending: `withFsTimeout`
 *    gives up after a deadline with a message naming the path, so the request answers.
 * Everything here is asynchronous; nothing blocks the event loop.
 */
import type { Stats } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { MarginError, badInput } from '../shared/errors.ts';

/** Default deadline of one file-system step on a user path (ms); MARGIN_FS_TIMEOUT_MS overrides it. */
export const DEFAULT_FS_TIMEOUT_MS = 20_000;

export function fsTimeoutMs(): number {
  const v = Number(process.env.MARGIN_FS_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_FS_TIMEOUT_MS;
}

/**
 * Resolves like `work`, or rejects with BAD_INPUT naming `target` when it has not settled within
 * `ms`. The pending operation itself cannot be stopped (the OS call is in flight) but the request
 * that waited for it answers.
 */
export function withFsTimeout<T>(work: Promise<T>, target: string, doing: string, ms = fsTimeoutMs()): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(badInput(
      `${target}: ${doing} did not finish within ${formatSeconds(ms)} (is it on a special file system such as /proc or /sys, a hung network mount, or a named pipe?): choose a path on an ordinary disk`,
      { kind: 'fs-timeout', path: target },
    )), ms);
    timer.unref?.();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Plain-words reasons for the common errno codes (no raw "EEXIST … mkdir"). */
const WHY: Record<string, string> = {
  EACCES: 'permission denied', EPERM: 'operation not permitted', ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only', ENOENT: 'a folder on the path does not exist', ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder', ENAMETOOLONG: 'the name is too long', EIO: 'an input/output error on the disk', EMFILE: 'too many open files',
  EXDEV: 'it is on another file system than its temporary file', EEXIST: 'something with that name already exists', ELOOP: 'too many symbolic links on the path',
  ETIMEDOUT: 'the file system did not answer in time', EBUSY: 'the file is busy', ETXTBSY: 'the file is busy', ENXIO: 'no such device',
  EINVAL: 'the file system does not allow this here', ENOTEMPTY: 'the folder is not empty', ESTALE: 'a stale network file handle',
};

/** The reason of an errno-style error in words, or undefined for codes not listed. */
export function fsReason(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? WHY[code] : undefined;
}

/**
 * Any error of a file-system step as a MarginError naming the path and the problem:
 * "cannot write /x/y.html: permission denied". MarginErrors pass through.
 */
export function describeFsError(err: unknown, target: string, doing = 'write'): unknown {
  if (err instanceof MarginError) return err;
  const why = fsReason(err);
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (why) return new MarginError('BAD_INPUT', `cannot ${doing} ${target}: ${why}`, { code, path: target });
  if (err instanceof Error) return new MarginError('INTERNAL', `cannot ${doing} ${target}: ${err.message.split('\n')[0]}`, { path: target });
  return err;
}

async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await stat(p);
  } catch {
    return null;
  }
}

/**
 * Makes folder `dir` and its missing parents, one level at a time (never `recursive: true`, see
 * above), each step under the deadline. `shown` is the path as the user gave it, for messages.
 */
export async function makeFolders(dir: string, shown = dir, ms = fsTimeoutMs()): Promise<void> {
  return withFsTimeout(makeFoldersNow(path.resolve(dir), shown), shown, 'making the folder', ms);
}

async function makeFoldersNow(dir: string, shown: string): Promise<void> {
  // Nearest existing ancestor, then each missing level below it in order.
  const missing: string[] = [];
  let p = dir;
  for (;;) {
    const st = await statOrNull(p);
    if (st) {
      if (!st.isDirectory()) throw badInput(`cannot make the folder ${shown}: ${p} is a file, not a folder`, { path: shown });
      break;
    }
    missing.push(p);
    const up = path.dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const level of missing.reverse()) {
    try {
      await mkdir(level);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        const st = await statOrNull(level);
        if (st?.isDirectory()) continue; // made meanwhile by someone else
        throw badInput(`cannot make the folder ${shown}: ${level} is a file, not a folder`, { path: shown });
      }
      if (code === 'ENOENT') {
        // The parent exists (checked above) yet the file system says it does not: /proc, /sys …
        throw badInput(`cannot make the folder ${shown}: the file system at ${path.dirname(level)} does not allow new folders (a special file system such as /proc?): choose a path on an ordinary disk`, { path: shown, code });
      }
      throw describeFsError(err, shown, 'make the folder');
    }
  }
}
