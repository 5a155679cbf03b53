/**
 * The demo project, made in one step from what ships in resources/demo/ (see
 * scripts/demo-build.ts): the Fashion-MNIST test set imported, both demo models with every
 * checkpoint registered, predictions and latent vectors extracted for every checkpoint, and
 * the main layers' activations of each model's last checkpoint stored for all items (so that
 * a sample's answers can be shown with their error against the exact answer), plus the ONNX
 * variant of lenet5-bn on ONNX Runtime (predictions and latents). Re-running it on
 * an existing demo folder completes whatever is missing (extraction resumes).
 *
 * The TF.js checkpoints import with engine 'auto', so each is translated to ONNX and checked
 * against TF.js at import (measured: ~0.3 s per lenet5-bn checkpoint, ~0.07 s per mlp one, ~2 s for
 * all ten) and extracts on ONNX Runtime; saliency still uses their TF.js files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../system/info.ts';
import { createProject, openProject, META_FILE, type Store } from '../../store/project.ts';
import { listDatasets } from '../../store/datasets.ts';
import { listModels, getModel } from '../../store/models.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { assertNotInProjectFiles } from '../../store/safe-output.ts';
import { importIntoProject } from './datasets.ts';
import { importModel } from './model-import.ts';
import { extract } from './extraction.ts';
import { inTransaction } from '../../store/db.ts';
import { insertTrainingEpoch, readTrainingHistory } from '../../store/training-history.ts';
import type { TrainingEpochRecord } from '../../shared/api.ts';

export const DEMO_RESOURCES = path.join(REPO_ROOT, 'resources', 'demo');
export const DEMO_DATASET = 'fashion-mnist';
/** The demo project's name in its margin.json: how a re-run recognises a folder as the demo. */
export const DEMO_PROJECT_NAME = 'Fashion-MNIST demo';
export const DEMO_ONNX_MODEL = 'lenet5-bn-onnx';
export const DEMO_PYTORCH_MODEL = 'lenet5-bn-pytorch';
const DEMO_ONNX_MODELS = [
  { name: DEMO_ONNX_MODEL, file: 'lenet5-bn.onnx', checkpoint: 'epoch-5', ordinal: 5 },
  { name: DEMO_PYTORCH_MODEL, file: 'lenet5-bn-pytorch.onnx', checkpoint: 'epoch-3', ordinal: 3 },
];

interface ManifestCheckpoint {
  epoch: number;
  path: string;
  testAccuracy: number;
  trainLoss?: number;
  trainAccuracy?: number;
  testLoss?: number;
  imagesPerSecond?: number;
  seconds?: number;
}

interface Manifest {
  dataset?: { name: string; trainItems?: number; testItems?: number };
  training?: { learningRate: number; epochs: number; batchSize: number; seed: number };
  models: Array<{ architecture: string; latentLayer: string; checkpoints: ManifestCheckpoint[] }>;
}

/**
 * The logs of the demo's training (scripts/demo-build.ts trained on Fashion-MNIST's 60,000 training
 * images, validated on the 10,000 test images this project holds), as recorded in its manifest; null
 * for a manifest without them.
 */
export function demoTrainingRecord(manifest: Manifest, arch: string, c: ManifestCheckpoint): TrainingEpochRecord | null {
  const t = manifest.training;
  if (!t || c.trainLoss === undefined || c.trainAccuracy === undefined) return null;
  return {
    epoch: c.epoch, loss: c.trainLoss, accuracy: c.trainAccuracy, valLoss: c.testLoss ?? null, valAccuracy: c.testAccuracy ?? null,
    seconds: c.seconds ?? null, imagesPerSecond: c.imagesPerSecond ?? null,
    run: {
      source: 'demo', arch, dataset: manifest.dataset?.name ?? DEMO_DATASET, split: 'train (Fashion-MNIST training set, not stored in the demo)',
      evalSplit: 'test', epochs: t.epochs, batchSize: t.batchSize, seed: t.seed, learningRate: t.learningRate,
      trainItems: manifest.dataset?.trainItems ?? 0, evalItems: manifest.dataset?.testItems ?? 0,
    },
  };
}

/** Stores the manifest's training logs for demo checkpoints registered before the history was recorded (one transaction). */
async function backfillDemoHistory(store: Store, manifest: Manifest): Promise<number> {
  const have = await readTrainingHistory(store);
  const missing: Array<{ checkpointId: number; rec: TrainingEpochRecord }> = [];
  for (const m of manifest.models) {
    const model = (await listModels(store)).find((x) => x.name === m.architecture);
    if (!model) continue;
    const cps = (await getModel(store, model.id)).checkpoints;
    for (const c of m.checkpoints) {
      const cp = cps.find((x) => x.label === `epoch-${c.epoch}`);
      const rec = demoTrainingRecord(manifest, m.architecture, c);
      if (cp && rec && !have.has(cp.id)) missing.push({ checkpointId: cp.id, rec });
    }
  }
  if (missing.length === 0) return 0;
  await store.lock.run(() => inTransaction(store.conn, async () => {
    for (const { checkpointId, rec } of missing) await insertTrainingEpoch(store.conn, checkpointId, rec);
  }));
  return missing.length;
}

/** Where `npm start` keeps the demo project: $MARGIN_DEMO_DIR, else the user's data folder. */
export function defaultDemoDir(): string {
  if (process.env.MARGIN_DEMO_DIR) return path.resolve(process.env.MARGIN_DEMO_DIR);
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'margin', 'demo');
}

