/**
 * Byte-level file access shared by the importers, on top of the one safe way to open a user's
 * input file (system/input-file.ts: regular files only, size-capped, no FIFO ever opened):
 * transparent gunzip (detected by the gzip magic bytes, not the file name) with a bound on the
 * inflated size, and `readDeclared` for formats whose header announces the size of the data
 * (IDX, NPY): the announcement is checked against the file's size (or, gzipped, against what
 * actually inflates) BEFORE the data's memory is allocated, and inflating stops as soon as the
 * data runs past it — a gzip bomb costs the bytes its header declared, not the bytes it holds.
 */
import type fs from 'node:fs';
import zlib from 'node:zlib';
import { badInput } from '../shared/errors.ts';
import { checkInputDir, formatBytes, MAX_INPUT_BYTES, openInputFile } from '../system/input-file.ts';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const CHUNK = 1 << 20;

/** Throws BAD_INPUT unless `dir` exists and is a directory. */
export async function requireDir(dir: string, what: string): Promise<void> {
  await checkInputDir(dir, what);
}

function gzipError(file: string, err: unknown): Error {
  const code = (err as { code?: string }).code;
  const why = code === 'Z_DATA_ERROR' ? 'invalid deflate data' : code === 'Z_BUF_ERROR' ? 'unexpected end of data' : 'gunzip failed';
  return badInput(`${file}: the gzip data is corrupt or cut short (${why}). Download or copy the file again.`);
}

export interface ByteStreamOptions {
  /** Largest file on disk (default MAX_INPUT_BYTES). */
  maxBytes?: number;
  /** Largest content after gunzip (default MAX_INPUT_BYTES); inflating stops past it. */
  maxInflated?: number;
}

/** An opened input: whether it is gzipped, its size on disk, and its (decompressed) content as chunks. */
export interface InputStream {
  gzip: boolean;
  size: number;
  chunks: AsyncGenerator<Buffer>;
}

/**
 * Opens a checked input file and streams its (decompressed) content in ~1 MiB chunks. Gzip errors
 * become BAD_INPUT naming the file; content past `maxInflated` stops the stream with BAD_INPUT.
 * A consumer that stops early (break or throw) closes the file.
 */
export async function openInputStream(file: string, what: string, opts: ByteStreamOptions = {}): Promise<InputStream> {
  const { handle, size } = await openInputFile(file, what, { maxBytes: opts.maxBytes });
  let gzip = false;
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    gzip = bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } catch (err) {
    await handle.close();
    throw badInput(`${file}: ${what} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'read error'}).`);
  }
  const maxInflated = opts.maxInflated ?? MAX_INPUT_BYTES;
  async function* chunks(): AsyncGenerator<Buffer> {
    if (size === 0) {
      await handle.close();
      return;
    }
    const source: fs.ReadStream = handle.createReadStream({ highWaterMark: CHUNK, start: 0, end: size - 1, autoClose: true });
    if (!gzip) {
      try {
        for await (const chunk of source) yield chunk as Buffer;
      } finally {
        source.destroy();
      }
      return;
    }
    const gunzip = zlib.createGunzip({ chunkSize: CHUNK });
    source.on('error', (err) => gunzip.destroy(err));
    source.pipe(gunzip);
    let inflated = 0;
    try {
      for await (const chunk of gunzip) {
        inflated += (chunk as Buffer).length;
        if (inflated > maxInflated) {
          throw badInput(`${file}: ${what} inflates to more than ${formatBytes(maxInflated)} (gunzipped); that is more than such a file holds. Check that this is the right file.`);
        }
        yield chunk as Buffer;
      }
    } catch (err) {
      if ((err as { code?: string }).code === 'BAD_INPUT') throw err;
      throw gzipError(file, err);
    } finally {
      gunzip.destroy();
      source.destroy();
    }
  }
  return { gzip, size, chunks: chunks() };
}

