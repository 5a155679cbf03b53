/**
 * Benchmark of the query service (src-main/app/services/queries.ts) over a real store.
 *   npm run bench:queries -- [--project DIR --model NAME [--sample NAME] | --build NEWDIR] [--reps 5]
 * Without --project it builds a temporary synthetic project through the store's own writers:
 * 10,000 items, ten classes, a LeNet-5-sized model (conv1 24·24·6, pool1 12·12·6, conv2 8·8·16,
 * pool2 4·4·16, fc1 120, fc2 84; float32) with every layer extracted, and a 5 % uniform sample.
 * Prints one JSON line per measurement: S1/S2/S3 latency through the API dispatcher (zod
 * validation + service + saving the result) on the 5 % sample and on all items, cold (store
 * and service caches empty) and warm; the GB/s of the exact answer over all layers; and the
 * seconds of a full E1 run (src-main/experiments; `--seeds S`, default 10; `--skip-e1`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRng, sampleWithoutReplacement } from '../src-main/core/rng.ts';
import type { BatchOutput, BatchRunner, LayerInfo } from '../src-main/core/extraction-types.ts';
import { createDispatcher, type Handlers } from '../src-main/api/dispatcher.ts';
import { clearQueryCache, runNamedQuery, runQuery, type QueryDeps } from '../src-main/app/services/queries.ts';
import { runE1 } from '../src-main/experiments/index.ts';
import type { ExperimentData } from '../src-main/experiments/index.ts';
import {
  createProject, getLatent, getModel, getPredictions, readActivations, insertCheckpoint, insertDataset, insertModel, insertSample, listSamples, openProject, runExtraction,
} from '../src-main/store/index.ts';
import type { Store } from '../src-main/store/index.ts';
import type { ParamsIn } from '../src-main/shared/api.ts';
import { MarginError } from '../src-main/shared/errors.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const REPS = Number(arg('reps') ?? 5);
const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const round = (x: number, d = 2) => +x.toFixed(d);

const N = 10_000;
const CLASSES = 10;
const LAYERS: LayerInfo[] = [
  ['conv1', [24, 24, 6]], ['pool1', [12, 12, 6]], ['conv2', [8, 8, 16]], ['pool2', [4, 4, 16]], ['fc1', [120]], ['fc2', [84]],
].map(([name, shape]) => {
  const s = shape as number[];
  return { name: name as string, className: s.length > 1 ? 'Conv2D' : 'Dense', shape: s, units: s.reduce((a, b) => a * b, 1), params: 0, flops: 0 };
});

/** Deterministic ReLU-like activations with a class-dependent bump, so subsets differ. */
class SyntheticRunner implements BatchRunner {
  readonly engine = 'cpu';
  constructor(private readonly labels: Int32Array) {}
  async run(start: number, count: number, layerNames: string[]): Promise<BatchOutput> {
    const rng = createRng(start + 1);
    const layers = layerNames.map((name) => {
      const info = LAYERS.find((l) => l.name === name)!;
      const data = new Float32Array(count * info.units);
      for (let i = 0; i < count; i++) {
        const c = this.labels[start + i];
        for (let j = 0; j < info.units; j++) data[i * info.units + j] = Math.max(0, rng.normal() * 0.7 + ((j * 7 + c) % 13 === 0 ? 1.2 : 0));
      }
      return { name, units: info.units, data };
    });
    const logits = new Float32Array(count * CLASSES), probs = new Float32Array(count * CLASSES);
    const predicted = new Int32Array(count), latent = new Float32Array(count * 84);
    for (let i = 0; i < count; i++) {
      const c = this.labels[start + i];
      const p = rng.next() < 0.9 ? c : (c + 1 + rng.int(CLASSES - 1)) % CLASSES;
      predicted[i] = p;
      let z = 0;
      for (let k = 0; k < CLASSES; k++) { logits[i * CLASSES + k] = (k === p ? 3 : 0) + rng.normal() * 0.3; z += Math.exp(logits[i * CLASSES + k]); }
      for (let k = 0; k < CLASSES; k++) probs[i * CLASSES + k] = Math.exp(logits[i * CLASSES + k]) / z;
      for (let d = 0; d < 84; d++) latent[i * 84 + d] = rng.normal();
    }
    return { count, layers, logits, probs, predicted, latent, latentDim: 84, numClasses: CLASSES };
  }
  async close(): Promise<void> {}
}

