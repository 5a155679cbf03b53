/**
 * Two models never share files: every checkpoint gets a folder of its own (by id, recorded in the
 * store), the name is reserved before any file is copied, and a failed or losing import leaves
 * neither a row nor a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { getCheckpoint, getModel, insertDataset, listModels } from '../../store/index.ts';
import { FAKE_CLASSES, fakeDataset } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { initBackend } from '../../engine/backend.ts';
import { buildModel } from '../../engine/architectures.ts';
import { saveModel } from '../../engine/model-io.ts';
import { checkpointModelPath, importModel } from './model-import.ts';
import * as tf from '@tensorflow/tfjs';
import { getSplit } from '../../store/datasets.ts';
import { loadModel } from '../../engine/model-io.ts';

// A disk error on demand: copyFile of a source whose path ends with fault.failOn throws EIO.
const fault = vi.hoisted(() => ({ failOn: null as string | null }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const copyFile: typeof real.copyFile = async (src, dst, mode) => {
    if (fault.failOn && String(src).endsWith(fault.failOn)) throw Object.assign(new Error(`EIO: i/o error, copyfile '${String(src)}'`), { code: 'EIO' });
    return real.copyFile(src, dst, mode);
  };
  return { ...real, copyFile, default: { ...real, copyFile } };
});

const N = 120;
const H = 16;
let store: Store;
let lenetJson: string;
let mlpJson: string;
let datasetId: number;

/** Every file under dir (relative path → bytes). */
function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const abs = path.join(e.parentPath, e.name);
      out.set(path.relative(dir, abs), fs.readFileSync(abs));
    }
  }
  return out;
}

/** Accuracy on the test split of the model loaded from the checkpoint's files in the project. */
async function accuracyFromFiles(checkpointId: number): Promise<number> {
  const model = await loadModel(checkpointModelPath(store, (await getCheckpoint(store, checkpointId)).path));
  const split = await getSplit(store, datasetId, 'test');
  const predicted = tf.tidy(() => (model.predict(tf.tensor4d(Float32Array.from(split.pixels, (v) => v / 255), [N, H, H, 1])) as tf.Tensor).argMax(-1).dataSync());
  model.dispose();
  let right = 0;
  for (let i = 0; i < N; i++) if (predicted[i] === split.labels[i]) right++;
  return right / N;
}


async function checkpointDir(checkpointId: number): Promise<string> {
  return path.dirname(checkpointModelPath(store, (await getCheckpoint(store, checkpointId)).path));
}

beforeAll(async () => {
  await initBackend();
  const dir = tmpDir('margin-folders-');
  store = await createProject(path.join(dir, 'p'), { now: fakeClock() });
  datasetId = await insertDataset(store, 'toy', fakeDataset({ test: N }, H, H), null);
  const lenet = buildModel('lenet5-bn', { inputShape: [H, H, 1], numClasses: FAKE_CLASSES, seed: 5 });
  lenetJson = await saveModel(lenet, path.join(dir, 'lenet'));
  lenet.dispose();
  const mlp = buildModel('mlp', { inputShape: [H, H, 1], numClasses: FAKE_CLASSES, seed: 9 });
  mlpJson = await saveModel(mlp, path.join(dir, 'mlp'));
  mlp.dispose();
});

afterAll(async () => {
  await store?.close();
});