export interface DemoProgress {
  step: string;
  done: number;
  total: number;
}

export function readDemoManifest(): Manifest {
  const file = path.join(DEMO_RESOURCES, 'manifest.json');
  if (!fs.existsSync(file)) throw new MarginError('NOT_FOUND', `the demo is missing (${file}): run \`npm run demo:build\``);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
}

/**
 * Whether `dir` already holds the demo (true: complete it) or nothing yet (false: make it).
 * Refused: a folder holding another project (the demo would be imported into the user's data),
 * a non-empty folder that is not a project, a file, and a folder inside a project's own files.
 */
export async function checkDemoFolder(dir: string): Promise<boolean> {
  if (typeof dir !== 'string' || dir.trim() === '') throw badInput('--dir: give the folder to make the demo project in');
  const abs = path.resolve(dir);
  await assertNotInProjectFiles(abs);
  const st = await fs.promises.stat(abs).catch(() => null);
  if (!st) return false;
  if (!st.isDirectory()) throw badInput(`${abs} is a file, not a folder: give a new or empty folder for the demo project`);
  const metaPath = path.join(abs, META_FILE);
  const meta = await fs.promises.stat(metaPath).catch(() => null);
  if (meta) {
    let name: unknown;
    try {
      if (meta.size > 64 * 1024) throw new Error('too large');
      name = (JSON.parse(await fs.promises.readFile(metaPath, 'utf8')) as { name?: unknown })?.name;
    } catch {
      throw badInput(`${metaPath} is not readable Margin project metadata: ${abs} is not the demo; choose another folder for it`);
    }
    if (name !== DEMO_PROJECT_NAME) {
      throw new MarginError(
        'CONFLICT',
        `${abs} holds the Margin project ${JSON.stringify(String(name ?? ''))}, not the demo: the demo is never added to another project; choose a new or empty folder for it`,
        { dir: abs },
      );
    }
    return true;
  }
  if ((await fs.promises.readdir(abs)).length > 0) {
    throw badInput(`${abs} is not empty and holds no Margin project: the demo is made in a new or empty folder (nothing in ${abs} is touched); choose another folder`);
  }
  return false;
}

/** Makes (or completes) the demo project in `dir` and returns it open. */
export async function buildDemo(dir: string, opts: { onProgress?: (p: DemoProgress) => void; signal?: AbortSignal; activationDtype?: 'float32' | 'float16' } = {}): Promise<Store> {
  const manifest = readDemoManifest();
  const exists = await checkDemoFolder(dir);
  const store = exists ? await openProject(dir) : await createProject(dir, { name: DEMO_PROJECT_NAME });
  try {
    const say = (step: string, done: number, total: number) => opts.onProgress?.({ step, done, total });
    if (!(await listDatasets(store)).some((d) => d.name === DEMO_DATASET)) {
      say('importing the Fashion-MNIST test set', 0, 1);
      await importIntoProject(store, { name: DEMO_DATASET, format: 'idx', path: path.join(DEMO_RESOURCES, 'data'), classNames: 'fashion-mnist' });
    }
    for (const m of manifest.models) {
      const existing = (await listModels(store)).find((x) => x.name === m.architecture);
      const have = existing ? new Set((await getModel(store, existing.id)).checkpoints.map((c) => c.label)) : new Set<string>();
      for (const c of m.checkpoints) {
        const label = `epoch-${c.epoch}`;
        if (have.has(label)) continue;
        say(`registering ${m.architecture} ${label}`, c.epoch - 1, m.checkpoints.length);
        await importModel(store, {
          name: m.architecture, path: path.join(DEMO_RESOURCES, c.path), checkpoint: label, ordinal: c.epoch,
          dataset: DEMO_DATASET, architecture: m.architecture, latentLayer: m.latentLayer,
          training: demoTrainingRecord(manifest, m.architecture, c) ?? undefined,
        });
      }
    }
    await backfillDemoHistory(store, manifest);
    // ONNX models, run on ONNX Runtime: the translation of lenet5-bn's last checkpoint (made by
    // scripts/onnx-from-demo.ts) and a LeNet-5-BN trained in PyTorch and exported with
    // torch.onnx.export (made by scripts/pytorch/lenet5_bn.py).
    for (const o of DEMO_ONNX_MODELS) {
      const file = path.join(DEMO_RESOURCES, 'onnx', o.file);
      if (!fs.existsSync(file)) continue;
      if (!(await listModels(store)).some((x) => x.name === o.name)) {
        say(`registering ${o.name}`, 0, 1);
        await importModel(store, { name: o.name, path: file, checkpoint: o.checkpoint, ordinal: o.ordinal, dataset: DEMO_DATASET, architecture: 'lenet5-bn' });
      }
      await extract(store, { model: o.name, layers: [] }, { signal: opts.signal, onProgress: (p) => say(`extracting ${o.name}`, p.done, p.total) });
    }
    // predictions + latents of every checkpoint; main-layer activations of the last one
    for (const m of manifest.models) {
      const labels = m.checkpoints.map((c) => `epoch-${c.epoch}`);
      for (const label of labels) {
        const last = label === labels.at(-1);
        await extract(
          store,
          { model: m.architecture, checkpoint: label, layers: last ? 'main' : [], dtype: opts.activationDtype ?? 'float32' },
          { signal: opts.signal, onProgress: (p) => say(`extracting ${m.architecture} ${label}`, p.done, p.total) },
        );
      }
    }
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}
