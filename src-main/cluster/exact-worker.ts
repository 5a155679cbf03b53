/**
 * The worker side of Q4, Q6 and Q7 on a Dask cluster (`margin exact-shard` with a task of format
 * margin-q4-task, margin-q6-task or margin-q7-task; the workstation side is exact-named.ts). Each
 * reads its rows from the project's activation files on shared storage and computes its share
 * with the same functions the local answer uses (queries/q4-blocked.ts, cka.ts, q6-counts.ts).
 * Shares too large for JSON (Q4's p×p cross-moments, Q7's n×n Gram matrices) are written as
 * little-endian Float64 files next to the result, named in it with their SHA-256.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import type { ActivationDtype } from '../store/activation-files.ts';
import type { Q4Form } from '../queries/q4-blocked.ts';
import type { Run } from './exact-run.ts';
import { writeFileSynced } from './job.ts';

/** Q4's pass 2 (q4-blocked.ts): blocks of the scan, the moments of some, the gram form's pair sums of others. */
export interface Q4Task {
  format: 'margin-q4-task';
  version: 1;
  projectDir: string;
  dtype: ActivationDtype;
  units: number;
  form: Q4Form;
  /** x̄ of pass 1. */
  mean: number[];
  /** The blocks this task reads: block number, its rows, its centred logits. */
  blocks: Array<{ block: number; runs: Run[]; dy: number[] }>;
  /** Blocks whose moments (and feature-form cross-moments) it computes. */
  moments: number[];
  /** Gram form: [index in q4Pairs order, block a, block b]. */
  pairs: Array<[number, number, number]>;
}

/** A binary share: a Float64 file in the task's folder. */
export interface BinaryShare { file: string; bytes: number; sha256: string }

export interface Q4Result {
  moments: Array<BinaryShare & { block: number; count: number }>;
  pairs: Array<{ block: number; value: number }>;
}

/** Reads `runs` of rows (consecutive in their files) of a layer into one Float32 matrix's data. */
export async function readRuns(projectDir: string, runs: readonly Run[], dtype: ActivationDtype, units: number): Promise<Float32Array> {
  // Imported here: the store's modules load DuckDB, which a worker's task need not pay for up front.
  const { decodeInto, bytesPerValue } = await import('../store/activation-files.ts');
  const rows = runs.reduce((s, r) => s + r[2], 0);
  const rowBytes = units * bytesPerValue(dtype);
  const data = new Float32Array(rows * units);
  let at = 0;
  for (const [file, offset, n] of runs) {
    const bytes = new Uint8Array(n * rowBytes);
    const fd = fs.openSync(path.join(projectDir, file), 'r');
    try {
      let got = 0;
      while (got < bytes.byteLength) {
        const k = fs.readSync(fd, bytes, got, bytes.byteLength - got, offset + got);
        if (k === 0) throw new MarginError('INTERNAL', `${file} is shorter than its index says: re-run the extraction`);
        got += k;
      }
    } finally {
      fs.closeSync(fd);
    }
    decodeInto(bytes, dtype, data.subarray(at * units, (at + n) * units));
    at += n;
  }
  return data;
}

/** Writes Float64 arrays, one after another, as one file beside `outFile`; returns its name and checksum. */
export function writeBinaryShare(outFile: string, name: string, arrays: readonly Float64Array[]): BinaryShare {
  const bytes = arrays.reduce((s, a) => s + a.byteLength, 0);
  const buf = Buffer.alloc(bytes);
  let at = 0;
  for (const a of arrays) {
    // Float64Array is in the machine's byte order; the file is little-endian whatever the worker.
    if (os.endianness() === 'LE') buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    else for (let i = 0; i < a.length; i++) buf.writeDoubleLE(a[i], at + 8 * i);
    at += a.byteLength;
  }
  const file = `${path.basename(outFile, '.json')}-${name}.f64`;
  const full = path.join(path.dirname(outFile), file);
  const tmp = `${full}.tmp-${os.hostname()}-${process.pid}`;
  writeFileSynced(tmp, buf);
  fs.renameSync(tmp, full);
  return { file, bytes, sha256: crypto.createHash('sha256').update(buf).digest('hex') };
}

