/**
 * What a Dask task runs on a worker (`margin extract-shard --job FILE --shard N`): Margin's own
 * engine (the runner and batches a local extraction of the checkpoint uses: runnerPlan +
 * runBatch) over the shard's items, written to `<job dir>/shard-N/` as the store's own byte form
 * (encodeRows), so the workstation appends them to the project's files unchanged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import { openRunner } from '../app/services/extraction.ts';
import { runBatch, type WorkItem } from '../store/extract-job.ts';
import { encodeRows, type ActivationDtype } from '../store/activation-files.ts';
import { readJob, shardDirName, writeFileSynced, type ShardManifest } from './job.ts';

/** Exits when the process that started us (the Dask worker) is gone: a killed worker leaves no orphan computing. */
export function exitWithParent(): void {
  const parent = process.ppid;
  const t = setInterval(() => {
    if (process.ppid !== parent) {
      console.error('extract-shard: the Dask worker that started this shard is gone; stopping');
      process.exit(3);
    }
  }, 250);
  t.unref();
}

export async function runExtractShard(jobFile: string, shardId: number): Promise<{ dir: string; reused: boolean }> {
  const t0 = performance.now();
  const job = readJob(jobFile);
  const shard = job.shards.find((s) => s.id === shardId);
  if (!shard) throw new MarginError('BAD_INPUT', `--shard: job ${job.key} has no shard ${shardId} (0–${job.shards.length - 1})`);
  const jobDir = path.dirname(jobFile);
  const finalDir = path.join(jobDir, shardDirName(shardId));
  if (fs.existsSync(path.join(finalDir, 'manifest.json'))) return { dir: finalDir, reused: true };

  const items: WorkItem[] = [];
  for (let i = shard.start; i < shard.start + shard.count; i++) items.push({ itemId: job.itemIds[i], index: job.splitIndex[i], label: job.labels[i] });
  // Only this shard's pixels: the split indices it covers, read from the pixel-cache file.
  const lo = Math.min(...items.map((w) => w.index));
  const hi = Math.max(...items.map((w) => w.index)) + 1;
  const px = job.pixels;
  const per = px.height * px.width * px.channels * (px.type === 'uint8' ? 1 : 4);
  const bytes = new Uint8Array((hi - lo) * per);
  const fd = fs.openSync(px.file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== px.headerBytes + px.items * per) {
      throw new MarginError('NOT_FOUND', `pixel file ${px.file} has ${size} bytes, the job expects ${px.headerBytes + px.items * per}: it changed since the job started; run the extraction again`);
    }
    let got = 0;
    while (got < bytes.byteLength) {
      const n = fs.readSync(fd, bytes, got, bytes.byteLength - got, px.headerBytes + lo * per + got);
      if (n === 0) throw new MarginError('INTERNAL', `pixel file ${px.file} ended early`);
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  const pixels = px.type === 'uint8' ? bytes : new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
  const local = items.map((w) => ({ ...w, index: w.index - lo }));

  const runner = await openRunner(job.plan, { pixels, height: px.height, width: px.width, channels: px.channels, pixelScale: px.pixelScale, latentLayer: job.latentLayer });
  const tmp = path.join(jobDir, `${shardDirName(shardId)}.tmp-${os.hostname()}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const k = job.numClasses;
  const predicted = new Int32Array(items.length);
  const probs = new Float32Array(items.length * k);
  const logits = new Float32Array(items.length * k);
  const files = new Map<string, { fd: number; units: number; dtype: ActivationDtype; file: string; bytes: number }>();
  try {
    // The local extraction's compute batches, in its order (the shard starts on a batch boundary).
    for (let b = 0; b < local.length; b += job.plan.batchSize) {
      const parts = await runBatch(runner, local.slice(b, b + job.plan.batchSize), job.layers, k, job.plan.parallel);
      let at = b;
      for (const { items: its, out } of parts) {
        const outputs = out.layers.some((l) => l.name === job.latentLayer) ? out.layers
          : [...out.layers, { name: job.latentLayer, units: out.latentDim, data: out.latent }];
        for (const l of outputs) {
          let f = files.get(l.name);
          if (!f) {
            const dtype: ActivationDtype = l.name === job.latentLayer ? 'float32' : job.dtype;
            const file = `layer-${files.size}.${dtype === 'float16' ? 'f16' : 'f32'}`;
            f = { fd: fs.openSync(path.join(tmp, file), 'w'), units: l.units, dtype, file, bytes: 0 };
            files.set(l.name, f);
          }
          const enc = encodeRows(l.data, f.dtype);
          fs.writeSync(f.fd, enc);
          f.bytes += enc.byteLength;
        }
        predicted.set(out.predicted, at);
        probs.set(out.probs, at * k);
        logits.set(out.logits, at * k);
        at += its.length;
        out.release?.();
      }
    }
    for (const f of files.values()) fs.fsyncSync(f.fd);
  } finally {
    for (const f of files.values()) fs.closeSync(f.fd);
    await runner.close();
  }
  const pred = new Uint8Array(predicted.byteLength + probs.byteLength + logits.byteLength);
  pred.set(new Uint8Array(predicted.buffer), 0);
  pred.set(new Uint8Array(probs.buffer), predicted.byteLength);
  pred.set(new Uint8Array(logits.buffer), predicted.byteLength + probs.byteLength);
  writeFileSynced(path.join(tmp, 'predictions.bin'), pred);
  const manifest: ShardManifest = {
    key: job.key, shard: shardId, count: items.length, firstItem: items[0].itemId, lastItem: items[items.length - 1].itemId,
    layers: [...files.entries()].map(([name, f]) => ({ name, units: f.units, dtype: f.dtype, file: f.file, bytes: f.bytes })),
    predictions: { file: 'predictions.bin', numClasses: k, bytes: pred.byteLength },
    engine: runner.engine, seconds: (performance.now() - t0) / 1000, host: os.hostname(), pid: process.pid,
  };
  writeFileSynced(path.join(tmp, 'manifest.json'), JSON.stringify(manifest));
  try {
    fs.renameSync(tmp, finalDir);
  } catch (err) {
    // Another delivery of the same shard got there first: its folder is as good as ours.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(finalDir, 'manifest.json'))) throw err;
    return { dir: finalDir, reused: true };
  }
  return { dir: finalDir, reused: false };
}

/**
 * `margin exact-shard --task FILE --out FILE`: a cluster task's share of exact answers (see
 * exact.ts): for each piece (whole blocks of one subset) reads its rows from the project's
 * activation files and returns one partial per block. Returns the number of partials.
 */
export async function runExactShard(taskFile: string, outFile: string): Promise<number> {
  const { toChannels } = await import('../queries/granularity.ts');
  const { subsetPartials } = await import('../queries/aggregates.ts');
  const worker = await import('./exact-worker.ts');
  let t: import('./exact.ts').ExactTask | import('./exact-worker.ts').NamedTask;
  try {
    t = JSON.parse(fs.readFileSync(taskFile, 'utf8'));
  } catch (err) {
    throw new MarginError('BAD_INPUT', `--task: cannot read ${taskFile} (${(err as Error).message}): is the shared folder mounted on this worker?`);
  }
  if (worker.isNamedTask(t)) return worker.runNamedTask(t, outFile);
  if (t?.format !== 'margin-exact-task' || t.version !== 2) throw new MarginError('BAD_INPUT', `--task: ${taskFile} is not a Margin exact-answer task of version 2 (is this worker's Margin the workstation's version?)`);
  const out: Array<{ subset: number; firstBlock: number; partials: unknown[] }> = [];
  let count = 0;
  for (const piece of t.pieces) {
    const data = await worker.readRuns(t.projectDir, piece.runs, t.dtype, t.units);
    const rows = data.length / t.units;
    let m: import('../core/matrix.ts').Matrix = { rows, cols: t.units, data };
    if (t.channel) m = toChannels(m, t.shape, t.channel);
    const partials = subsetPartials(m, undefined, piece.parts);
    for (const p of partials) {
      if (p.sums.some((v) => !Number.isFinite(v))) throw new MarginError('BAD_INPUT', 'a row of this task has a non-finite activation (NaN or ±Infinity): re-extract the checkpoint');
    }
    count += partials.length;
    out.push({
      subset: piece.subset, firstBlock: piece.firstBlock,
      partials: partials.map((p) => ({ count: p.count, sums: Array.from(p.sums), maxes: p.maxes && Array.from(p.maxes), argmaxCounts: p.argmaxCounts && Array.from(p.argmaxCounts) })),
    });
  }
  const tmp = `${outFile}.tmp-${os.hostname()}-${process.pid}`;
  // JSON keeps every double exactly except the sign of zero: a column max of -0 is sent as "-0".
  writeFileSynced(tmp, JSON.stringify({ pieces: out }, (_k, v: unknown) => (Object.is(v, -0) ? '-0' : v)));
  fs.renameSync(tmp, outFile);
  return count;
}
