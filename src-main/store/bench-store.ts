/**
 * Measures the store's hot paths on LeNet-5-sized data (not a test; prints figures for README):
 *   npx tsx src-main/store/bench-store.ts
 * 1. extraction of 10,000 items × ~6,800 floats (all layers) into raw files, float32 and float16;
 * 2. readActivations: cold (file → new matrix), warm (LRU hit) and a full "mean over items" scan;
 * 3. a 5 % sample (500 items) read uncached (row reads) and cached;
 * 4. the alternative: the same activations as one BLOB per item inside DuckDB;
 * 5. inserting a 60,000-item data set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BLOB, INTEGER, blobValue } from '@duckdb/node-api';
import { createProject } from './project.ts';
import { insertDataset } from './datasets.ts';
import { insertModel, insertCheckpoint } from './models.ts';
import { runExtraction } from './extract-job.ts';
import { readActivations, activationView } from './activations.ts';
import { getLatent } from './predictions.ts';
import { appendRows } from './db.ts';
import { createRng } from '../core/rng.ts';
import type { BatchOutput, BatchRunner, LayerInfo } from '../core/extraction-types.ts';

const N = 10000;
const LAYERS: LayerInfo[] = [
  ['conv1', 'Conv2D', [24, 24, 6]], ['pool1', 'MaxPooling2D', [12, 12, 6]], ['conv2', 'Conv2D', [8, 8, 16]],
  ['bn2', 'BatchNormalization', [8, 8, 16]], ['pool2', 'MaxPooling2D', [4, 4, 16]], ['fc1', 'Dense', [120]],
  ['latent', 'Dense', [84]], ['logits', 'Dense', [10]],
].map(([name, className, shape]) => ({ name: name as string, className: className as string, shape: shape as number[],
  units: (shape as number[]).reduce((a, b) => a * b, 1), params: 0, flops: 0 }));
const UNITS = LAYERS.reduce((s, l) => s + l.units, 0);

/** Random activations (cheap to make) so the bench measures the store, not a network. */
class RandomRunner implements BatchRunner {
  readonly engine = 'cpu';
  private readonly rng = createRng(1);
  async run(_start: number, count: number, names: string[]): Promise<BatchOutput> {
    const rand = (n: number) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = this.rng.next(); return a; };
    const probs = rand(count * 10);
    return {
      count, numClasses: 10, latentDim: 84, latent: rand(count * 84), logits: rand(count * 10), probs,
      predicted: Int32Array.from({ length: count }, (_, i) => i % 10),
      layers: names.map((name) => { const u = LAYERS.find((l) => l.name === name)!.units; return { name, units: u, data: rand(count * u) }; }),
    };
  }
  async close(): Promise<void> {}
}

const mb = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => { const t = performance.now(); const r = await fn(); return [r, performance.now() - t]; };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-'));
const store = await createProject(path.join(root, 'p'), { cacheBytes: 4 * 1024 ** 3 });
const ds = await insertDataset(store, 'bench', {
  format: 'npy', height: 1, width: 1, channels: 1, pixelScale: 1, classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
  splits: [{ split: 'test', pixels: new Uint8Array(N), labels: Int32Array.from({ length: N }, (_, i) => i % 10), sources: Array.from({ length: N }, (_, i) => `#${i}`) }],
}, null);
const model = await insertModel(store, { name: 'lenet', architecture: 'lenet5-bn', inputShape: [28, 28, 1], numClasses: 10, latentLayer: 'latent', engine: 'cpu', layers: LAYERS });
console.log(`LeNet-5-like layers: ${LAYERS.length}, ${UNITS} floats per item, ${N} items = ${(N * UNITS * 4 / 1e6).toFixed(0)} MB as float32`);

