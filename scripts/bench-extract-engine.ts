/**
 * Benchmark of the TF.js extraction engine: lenet5-bn (the demo's last checkpoint if present,
 * else freshly initialised) over the 10,000 Fashion-MNIST test images, every layer extracted
 * through the worker-thread runner. Prints one JSON line per (workers, batch) configuration:
 *   {engine, workers, batch, layers, items, items_per_s, gflops_per_s, seconds, startup_s, model}
 *
 *   npx tsx scripts/bench-extract-engine.ts [--workers 1,2] [--batch 64,256] [--layers all|six] [--items 10000]
 */
import { existsSync, readdirSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readIdxUint8 } from '../src-main/datasets/idx.ts';
import { initBackend } from '../src-main/engine/backend.ts';
import { buildModel } from '../src-main/engine/architectures.ts';
import { describeModel } from '../src-main/engine/inspect.ts';
import { loadModel, saveModel } from '../src-main/engine/model-io.ts';
import { createRunner } from '../src-main/engine/runner.ts';
import { createRng } from '../src-main/core/rng.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    batch: { type: 'string', default: '256' },
    layers: { type: 'string', default: 'all' },
    items: { type: 'string', default: '10000' },
    chunk: { type: 'string', default: '1000' }, // items per run() call
  },
});

async function findModel(): Promise<{ file: string; label: string }> {
  const dir = path.join(ROOT, 'resources', 'demo', 'models', 'lenet5-bn');
  if (existsSync(dir)) {
    const epochs = readdirSync(dir).filter((d) => /^epoch-\d+$/.test(d)).map((d) => Number(d.slice(6))).sort((a, b) => a - b);
    const last = epochs[epochs.length - 1];
    if (last !== undefined && existsSync(path.join(dir, `epoch-${last}`, 'model.json'))) {
      return { file: path.join(dir, `epoch-${last}`, 'model.json'), label: `demo lenet5-bn epoch ${last}` };
    }
  }
  const m = buildModel('lenet5-bn', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  const file = await saveModel(m, await fs.mkdtemp(path.join(os.tmpdir(), 'margin-bench-')));
  m.dispose();
  return { file, label: 'lenet5-bn freshly initialised (seed 1)' };
}

async function loadPixels(n: number): Promise<{ pixels: Uint8Array; source: string }> {
  for (const dir of [path.join(ROOT, 'resources', 'demo', 'data'), '/usr/share/datasets/fashion-mnist']) {
    const f = path.join(dir, 't10k-images-idx3-ubyte.gz');
    if (existsSync(f)) {
      const { data } = await readIdxUint8(f, 0x00000803, 'Fashion-MNIST test images');
      if (data.length >= n * 784) return { pixels: data.subarray(0, n * 784), source: f };
    }
  }
  const rng = createRng(1);
  return { pixels: Uint8Array.from({ length: n * 784 }, () => rng.int(256)), source: 'random pixels' };
}

async function main(): Promise<void> {
  const items = Number(values.items);
  const chunk = Number(values.chunk);
  await initBackend();
  const { file, label } = await findModel();
  const model = await loadModel(file);
  const desc = describeModel(model);
  model.dispose();
  const six = ['conv1', 'pool1', 'conv2', 'pool2', 'fc1', 'relu4'];
  const layerNames = values.layers === 'six' ? six : desc.layers.map((l) => l.name);
  const { pixels, source } = await loadPixels(items);
  console.error(`model: ${label}; data: ${source}; layers: ${layerNames.join(',')}`);

  for (const workers of values.workers!.split(',').map(Number)) {
    for (const batchSize of values.batch!.split(',').map(Number)) {
      const t0 = performance.now();
      const runner = await createRunner({ modelJsonPath: file, pixels, height: 28, width: 28, channels: 1, pixelScale: 255, batchSize, workers });
      const startup = (performance.now() - t0) / 1000;
      // Warm up each worker once (first inference compiles the graph), outside the timing.
      await Promise.all(Array.from({ length: Math.max(1, workers) }, () => runner.run(0, Math.min(batchSize, items), layerNames)));
      const t1 = performance.now();
      // Keep two requests in flight per worker so none idles while results travel back.
      const starts: number[] = [];
      for (let s = 0; s < items; s += chunk) starts.push(s);
      let next = 0;
      let checksum = 0;
      const lane = async (): Promise<void> => {
        while (next < starts.length) {
          const s = starts[next++];
          const out = await runner.run(s, Math.min(chunk, items - s), layerNames);
          checksum += out.predicted[0];
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, workers) * 2 }, lane));
      const seconds = (performance.now() - t1) / 1000;
      await runner.close();
      console.log(JSON.stringify({
        engine: runner.engine,
        workers,
        batch: batchSize,
        layers: layerNames.length,
        items,
        items_per_s: Math.round(items / seconds),
        gflops_per_s: Math.round((items * desc.flopsPerItem) / seconds / 1e7) / 100,
        seconds: Math.round(seconds * 100) / 100,
        startup_s: Math.round(startup * 100) / 100,
        model: label,
        checksum,
      }));
    }
  }
}

main().catch((err) => {
  console.error(`bench-extract-engine failed: ${(err as Error).message}`);
  process.exit(1);
});