async function buildSynthetic(dir: string): Promise<{ store: Store; model: string; sample: string }> {
  const store = await createProject(dir, { name: 'bench-queries' });
  const rng = createRng(7);
  const labels = Int32Array.from({ length: N }, () => rng.int(CLASSES));
  const ds = await insertDataset(store, 'synthetic', {
    format: 'npy', height: 28, width: 28, channels: 1, pixelScale: 255,
    classNames: Array.from({ length: CLASSES }, (_, c) => `class-${c}`),
    splits: [{ split: 'test', pixels: new Uint8Array(N * 28 * 28), labels, sources: Array.from({ length: N }, (_, i) => `synthetic#${i}`) }],
  }, null);
  const modelId = await insertModel(store, {
    name: 'lenet-synthetic', architecture: 'lenet5-bn', inputShape: [28, 28, 1], numClasses: CLASSES, latentLayer: 'fc2', engine: 'cpu', layers: LAYERS,
  });
  const ck = await insertCheckpoint(store, modelId, { label: 'final', ordinal: 1 });
  await runExtraction({ store, checkpointId: ck, runner: new SyntheticRunner(labels), datasetId: ds, split: 'test',
    layers: LAYERS.map((l) => l.name), dtype: 'float32', batchSize: 1000 });
  const members = sampleWithoutReplacement(N, N / 20, createRng(1)).slice(0, N / 20).sort();
  await insertSample(store, { modelId, name: 'uniform-5', method: 'uniform', params: { fraction: 0.05 }, fraction: 0.05, seed: 1, seconds: 0, memberIds: members });
  return { store, model: 'lenet-synthetic', sample: 'uniform-5' };
}

const noExtraction: QueryDeps = {
  ensureActivations: async () => {
    throw new MarginError('CONFLICT', 'bench-queries: activations are missing; extract every layer of the project first');
  },
};

