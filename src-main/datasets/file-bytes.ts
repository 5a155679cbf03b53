/**
 * Byte-level file access shared by the importers: existence checks with helpful errors,
 * transparent gunzip (detected by the gzip magic bytes, not the file name), and a streamed
 * reader so that a 47 MB IDX file is copied once into its final typed array instead of being
 * buffered whole first.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { badInput } from '../shared/errors.ts';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Throws BAD_INPUT unless `file` exists and is a regular file. `what` says what the file was meant to be. */
export function requireFile(file: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw badInput(`${file}: ${what} not found. Check the path, or pick the file again.`);
  }
  if (!st.isFile()) throw badInput(`${file}: ${what} is not a regular file (it is a directory or a device). Give the path of the file itself.`);
}

/** Throws BAD_INPUT unless `dir` exists and is a directory. */
export function requireDir(dir: string, what: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw badInput(`${dir}: ${what} not found. Check the path, or pick the folder again.`);
  }
  if (!st.isDirectory()) throw badInput(`${dir}: ${what} is not a directory. Give the path of the folder.`);
}

/** True when the first two bytes of the file are the gzip magic number. */
export function isGzipFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = fs.readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } finally {
    fs.closeSync(fd);
  }
}

function gzipError(file: string, err: unknown): Error {
  const why = err instanceof Error ? err.message : String(err);
  return badInput(`${file}: the gzip data is corrupt or cut short (${why}). Download or copy the file again.`);
}

/** The whole (decompressed) content of a file. For small files: labels, CSV, npy. */
export function readAllBytes(file: string, what: string): Buffer {
  requireFile(file, what);
  const raw = fs.readFileSync(file);
  if (raw.length >= 2 && raw[0] === GZIP_MAGIC_0 && raw[1] === GZIP_MAGIC_1) {
    try {
      return zlib.gunzipSync(raw);
    } catch (err) {
      throw gzipError(file, err);
    }
  }
  return raw;
}

/**
 * The (decompressed) content of a file as a stream of chunks. Gzip errors become BAD_INPUT
 * naming the file. Chunks are ~1 MiB, so a consumer copies each into its destination.
 */
export async function* streamBytes(file: string, what: string): AsyncGenerator<Buffer> {
  requireFile(file, what);
  const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  if (!isGzipFile(file)) {
    for await (const chunk of source) yield chunk as Buffer;
    return;
  }
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    throw gzipError(file, err);
  } finally {
    source.destroy();
  }
}