/** Reads a binary share named in a result (in `dir`), checks its size and checksum, deletes it. */
export function readBinaryShare(dir: string, share: BinaryShare): Float64Array {
  const full = path.join(dir, path.basename(share.file));
  const buf = fs.readFileSync(full);
  if (buf.byteLength !== share.bytes || crypto.createHash('sha256').update(buf).digest('hex') !== share.sha256) {
    throw new MarginError('INTERNAL', `${share.file} on the shared folder is not what its task wrote (size or SHA-256 differs): ask again`);
  }
  fs.rmSync(full, { force: true });
  const out = new Float64Array(buf.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = buf.readDoubleLE(8 * i);
  return out;
}

export async function runQ4Task(t: Q4Task, outFile: string): Promise<Q4Result> {
  const { centreBlock, q4BlockMoments, q4PairSum } = await import('../queries/q4-blocked.ts');
  const p = t.units;
  const mean = Float64Array.from(t.mean);
  // Blocks are read and centred when first needed; kept only if a block pair needs them again (gram form).
  const centred = new Map<number, { dx: Float64Array; dy: Float64Array }>();
  const get = async (block: number) => {
    const kept = centred.get(block);
    if (kept) return kept;
    const b = t.blocks.find((x) => x.block === block);
    if (!b) throw new MarginError('BAD_INPUT', `the task does not carry block ${block}`);
    const data = await readRuns(t.projectDir, b.runs, t.dtype, p);
    const rows = data.length / p;
    if (rows !== b.dy.length) throw new MarginError('BAD_INPUT', `block ${b.block}: ${rows} rows of activations but ${b.dy.length} logits`);
    const c = { dx: centreBlock({ rows, cols: p, data }, undefined, 0, rows, mean), dy: Float64Array.from(b.dy) };
    if (t.pairs.length > 0) centred.set(block, c);
    return c;
  };
  const result: Q4Result = { moments: [], pairs: [] };
  for (const b of t.moments) {
    const { dx, dy } = await get(b);
    const m = q4BlockMoments(dx, dy, p, t.form);
    if (m.sxx.some((v) => !Number.isFinite(v))) throw new MarginError('BAD_INPUT', `block ${b} has a non-finite activation (NaN or ±Infinity): re-extract the checkpoint`);
    const share = writeBinaryShare(outFile, `block-${b}`, m.cross ? [m.sxy, m.sxx, m.cross] : [m.sxy, m.sxx]);
    result.moments.push({ block: b, count: m.count, ...share });
  }
  for (const [index, a, b] of t.pairs) {
    const A = await get(a), B = await get(b);
    result.pairs.push({ block: index, value: q4PairSum(A.dx, A.dy.length, B.dx, B.dy.length, p, a === b) });
  }
  return result;
}

/** Q7: the centred n×n Gram matrix of each listed layer over the same n items (cka.ts centredGram). */
export interface Q7Task {
  format: 'margin-q7-task';
  version: 1;
  projectDir: string;
  items: number;
  layers: Array<{ index: number; name: string; dtype: ActivationDtype; units: number; runs: Run[] }>;
}

export interface Q7Result { grams: Array<BinaryShare & { block: number }> }

export async function runQ7Task(t: Q7Task, outFile: string): Promise<Q7Result> {
  const { centredGram } = await import('../queries/cka.ts');
  const result: Q7Result = { grams: [] };
  for (const l of t.layers) {
    const data = await readRuns(t.projectDir, l.runs, l.dtype, l.units);
    if (data.length !== t.items * l.units) throw new MarginError('BAD_INPUT', `layer ${l.name}: ${data.length / l.units} rows, expected ${t.items}`);
    const gram = centredGram({ rows: t.items, cols: l.units, data }, `layer ${l.name}`);
    result.grams.push({ block: l.index, ...writeBinaryShare(outFile, `layer-${l.index}`, [gram]) });
  }
  return result;
}

/** Q6: per-class item and hit counts of blocks of items, from the labels in the task. */
export interface Q6Task {
  format: 'margin-q6-task';
  version: 1;
  numClasses: number;
  /** Per block: its number, its items' true labels, and per checkpoint their predicted labels. */
  blocks: Array<{ block: number; trueLabel: number[]; predictions: number[][] }>;
}

export interface Q6Result { blocks: Array<{ block: number; counts: number[]; hits: number[] }> }

export async function runQ6Task(t: Q6Task): Promise<Q6Result> {
  const { checkQ6Input, q6Counts } = await import('../queries/q6-counts.ts');
  return {
    blocks: t.blocks.map((b) => {
      const trueLabel = Int32Array.from(b.trueLabel);
      const predictions = b.predictions.map((p) => Int32Array.from(p));
      const c = q6Counts(predictions, trueLabel, checkQ6Input(predictions, trueLabel, t.numClasses));
      return { block: b.block, counts: Array.from(c.counts), hits: Array.from(c.hits) };
    }),
  };
}

export type NamedTask = Q4Task | Q6Task | Q7Task;

export function isNamedTask(t: unknown): t is NamedTask {
  const f = (t as { format?: unknown } | null)?.format;
  return f === 'margin-q4-task' || f === 'margin-q6-task' || f === 'margin-q7-task';
}

/** Runs a Q4/Q6/Q7 task and writes its result (JSON, beside its binary shares) to `outFile`. Returns the number of shares. */
export async function runNamedTask(t: NamedTask, outFile: string): Promise<number> {
  if (t.version !== 1) throw new MarginError('BAD_INPUT', `--task: a ${t.format} of version ${t.version}, this worker knows version 1 (is this worker's Margin the workstation's version?)`);
  let result: Q4Result | Q6Result | Q7Result;
  let shares: number;
  if (t.format === 'margin-q4-task') {
    const r = await runQ4Task(t, outFile);
    result = r;
    shares = r.moments.length + r.pairs.length;
  } else if (t.format === 'margin-q7-task') {
    const r = await runQ7Task(t, outFile);
    result = r;
    shares = r.grams.length;
  } else {
    const r = await runQ6Task(t);
    result = r;
    shares = r.blocks.length;
  }
  const tmp = `${outFile}.tmp-${os.hostname()}-${process.pid}`;
  writeFileSynced(tmp, JSON.stringify(result));
  fs.renameSync(tmp, outFile);
  return shares;
}
