/**
 * Extraction speed of lenet5-bn over the 10,000 demo test images with the six main layers
 * (relu1, pool1, relu2, pool2, relu3, relu4), through ONNX Runtime (resources/demo/onnx/lenet5-bn.onnx,
 * made by scripts/onnx-from-demo.ts) and, for comparison, the TF.js runner on the same checkpoint.
 * One JSON line per configuration:
 *   {engine, threads|workers, batch, layers, items, items_per_s, gflops_per_s, mb_per_item…}
 *
 *   npx tsx scripts/bench-extract-onnx.ts [--threads 1,2] [--batch 256,1000] [--tfjs-workers 0,2] [--items 10000] [--repeat 3] [--no-tfjs]
 * Each line is the median of --repeat timed passes after one untimed warm-up pass.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BatchRunner } from '../src-main/core/extraction-types.ts';
import { readIdxUint8 } from '../src-main/datasets/idx.ts';
import { createRunner } from '../src-main/engine/runner.ts';
import { createOnnxRunner } from '../src-main/onnx/onnx-runner.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '1000' },
    'tfjs-workers': { type: 'string', default: '2' },
    items: { type: 'string', default: '10000' },
    chunk: { type: 'string', default: '1000' }, // items per run() call (the store asks ~1000)
    repeat: { type: 'string', default: '3' },
    'no-tfjs': { type: 'boolean', default: false },
  },
});
const SIX = ['relu1', 'pool1', 'relu2', 'pool2', 'relu3', 'relu4'];

/** Median of `repeat` timed passes over all items, after one untimed pass (JIT, session build). */
async function timeRunner(runner: BatchRunner, items: number, chunk: number, lanes: number): Promise<{ seconds: number; bytes: number }> {
  await onePass(runner, items, chunk, lanes);
  const runs: Array<{ seconds: number; bytes: number }> = [];
  for (let r = 0; r < Number(values.repeat); r++) runs.push(await onePass(runner, items, chunk, lanes));
  runs.sort((a, b) => a.seconds - b.seconds);
  return runs[Math.floor(runs.length / 2)];
}

async function onePass(runner: BatchRunner, items: number, chunk: number, lanes: number): Promise<{ seconds: number; bytes: number }> {
  const t0 = performance.now();
  let next = 0;
  let bytes = 0;
  const lane = async (): Promise<void> => {
    while (next < items) {
      const s = next;
      next += chunk;
      const out = await runner.run(s, Math.min(chunk, items - s), SIX);
      for (const l of out.layers) bytes += l.data.byteLength;
      out.release?.(); // the store releases after writing; here nothing is kept
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return { seconds: (performance.now() - t0) / 1000, bytes };
}

async function main(): Promise<void> {
  const items = Number(values.items);
  const chunk = Number(values.chunk);
  const onnxPath = path.join(ROOT, 'resources', 'demo', 'onnx', 'lenet5-bn.onnx');
  if (!existsSync(onnxPath)) throw new Error(`${onnxPath} is missing; run npx tsx scripts/onnx-from-demo.ts`);
  const { data } = await readIdxUint8(path.join(ROOT, 'resources', 'demo', 'data', 't10k-images-idx3-ubyte.gz'), 0x00000803, 'demo test images');
  const pixels = data.subarray(0, items * 784);
  const geom = { pixels, height: 28, width: 28, channels: 1, pixelScale: 255 };
  const line = (o: Record<string, unknown>, seconds: number, bytes: number, flops: number): void => console.log(JSON.stringify({
    ...o, layers: SIX.length, items, items_per_s: Math.round(items / seconds), gflops_per_s: Math.round((items * flops) / seconds / 1e7) / 100,
    seconds: Math.round(seconds * 1000) / 1000, bytes_float32: bytes,
  }));

  let flops = 0;
  for (const threads of values.threads!.split(',').map(Number)) {
    for (const batchSize of values.batch!.split(',').map(Number)) {
      const runner = await createOnnxRunner({ ...geom, modelPath: onnxPath, threads, batchSize });
      flops = runner.description.flopsPerItem;
      const { seconds, bytes } = await timeRunner(runner, items, chunk, 1);
      await runner.close();
      line({ engine: 'onnxruntime', threads, batch: batchSize }, seconds, bytes, flops);
    }
  }
  if (values['no-tfjs']) return;
  const dir = path.join(ROOT, 'resources', 'demo', 'models', 'lenet5-bn');
  const last = readdirSync(dir).filter((d) => /^epoch-\d+$/.test(d)).map((d) => Number(d.slice(6))).sort((a, b) => a - b).pop();
  for (const workers of values['tfjs-workers']!.split(',').map(Number)) {
    const runner = await createRunner({ ...geom, modelJsonPath: path.join(dir, `epoch-${last}`, 'model.json'), batchSize: 256, workers });
    const { seconds, bytes } = await timeRunner(runner, items, chunk, Math.max(1, workers) * 2);
    await runner.close();
    line({ engine: runner.engine, workers, batch: 256 }, seconds, bytes, flops);
  }
}

main().catch((err) => {
  console.error(`bench-extract-onnx failed: ${(err as Error).message}`);
  process.exit(1);
});