async function main(): Promise<void> {
  const projectArg = arg('project');
  let tmp: string | null = null;
  let store: Store, model: string, sample: string | undefined;
  const tb = performance.now();
  if (projectArg) {
    store = await openProject(projectArg);
    model = arg('model') ?? '';
    if (!model) throw new MarginError('BAD_REQUEST', 'bench-queries: --model NAME is required with --project');
    const m = await getModel(store, model);
    sample = arg('sample') ?? (await listSamples(store, m.id)).find((s) => s.fraction === 0.05)?.name;
  } else if (arg('build')) {
    // Build the synthetic project into a folder that is kept (for --project runs later).
    ({ store, model, sample } = await buildSynthetic(arg('build')!));
  } else {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-queries-'));
    ({ store, model, sample } = await buildSynthetic(tmp));
  }
  const m0 = await getModel(store, model);
  const layers = m0.layers;
  emit({ bench: 'setup', project: projectArg ?? 'synthetic (temporary)', model, sample: sample ?? null, items: N,
    layers: layers.map((l) => `${l.name}:${l.units}`), seconds: round((performance.now() - tb) / 1000, 1) });

  // The same path as the workbench: dispatcher (zod) → service → store, with saving.
  const dispatcher = createDispatcher({
    'query.run': (p) => runQuery(store, p, noExtraction),
    'query.named': (p) => runNamedQuery(store, p, noExtraction),
  } as Handlers);
  const call = async (p: ParamsIn<'query.run'>) => {
    const reply = await dispatcher.dispatch('query.run', p);
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    return reply.result;
  };
  const coldCaches = () => { clearQueryCache(store); store.cache.clear(); };
  const time = async (p: ParamsIn<'query.run'>) => { const t = performance.now(); await call(p); return performance.now() - t; };

  const big = layers.reduce((a, l) => (l.units > a.units ? l : a), layers[0]);
  const small = layers[layers.length - 1];
  for (const where of sample ? ['5% sample', 'all items'] : ['all items']) {
    for (const layer of [big, small]) {
      for (const set of ['S1', 'S2', 'S3'] as const) {
        const p: ParamsIn<'query.run'> = { model, set, layer: layer.name, k: 10, subset: { trueClass: 3 }, ...(where === '5% sample' ? { sample } : {}) };
        coldCaches();
        const cold = await time(p);
        let warm = Infinity;
        for (let r = 0; r < REPS; r++) warm = Math.min(warm, await time(p));
        emit({ bench: `${set} on ${where}`, layer: layer.name, units: layer.units, subset: 'true class 3', coldMs: round(cold, 1), warmMs: round(warm, 2) });
      }
    }
  }

  // Exact answers over all items of every layer: bytes scanned / time. "warm store" = decoded
  // layers in the store's LRU cache, service answer caches empty (so every byte is scanned).
  // S2 needs column means only; S3 adds the per-item argmax; S1 by max adds column maxima.
  const bytes = layers.reduce((s, l) => s + l.units * 4 * N, 0);
  for (const [set, by] of [['S2', 'mean'], ['S3', 'mean'], ['S1', 'max']] as const) {
    coldCaches();
    let t = performance.now();
    for (const l of layers) await call({ model, set, by, layer: l.name });
    const cold = performance.now() - t;
    let best = Infinity;
    for (let r = 0; r < REPS; r++) {
      clearQueryCache(store, 'answers');
      t = performance.now();
      for (const l of layers) await call({ model, set, by, layer: l.name });
      best = Math.min(best, performance.now() - t);
    }
    emit({ bench: `exact ${set}${set === 'S1' ? ' by max' : ''}, all items × all layers`, megabytes: round(bytes / 1e6, 1),
      coldMs: round(cold, 1), coldGbPerS: round(bytes / cold / 1e6), warmStoreMs: round(best, 1), gbPerS: round(bytes / best / 1e6) });
  }
  emit({ bench: 'load average', loadavg: os.loadavg().map((x) => round(x, 1)), cpus: os.cpus().length });

  if (process.argv.includes('--skip-e1')) {
    emit({ bench: 'E1 full run', skipped: '--skip-e1' });
  } else {
    // E1 as `margin evaluate` runs it: every layer of every item in memory, 9 samplers × 5 fractions × seeds.
    const ck = m0.checkpoints[m0.checkpoints.length - 1];
    const preds = await getPredictions(store, ck.id);
    const latent = await getLatent(store, ck.id);
    const data: ExperimentData = {
      latent: { rows: latent.rows, cols: latent.cols, data: latent.data },
      trueLabels: preds.trueLabels, predLabels: preds.predicted, numClasses: m0.numClasses,
      layers: await Promise.all(layers.map(async (l) => {
        const a = await readActivations(store, ck.id, l.name);
        if (a.rows !== preds.itemIds.length) throw new MarginError('CONFLICT', `E1 needs layer ${l.name} for all ${preds.itemIds.length} items, ${a.rows} are stored`);
        return { name: l.name, matrix: { rows: a.rows, cols: a.cols, data: a.data } };
      })),
    };
    const seeds = Number(arg('seeds') ?? 10);
    const t = performance.now();
    const rows = runE1(data, { seeds, onProgress: (done, total) => { if (done % 50 === 0) process.stderr.write(`E1 ${done}/${total}\n`); } });
    emit({ bench: 'E1 full run', seeds, scores: rows.length, seconds: round((performance.now() - t) / 1000, 1) });
  }
  await store.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