describe('model folders', () => {
  it('"net v1" and "net/v1" get folders of their own; the first keeps its weights, layers and accuracy', async () => {
    const a = await importModel(store, { name: 'net v1', path: lenetJson, checkpoint: 'epoch-1', engine: 'tfjs' });
    const dirA = await checkpointDir(a.checkpointId);
    const before = filesUnder(dirA);
    const layersBefore = (await getModel(store, 'net v1')).layers;
    const accBefore = await accuracyFromFiles(a.checkpointId);

    const b = await importModel(store, { name: 'net/v1', path: mlpJson, checkpoint: 'epoch-1', engine: 'tfjs' });
    const dirB = await checkpointDir(b.checkpointId);
    expect(dirB).not.toBe(dirA);
    expect(path.relative(dirA, dirB).startsWith('..')).toBe(true); // neither folder holds the other
    expect(path.relative(dirB, dirA).startsWith('..')).toBe(true);

    // The first model's files are byte for byte what it was imported from.
    const after = filesUnder(dirA);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [k, v] of before) expect(after.get(k)!.equals(v)).toBe(true);
    expect(after.get('weights.bin')!.equals(fs.readFileSync(path.join(path.dirname(lenetJson), 'weights.bin')))).toBe(true);
    expect((await getModel(store, 'net v1')).layers).toEqual(layersBefore);
    expect((await getModel(store, 'net/v1')).layers.length).not.toBe(layersBefore.length);
    expect(await accuracyFromFiles(a.checkpointId)).toEqual(accBefore);
  });

  it('two concurrent imports of one name: one wins, the loser leaves no row and no file', async () => {
    const modelsDir = path.join(store.dir, 'models');
    const foldersBefore = new Set(fs.readdirSync(modelsDir));
    const results = await Promise.allSettled([
      importModel(store, { name: 'race', path: lenetJson, checkpoint: 'epoch-1', engine: 'tfjs' }),
      importModel(store, { name: 'race', path: mlpJson, checkpoint: 'epoch-1', engine: 'tfjs' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('"race"') });

    const m = await getModel(store, 'race');
    expect(m.checkpoints).toHaveLength(1);
    expect((await listModels(store)).filter((x) => x.name === 'race')).toHaveLength(1);
    // Only the winner's folder is new, and it holds exactly the winner's files.
    const newFolders = fs.readdirSync(modelsDir).filter((f) => !foldersBefore.has(f));
    expect(newFolders).toEqual([String(m.id)]);
    expect(fs.readdirSync(path.join(modelsDir, String(m.id)))).toEqual([String(m.checkpoints[0].id)]);
    const winnerJson = m.layers.some((l) => l.name === 'conv1') ? lenetJson : mlpJson;
    const got = filesUnder(await checkpointDir(m.checkpoints[0].id));
    expect(got.get('weights.bin')!.equals(fs.readFileSync(path.join(path.dirname(winnerJson), 'weights.bin')))).toBe(true);
    expect(fs.readdirSync(modelsDir).some((f) => f.startsWith('@importing-'))).toBe(false);
  });

  it('a second import of a taken name and label fails naming it, before any file is copied', async () => {
    const modelsDir = path.join(store.dir, 'models');
    const before = filesUnder(modelsDir);
    await expect(importModel(store, { name: 'net v1', path: mlpJson, checkpoint: 'epoch-1', engine: 'tfjs' })).rejects.toMatchObject({
      code: expect.stringMatching(/CONFLICT|BAD_INPUT/),
      message: expect.stringContaining('"net v1"'),
    });
    const after = filesUnder(modelsDir);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  });

  it('an import failing mid-copy (disk error on model.json after the weights were copied) leaves no row and no file', async () => {
    const modelsDir = path.join(store.dir, 'models');
    const before = filesUnder(modelsDir);
    const modelsBefore = (await listModels(store)).map((m) => m.name);
    const netBefore = (await getModel(store, 'net v1')).checkpoints.map((c) => c.label);
    fault.failOn = 'model.json';
    try {
      await expect(importModel(store, { name: 'broken', path: lenetJson, engine: 'tfjs' })).rejects.toThrow(/EIO/);
      await expect(importModel(store, { name: 'net v1', path: lenetJson, checkpoint: 'epoch-2', engine: 'tfjs' })).rejects.toThrow(/EIO/);
    } finally {
      fault.failOn = null;
    }
    expect((await listModels(store)).map((m) => m.name)).toEqual(modelsBefore);
    expect((await getModel(store, 'net v1')).checkpoints.map((c) => c.label)).toEqual(netBefore);
    const after = filesUnder(modelsDir);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    // the same import succeeds once the disk is well again
    const ok = await importModel(store, { name: 'broken', path: lenetJson, engine: 'tfjs' });
    expect(fs.readdirSync(await checkpointDir(ok.checkpointId)).sort()).toEqual(['model.json', 'weights.bin']);
  });
});
