/**
 * The one way a user-named INPUT file or folder is opened: checked to be what it should be
 * (a regular file, or a directory where a folder is expected) before a byte is read, and to be
 * no larger than a limit. /dev/zero, FIFOs, sockets and directories are refused by `stat`, which
 * never opens them (opening a FIFO blocks until a writer comes); the file is then opened with
 * O_NONBLOCK and checked again through its descriptor, so a path swapped in between cannot
 * slip past. Errors are BAD_INPUT naming the file, what it was meant to be and what is wrong;
 * they never quote the file's content.
 */
import fs from 'node:fs';
import { badInput } from '../shared/errors.ts';
import { withFsTimeout } from './user-path-fs.ts';

/** Larger than any input Margin reads in one piece (and than a Node Buffer may be on some builds). */
export const MAX_INPUT_BYTES = 2 ** 31 - 1;

/** "a directory", "a FIFO (named pipe)" … for a message. */
export function describeKind(st: fs.Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** A byte count in words: "1.5 MB", "812 bytes". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

function notFound(file: string, what: string, err: unknown, kind: 'file' | 'folder'): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return badInput(`${file}: ${what} cannot be read (permission denied). Check the file's permissions.`);
  if (code === 'ENOTDIR') return badInput(`${file}: ${what} not found (a part of the path is a file, not a folder). Check the path.`);
  return badInput(`${file}: ${what} not found. Check the path, or pick the ${kind} again.`);
}

function checkStats(file: string, what: string, st: fs.Stats, maxBytes: number): void {
  if (!st.isFile()) {
    throw badInput(`${file}: ${what} must be a regular file, but this is ${describeKind(st)}. Give the path of the file itself.`);
  }
  if (st.size > maxBytes) {
    throw badInput(`${file}: ${what} is ${formatBytes(st.size)}, more than the ${formatBytes(maxBytes)} such a file may have. Check that this is the right file.`);
  }
}

export interface InputFileOptions {
  /** Refuse larger files (default MAX_INPUT_BYTES). */
  maxBytes?: number;
}

/** Checks (without opening it) that `file` is a regular file of at most maxBytes; returns its size. */
export async function checkInputFile(file: string, what: string, opts: InputFileOptions = {}): Promise<number> {
  let st: fs.Stats;
  try {
    st = await withFsTimeout(fs.promises.stat(file), file, `checking the ${what}`);
  } catch (err) {
    if ((err as { code?: string }).code === 'BAD_INPUT') throw err;
    throw notFound(file, what, err, 'file');
  }
  checkStats(file, what, st, opts.maxBytes ?? MAX_INPUT_BYTES);
  return st.size;
}

/** Synchronous checkInputFile, for the few synchronous callers. */
export function checkInputFileSync(file: string, what: string, opts: InputFileOptions = {}): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw notFound(file, what, err, 'file');
  }
  checkStats(file, what, st, opts.maxBytes ?? MAX_INPUT_BYTES);
  return st.size;
}

/** Throws BAD_INPUT unless `dir` exists and is a directory. */
export async function checkInputDir(dir: string, what: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = await withFsTimeout(fs.promises.stat(dir), dir, `checking the ${what}`);
  } catch (err) {
    if ((err as { code?: string }).code === 'BAD_INPUT') throw err;
    throw notFound(dir, what, err, 'folder');
  }
  if (!st.isDirectory()) throw badInput(`${dir}: ${what} must be a folder, but this is ${describeKind(st)}. Give the path of the folder.`);
}

/** Synchronous checkInputDir. */
export function checkInputDirSync(dir: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    throw notFound(dir, what, err, 'folder');
  }
  if (!st.isDirectory()) throw badInput(`${dir}: ${what} must be a folder, but this is ${describeKind(st)}. Give the path of the folder.`);
}

/** An open, checked input file: its descriptor and size (as seen through the descriptor). */
export interface InputHandle {
  handle: fs.promises.FileHandle;
  size: number;
}

/**
 * Opens a checked input file for reading. The caller closes `handle`. The file is stat'ed before
 * the open (so a FIFO is never opened) and fstat'ed after it (so a swap in between is caught).
 */
export async function openInputFile(file: string, what: string, opts: InputFileOptions = {}): Promise<InputHandle> {
  await checkInputFile(file, what, opts);
  let handle: fs.promises.FileHandle;
  try {
    handle = await withFsTimeout(fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK), file, `opening the ${what}`);
  } catch (err) {
    if ((err as { code?: string }).code === 'BAD_INPUT') throw err;
    throw notFound(file, what, err, 'file');
  }
  try {
    const st = await handle.stat();
    checkStats(file, what, st, opts.maxBytes ?? MAX_INPUT_BYTES);
    return { handle, size: st.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The whole content of a checked input file (raw bytes, no decompression). */
export async function readInputFile(file: string, what: string, opts: InputFileOptions = {}): Promise<Buffer> {
  const { handle, size } = await openInputFile(file, what, opts);
  try {
    const out = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await handle.read(out, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < size) throw badInput(`${file}: ${what} shrank while it was read (${got} of ${size} bytes). Try again once nothing writes to it.`);
    return out;
  } catch (err) {
    if ((err as { code?: string }).code === 'BAD_INPUT') throw err;
    throw badInput(`${file}: ${what} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'read error'}).`);
  } finally {
    await handle.close();
  }
}
