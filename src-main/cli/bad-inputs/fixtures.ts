/**
 * The bad-inputs corpus's shared pieces: a small real project (an 8×8 IDX data set, one TF.js
 * model imported, extracted, sampled), hostile file builders, the CLI run in-process with its
 * output captured, the API through a real app's dispatcher, and a digest of a project's store
 * (row counts and content hashes of every table, plus every file under activations/, models/
 * and cache/) to prove a refused input changed nothing.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { expect, vi } from 'vitest';
import { main } from '../main.ts';
import { createApp, type App } from '../../app/app.ts';
import type { Store } from '../../store/project.ts';
import { queryRows } from '../../store/db.ts';
import { folderSnapshot } from '../../store/test-support/snapshot.ts';
import { encodeIdxUint8 } from '../../datasets/idx-writer.ts';
import { encodeNpy, type NpyWritable } from '../../datasets/npy-writer.ts';
import { toErrorPayload, type ErrorPayload } from '../../shared/errors.ts';

export { encodeIdxUint8, encodeNpy, type NpyWritable };

/** Generous guard per case: each must end within seconds; this only catches a hang. */
export const CASE_TIMEOUT_MS = 20_000;

export function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `content` to dir/name (creating folders) and returns the path. */
export function put(dir: string, name: string, content: Buffer | string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

export function mkfifo(dir: string, name: string): string {
  const file = path.join(dir, name);
  execFileSync('mkfifo', [file]);
  return file;
}

/** A sparse file of `bytes` (instant, takes no disk): for size caps. */
export function sparse(dir: string, name: string, bytes: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '');
  fs.truncateSync(file, bytes);
  return file;
}

// ---- file builders ---------------------------------------------------------------------------

export const SIDE = 8;

export function idxImages(n: number, side = SIDE): Buffer {
  return encodeIdxUint8([n, side, side], Uint8Array.from({ length: n * side * side }, (_, i) => (i * 37) % 256));
}

export function idxLabels(labels: number[]): Buffer {
  return encodeIdxUint8([labels.length], Uint8Array.from(labels));
}

/** An IDX header alone, announcing `dims`, followed by `tail` bytes. */
export function idxHeader(magic: number, dims: number[], tail = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d >>> 0, 4 + 4 * i));
  return Buffer.concat([h, tail]);
}

/** A folder with the standard IDX names for one split ('t10k' = test). */
export function idxFolder(dir: string, images: Buffer, labels: Buffer, prefix = 't10k'): string {
  put(dir, `${prefix}-images-idx3-ubyte`, images);
  put(dir, `${prefix}-labels-idx1-ubyte`, labels);
  return dir;
}

/** An .npy with a hand-written header dict (for dtypes and orders encodeNpy does not write). */
export function rawNpy(dict: string, data: Buffer = Buffer.alloc(0)): Buffer {
  let d = dict;
  const unpadded = 10 + d.length + 1;
  d += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(d.length, 8);
  return Buffer.concat([pre, Buffer.from(d, 'latin1'), data]);
}

export function png(width: number, height: number, value = 128): Buffer {
  const p = new PNG({ width, height });
  p.data.fill(value);
  return PNG.sync.write(p);
}

/** A valid small PNG whose IHDR claims width × height (CRC left stale: the header is read first). */
export function pngClaiming(width: number, height: number): Buffer {
  const b = png(2, 2);
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}

export function jpegImage(width: number, height: number): Buffer {
  return Buffer.from(jpeg.encode({ width, height, data: Buffer.alloc(width * height * 4, 90) }, 90).data);
}

/** An image-folder data set: class folders a/ and b/ with `perClass` images each. */
export function imageFolder(dir: string, perClass = 2, image: Buffer = png(SIDE, SIDE)): string {
  for (const cls of ['a', 'b']) for (let i = 0; i < perClass; i++) put(dir, `${cls}/${i}.png`, image);
  return dir;
}

export function gzip(b: Buffer): Buffer {
  return zlib.gzipSync(b, { level: 1 });
}

/** A digits CSV line: 64 pixel values then the label. */
export function digitsLine(label: number | string, pixel: number | string = 3): string {
  return [...Array.from({ length: 64 }, () => String(pixel)), String(label)].join(',');
}

// ---- the CLI in-process, and a real spawn ------------------------------------------------------

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `margin <argv>` in this process with stdout and stderr captured. */
export async function cli(argv: string[]): Promise<CliOutcome> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; });
  try {
    const code = await main(argv);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}

export const REPO = path.resolve(import.meta.dirname, '../../..');

// ---- the API through a real app ----------------------------------------------------------------