for (const dtype of ['float32', 'float16'] as const) {
  const ck = await insertCheckpoint(store, model, { label: dtype, ordinal: dtype === 'float32' ? 1 : 2 });
  const [, tx] = await time(() => runExtraction({ store, checkpointId: ck, runner: new RandomRunner(), datasetId: ds, split: 'test',
    layers: LAYERS.map((l) => l.name), dtype, batchSize: 500 }));
  console.log(`[${dtype}] extraction incl. predictions+latents, 20 batches: ${tx.toFixed(0)} ms (${(N / (tx / 1000)).toFixed(0)} items/s)`);
  store.cache.clear();
  let cold = 0;
  for (const l of LAYERS) cold += (await time(() => readActivations(store, ck, l.name)))[1];
  const bytes = N * UNITS * 4; // decoded float32 bytes handed to the caller
  console.log(`[${dtype}] cold full read, all layers (file → new Float32Array): ${cold.toFixed(0)} ms, ${mb(bytes, cold)} decoded`);
  // A scan as a query does it: mean activation per neuron over all items (S2 over the full data).
  const reps: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    let warm = 0;
    for (const l of LAYERS) {
      const [m, ms] = await time(async () => {
        const a = await readActivations(store, ck, l.name);
        const mean = new Float64Array(a.cols);
        for (let r = 0; r < a.rows; r++) { const o = r * a.cols; for (let c = 0; c < a.cols; c++) mean[c] += a.data[o + c]; }
        return mean;
      });
      if (m.length !== l.units) throw new Error('bad scan');
      warm += ms;
    }
    reps.push(warm);
  }
  const best = Math.min(...reps);
  console.log(`[${dtype}] warm scan (LRU hit + per-neuron mean over all items), all layers: best of 5 ${best.toFixed(0)} ms, ${mb(bytes, best)}`);
  const sample = Int32Array.from({ length: N / 20 }, (_, i) => i * 20 + 7);
  store.cache.clear();
  let cold5 = 0;
  for (const l of LAYERS) cold5 += (await time(() => readActivations(store, ck, l.name, sample)))[1];
  for (const l of LAYERS) await readActivations(store, ck, l.name);
  let warm5 = 0;
  for (const l of LAYERS) warm5 += (await time(() => readActivations(store, ck, l.name, sample)))[1];
  let view5 = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    let t5 = 0;
    for (const l of LAYERS) {
      t5 += (await time(async () => {
        const v = await activationView(store, ck, l.name, sample);
        const mean = new Float64Array(v.matrix.cols);
        for (const r of v.rows) { const o = r * v.matrix.cols; for (let c = 0; c < mean.length; c++) mean[c] += v.matrix.data[o + c]; }
        return mean;
      }))[1];
    }
    view5 = Math.min(view5, t5);
  }
  console.log(`[${dtype}] 5 % sample (500 items), all layers: readActivations uncached ${cold5.toFixed(1)} ms, cached ${warm5.toFixed(1)} ms (copy); activationView + mean ${view5.toFixed(1)} ms`);
  const [, tl] = await time(() => getLatent(store, ck));
  console.log(`[${dtype}] getLatent 10,000 × 84: ${tl.toFixed(0)} ms`);
}

// The alternative design: one BLOB per (item, layer) inside DuckDB.
{
  await store.conn.run('CREATE TABLE bench_blobs (item_id INTEGER, layer INTEGER, v BLOB)');
  const rng = createRng(2);
  const per = LAYERS.map((l) => { const a = new Float32Array(l.units); for (let i = 0; i < a.length; i++) a[i] = rng.next(); return new Uint8Array(a.buffer); });
  const [, tw] = await time(() => appendRows(store.conn, 'bench_blobs', N * LAYERS.length, [
    { type: INTEGER, get: (i) => Math.floor(i / LAYERS.length) }, { type: INTEGER, get: (i) => i % LAYERS.length },
    { type: BLOB, get: (i) => blobValue(per[i % LAYERS.length]) }]));
  const [bytes, tr] = await time(async () => {
    const res = await store.conn.run('SELECT v FROM bench_blobs ORDER BY layer, item_id');
    let total = 0;
    for (;;) {
      const chunk = await res.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const vec = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) total += (vec.getItem(i) as { bytes: Uint8Array }).bytes.byteLength;
    }
    return total;
  });
  console.log(`[blob-in-duckdb] write ${mb(N * UNITS * 4, tw)}, read back all layers: ${tr.toFixed(0)} ms, ${mb(bytes, tr)}`);
}

{
  const n = 60000;
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < pixels.length; i += 13) pixels[i] = i & 0xff;
  const [, t] = await time(() => insertDataset(store, 'fashion-like', {
    format: 'idx', height: 28, width: 28, channels: 1, pixelScale: 255, classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
    splits: [{ split: 'train', pixels, labels: Int32Array.from({ length: n }, (_, i) => i % 10), sources: Array.from({ length: n }, (_, i) => `train-images-idx3-ubyte.gz#${i}`) }],
  }, null));
  console.log(`insertDataset 60,000 × 28×28 items (rows + 47 MB pixel blobs, one transaction): ${t.toFixed(0)} ms`);
}
await store.close();
fs.rmSync(root, { recursive: true, force: true });
