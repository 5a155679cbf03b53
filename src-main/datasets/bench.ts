/**
 * Import timings on the real data sets: `npx tsx src-main/datasets/bench.ts`.
 * Prints one line per measurement; a missing data set is reported and skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodeHeatmapPng, encodeThumbnailPng, importDataset, type ImportOptions } from './index.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';
const DIGITS = path.resolve(import.meta.dirname, '../../../shared/data/uci-digits/digits.csv.gz');

async function time(label: string, opts: ImportOptions, needs: string): Promise<void> {
  if (!fs.existsSync(needs)) {
    console.log(`${label}: skipped (${needs} not found)`);
    return;
  }
  const t0 = performance.now();
  const ds = await importDataset(opts);
  const ms = performance.now() - t0;
  const n = ds.splits.reduce((a, s) => a + s.labels.length, 0);
  console.log(`${label}: ${n} items in ${ms.toFixed(0)} ms`);
}

async function main(): Promise<void> {
  await time('fashion-mnist train (60k, gz)', { format: 'idx', dir: FASHION, only: ['train'], classNames: 'fashion-mnist' }, FASHION);
  await time('fashion-mnist test (10k, gz)', { format: 'idx', dir: FASHION, only: ['test'], classNames: 'fashion-mnist' }, FASHION);
  await time('uci digits (1,797, csv.gz)', { format: 'digits-csv', file: DIGITS }, DIGITS);
  const px = new Uint8Array(28 * 28).map((_, i) => i % 256);
  const heat = Float32Array.from({ length: 28 * 28 }, (_, i) => Math.sin(i));
  const reps = 1000;
  let t0 = performance.now();
  for (let i = 0; i < reps; i++) encodeThumbnailPng(px, 28, 28, 1, 255, 56);
  console.log(`thumbnail 28×28 → 56×56: ${((performance.now() - t0) / reps).toFixed(3)} ms each`);
  t0 = performance.now();
  for (let i = 0; i < reps; i++) encodeHeatmapPng(heat, 28, 28, { size: 56, colorMap: 'diverging' });
  console.log(`heat map 28×28 → 56×56: ${((performance.now() - t0) / reps).toFixed(3)} ms each`);
}

await main();