export type ApiOutcome = { ok: true; result: unknown } | { ok: false; error: ErrorPayload };

/** Dispatches a request; a job's outcome (its result or error) is awaited, as a client would through its events. */
export async function api(app: App, name: string, params: unknown): Promise<ApiOutcome> {
  const reply = await app.dispatcher.dispatch(name, params);
  if (!reply.ok) return { ok: false, error: reply.error };
  const r = reply.result as { jobId?: unknown } | undefined;
  if (r && typeof r === 'object' && typeof r.jobId === 'string') {
    try {
      return { ok: true, result: await app.jobs.done(r.jobId) };
    } catch (err) {
      return { ok: false, error: toErrorPayload(err) };
    }
  }
  return { ok: true, result: reply.result };
}

export async function openApp(projectDir: string): Promise<App> {
  const app = await createApp({ host: 'browser' });
  const r = await app.dispatcher.dispatch('project.open', { dir: projectDir });
  if (!r.ok) throw new Error(`project.open failed: ${r.error.message}`);
  return app;
}

// ---- store digest ------------------------------------------------------------------------------

/** Every table's row count and a hash of its rows (order-independent). */
export async function storeDigest(store: Store): Promise<Record<string, string>> {
  const tables = await queryRows(store.conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name");
  const out: Record<string, string> = {};
  for (const t of tables) {
    const name = String(t.table_name);
    const [row] = await queryRows(store.conn, `SELECT count(*)::BIGINT AS n, coalesce(bit_xor(hash(t::VARCHAR)), 0)::VARCHAR AS h FROM "${name}" t`);
    out[`table:${name}`] = `${row.n}:${row.h}`;
  }
  return out;
}

/** The files a project keeps outside DuckDB, by content hash. */
export function filesDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ['activations', 'models', 'cache']) {
    const d = path.join(dir, sub);
    if (!fs.existsSync(d)) continue;
    for (const [k, v] of Object.entries(folderSnapshot(d))) out[`${sub}/${k}`] = v;
  }
  out['margin.json'] = createHash('sha256').update(fs.readFileSync(path.join(dir, 'margin.json'))).digest('hex');
  return out;
}

// ---- the project every case runs against -------------------------------------------------------

export const DATASET = 'digits8';
export const MODEL = 'net';
export const SAMPLE = 's1';

/** A TF.js mlp for side×side×1 inputs (default 8×8) and `classes` classes, saved to dir; returns its model.json path. */
export async function savedModel(dir: string, seed = 1, classes = 10, side = SIDE): Promise<string> {
  const { buildModel } = await import('../../engine/architectures.ts');
  const { saveModel } = await import('../../engine/model-io.ts');
  const { initBackend } = await import('../../engine/backend.ts');
  await initBackend();
  const m = buildModel('mlp', { inputShape: [side, side, 1], numClasses: classes, seed });
  try {
    return await saveModel(m, dir);
  } finally {
    m.dispose();
  }
}

async function ok(argv: string[]): Promise<void> {
  const r = await cli(argv);
  if (r.code !== 0) throw new Error(`setup: margin ${argv.join(' ')} failed (${r.code}): ${r.stderr}`);
}

/**
 * A project with data set DATASET (IDX, 8×8, 20 test items, labels 0…9), model MODEL (TF.js
 * mlp, engine tfjs) extracted on its main layers, and sample SAMPLE. Returns its folder and the
 * model.json it was imported from.
 */
export async function makeProject(root: string): Promise<{ dir: string; modelJson: string }> {
  const dir = path.join(root, 'project');
  const data = idxFolder(path.join(root, 'data'), idxImages(20), idxLabels(Array.from({ length: 20 }, (_, i) => i % 10)));
  const modelJson = await savedModel(path.join(root, 'model-src'));
  await ok(['init', dir]);
  await ok(['import-data', '--project', dir, '--name', DATASET, '--format', 'idx', '--path', data]);
  await ok(['import-model', '--project', dir, '--name', MODEL, '--path', modelJson, '--engine', 'tfjs', '--checkpoint', 'c1']);
  await ok(['extract', '--project', dir, '--model', MODEL, '--workers', '0']);
  await ok(['sample', '--project', dir, '--model', MODEL, '--method', 'uniform', '--fraction', '0.5', '--name', SAMPLE]);
  return { dir, modelJson };
}

// ---- assertions --------------------------------------------------------------------------------

/** Every message must name what it is about and never carry the file's bytes. */
export function expectClear(message: string, names: RegExp, forbidden: string[]): void {
  expect(message).toMatch(names);
  for (const f of forbidden) expect(message, `the message quotes file content ${JSON.stringify(f)}`).not.toContain(f);
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
