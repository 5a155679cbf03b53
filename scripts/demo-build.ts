/**
 * Builds the demo that ships in resources/demo/: the Fashion-MNIST test set, and two models
 * (lenet5-bn and mlp) trained with seed 1 on the Fashion-MNIST training set, one checkpoint per
 * epoch, plus manifest.json describing how they were made.
 *
 *   npm run demo:build [-- --epochs 5 --batch 64 --archs lenet5-bn,mlp --limit N --out resources/demo]
 *
 * Needs the Debian package dataset-fashion-mnist (IDX files in /usr/share/datasets/fashion-mnist/).
 */
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { importIdx } from '../src-main/datasets/idx.ts';
import { initBackend } from '../src-main/engine/backend.ts';
import { trainModel, type EpochLogs } from '../src-main/engine/train.ts';
import { ARCHITECTURES, LATENT_LAYER, type Architecture } from '../src-main/engine/architectures.ts';
import { describeModel } from '../src-main/engine/inspect.ts';

const SOURCE_DIR = '/usr/share/datasets/fashion-mnist';
const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    batch: { type: 'string', default: '64' },
    seed: { type: 'string', default: '1' },
    archs: { type: 'string', default: ARCHITECTURES.join(',') },
    limit: { type: 'string' }, // train on the first N training images only (quick checks)
    out: { type: 'string', default: path.join(ROOT, 'resources', 'demo') },
    source: { type: 'string', default: SOURCE_DIR },
  },
});

async function main(): Promise<void> {
  const epochs = Number(values.epochs);
  const batchSize = Number(values.batch);
  const seed = Number(values.seed);
  const archs = values.archs!.split(',') as Architecture[];
  for (const a of archs) if (!ARCHITECTURES.includes(a)) throw new Error(`--archs: unknown architecture ${a}; known: ${ARCHITECTURES.join(', ')}`);
  const src = values.source!;
  const missing = FILES.filter((f) => !existsSync(path.join(src, f)));
  if (missing.length) {
    throw new Error(`Fashion-MNIST not found: ${missing.map((f) => path.join(src, f)).join(', ')} missing. Install it with: apt-get install dataset-fashion-mnist`);
  }
  const out = path.resolve(values.out!);
  const t0 = performance.now();
  const backend = await initBackend();
  console.log(`backend: ${backend.name}${backend.reason ? ` (${backend.reason})` : ''}`);

  const ds = await importIdx({ format: 'idx', dir: src, classNames: 'fashion-mnist' });
  const train = ds.splits.find((s) => s.split === 'train')!;
  const test = ds.splits.find((s) => s.split === 'test')!;
  const limit = values.limit ? Number(values.limit) : train.labels.length;
  const per = ds.height * ds.width * ds.channels;
  const trainPixels = train.pixels.subarray(0, limit * per);
  const trainLabels = train.labels.subarray(0, limit);

  await fs.mkdir(path.join(out, 'data'), { recursive: true });
  for (const f of FILES.filter((f) => f.startsWith('t10k'))) await fs.copyFile(path.join(src, f), path.join(out, 'data', f));

  const models: unknown[] = [];
  for (const arch of archs) {
    const dir = path.join(out, 'models', arch);
    await fs.rm(dir, { recursive: true, force: true });
    const started = performance.now();
    let lastPct = -1;
    const { model, history } = await trainModel({
      arch, pixels: trainPixels, labels: trainLabels, height: ds.height, width: ds.width, channels: ds.channels,
      pixelScale: ds.pixelScale, numClasses: ds.classNames.length, epochs, batchSize, seed,
      validation: { pixels: test.pixels, labels: test.labels },
      checkpointDir: dir,
      onBatch: (done, total) => {
        const pct = Math.floor((100 * done) / total);
        if (pct % 10 === 0 && pct !== lastPct) { lastPct = pct; console.log(`${arch}: ${pct}%`); }
      },
      onEpoch: (e, l) => console.log(`${arch} epoch ${e}: loss ${l.loss.toFixed(4)} acc ${l.accuracy.toFixed(4)} test acc ${l.valAccuracy?.toFixed(4)} (${l.imagesPerSecond.toFixed(0)} images/s)`),
    });
    const desc = describeModel(model);
    model.dispose();
    models.push({
      architecture: arch,
      latentLayer: LATENT_LAYER[arch],
      totalParams: desc.totalParams,
      flopsPerItem: desc.flopsPerItem,
      layers: desc.layers.map((l) => l.name),
      seconds: round((performance.now() - started) / 1000, 1),
      checkpoints: history.map((h: EpochLogs) => ({
        epoch: h.epoch,
        path: path.relative(out, h.checkpoint!),
        trainLoss: round(h.loss, 5),
        trainAccuracy: round(h.accuracy, 5),
        testLoss: round(h.valLoss!, 5),
        testAccuracy: round(h.valAccuracy!, 5),
        imagesPerSecond: round(h.imagesPerSecond, 1),
        seconds: round(h.seconds, 1),
      })),
    });
  }

  const manifest = {
    description: 'Margin demo: Fashion-MNIST test set and two classifiers trained on its training set, one checkpoint per epoch',
    dataset: {
      name: 'fashion-mnist',
      source: 'Debian package dataset-fashion-mnist',
      files: FILES.filter((f) => f.startsWith('t10k')).map((f) => `data/${f}`),
      height: ds.height, width: ds.width, channels: ds.channels, pixelScale: ds.pixelScale,
      classNames: ds.classNames,
      trainItems: trainLabels.length,
      testItems: test.labels.length,
    },
    training: { optimizer: 'adam', learningRate: 1e-3, epochs, batchSize, seed, loss: 'softmax cross-entropy' },
    backend: backend.name,
    models,
    seconds: round((performance.now() - t0) / 1000, 1),
    command: `npm run demo:build${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
  };
  await fs.writeFile(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${path.join(out, 'manifest.json')} in ${manifest.seconds} s`);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

main().catch((err) => {
  console.error(`demo-build failed: ${(err as Error).message}`);
  process.exit(1);
});