/** The whole (decompressed) content of a file, at most `maxInflated` bytes. For small files: labels, CSV. */
export async function readAllBytes(file: string, what: string, opts: ByteStreamOptions = {}): Promise<Buffer> {
  const input = await openInputStream(file, what, opts);
  const parts: Buffer[] = [];
  for await (const chunk of input.chunks) parts.push(chunk);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** What a header announces: its own length, the data bytes after it, and the shape in words for messages. */
export interface Declared {
  headerLen: number;
  bodyBytes: number;
  /** e.g. "dimensions [60000, 28, 28]" or "shape (10, 28, 28) of '<f4'". */
  describe: string;
}

export interface DeclaredOptions {
  /** Largest header + data allowed (after gunzip). */
  maxBytes: number;
  /**
   * Reads the header from the first bytes: null while more bytes are needed, else what it
   * announces. Throws BAD_INPUT for a header that is not this format.
   */
  parseHead: (head: Buffer) => Declared | null;
  /** The message when the file ends before parseHead had enough bytes. */
  truncatedHead: (have: number) => string;
}

/**
 * Reads a file whose header announces the size of its data. The data's buffer is allocated only
 * once the announced size has been checked: equal to the file's size for a plain file, and
 * grown with what actually inflates for a gzipped one (inflating stops past the announcement).
 */
export async function readDeclared(file: string, what: string, opts: DeclaredOptions): Promise<{ head: Buffer; body: Uint8Array; declared: Declared }> {
  const input = await openInputStream(file, what, { maxBytes: opts.maxBytes, maxInflated: opts.maxBytes });
  let head: Buffer = Buffer.alloc(0);
  let declared: Declared | null = null;
  let body = new Uint8Array(0);
  let received = 0;
  const place = (chunk: Uint8Array, d: Declared) => {
    if (received + chunk.length > d.bodyBytes) {
      throw badInput(
        `${file}: the file is longer than its header says: more than ${d.headerLen + d.bodyBytes} bytes${input.gzip ? ' (after gunzip)' : ''} ` +
          `for ${d.describe}. The header or the data is corrupt; get the file again.`,
      );
    }
    if (received + chunk.length > body.length) {
      // Gzipped: grow with the data (at least doubling), never beyond the announcement.
      const grown = new Uint8Array(Math.min(d.bodyBytes, Math.max(2 * body.length, received + chunk.length, CHUNK)));
      grown.set(body.subarray(0, received));
      body = grown;
    }
    body.set(chunk, received);
    received += chunk.length;
  };
  for await (const chunk of input.chunks) {
    if (declared !== null) {
      place(chunk, declared);
      continue;
    }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const d = opts.parseHead(head);
    if (d === null) continue;
    declared = d;
    const total = d.headerLen + d.bodyBytes;
    if (!Number.isSafeInteger(total) || total > opts.maxBytes) {
      throw badInput(
        `${file}: the header announces ${d.describe} (${formatBytes(total)}), more than a ${what} may hold (${formatBytes(opts.maxBytes)}). ` +
          'The file is corrupt or not of this format.',
      );
    }
    if (!input.gzip && input.size < total) {
      throw badInput(`${file}: truncated: ${input.size} bytes present, expected ${total} for ${d.describe}. The file was cut short; get it again.`);
    }
    if (!input.gzip && input.size > total) {
      throw badInput(`${file}: the file is longer than its header says: ${input.size} bytes, more than the ${total} bytes for ${d.describe}. The header or the data is corrupt; get the file again.`);
    }
    body = new Uint8Array(input.gzip ? Math.min(d.bodyBytes, CHUNK) : d.bodyBytes);
    const rest = head.subarray(d.headerLen);
    head = Buffer.from(head.subarray(0, d.headerLen));
    place(rest, d);
  }
  if (declared === null) throw badInput(opts.truncatedHead(head.length));
  if (received < declared.bodyBytes) {
    throw badInput(
      `${file}: truncated: ${declared.headerLen + received} bytes present${input.gzip ? ' (after gunzip)' : ''}, expected ${declared.headerLen + declared.bodyBytes} ` +
        `for ${declared.describe}. The file was cut short; get it again.`,
    );
  }
  return { head, body: body.length === received ? body : body.slice(0, received), declared };
}
