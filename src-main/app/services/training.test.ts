import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { getModel, insertDataset } from '../../store/index.ts';
import { fakeDataset } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { loadModel } from '../../engine/model-io.ts';
import { checkpointModelPath } from './model-import.ts';
import { trainIntoProject, type TrainEpoch } from './training.ts';
import { readTrainingHistory } from '../../store/training-history.ts';

const open: Store[] = [];
afterAll(async () => { for (const s of open) await s.close(); });

/** A project with a tiny 4×4 data set: 48 training items, 12 test items, 3 classes. */
async function project(): Promise<Store> {
  const store = await createProject(tmpDir('margin-train-'), { now: fakeClock() });
  open.push(store);
  await insertDataset(store, 'toy', fakeDataset({ train: 48, test: 12 }), null);
  return store;
}

describe('trainIntoProject', () => {
  it('trains one epoch and registers a checkpoint whose model.json loads', async () => {
    const store = await project();
    const seen: TrainEpoch[] = [];
    const batches: number[] = [];
    const r = await trainIntoProject(store, { arch: 'mlp', data: 'toy', epochs: 1, batchSize: 16, seed: 2, name: 'toy mlp' },
      { onEpoch: (e) => seen.push(e), onBatch: (d) => batches.push(d), now: fakeClock() });
    expect(r).toMatchObject({ model: 'toy mlp', arch: 'mlp', trainItems: 48, evalItems: 12 });
    expect(batches).toEqual([1, 2, 3]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ epoch: 1, label: 'epoch-1' });
    expect(seen[0].loss).toBeGreaterThan(0);
    expect(seen[0].accuracy).toBeGreaterThanOrEqual(0);
    expect(seen[0].valAccuracy).toBeGreaterThanOrEqual(0);
    expect(seen[0].valAccuracy).toBeLessThanOrEqual(1);
    expect(seen[0].imagesPerSecond).toBeGreaterThan(0);

    const m = await getModel(store, 'toy mlp');
    expect(m).toMatchObject({ architecture: 'mlp', latentLayer: 'relu3', split: 'test', numClasses: 3 });
    expect(m.checkpoints.map((c) => [c.label, c.ordinal])).toEqual([['epoch-1', 1]]);
    const json = checkpointModelPath(store, m.checkpoints[0].path);
    expect(path.relative(store.dir, json)).toBe(path.join('models', String(m.id), String(m.checkpoints[0].id), 'model.json'));
    const model = await loadModel(json);
    expect(model.outputs[0].shape).toEqual([null, 3]);
    model.dispose();
    expect(fs.existsSync(path.join(store.dir, '.training'))).toBe(false); // staging cleaned up

    // the epoch's logs are stored with the checkpoint
    const history = await readTrainingHistory(store);
    expect([...history.keys()]).toEqual([m.checkpoints[0].id]);
    const h = history.get(m.checkpoints[0].id)!;
    expect(h).toMatchObject({ epoch: 1, loss: seen[0].loss, accuracy: seen[0].accuracy, valLoss: seen[0].valLoss, valAccuracy: seen[0].valAccuracy });
    expect(h.run).toEqual({ source: 'margin train', arch: 'mlp', dataset: 'toy', split: 'train', evalSplit: 'test', epochs: 1, batchSize: 16, seed: 2,
      learningRate: 1e-3, trainItems: 48, evalItems: 12 });
  });

  it('cancelling keeps the finished epochs registered and says so', async () => {
    const store = await project();
    const ac = new AbortController();
    const err = await trainIntoProject(store, { arch: 'mlp', data: 'toy', epochs: 3, batchSize: 48, seed: 1 },
      { signal: ac.signal, onEpoch: () => ac.abort() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANCELLED', details: { registered: ['epoch-1'] } });
    expect(String((err as Error).message)).toMatch(/training of "mlp" cancelled in epoch 2; epoch-1 stays registered as a checkpoint of "mlp"/);
    expect((await getModel(store, 'mlp')).checkpoints.map((c) => c.label)).toEqual(['epoch-1']);
    expect([...(await readTrainingHistory(store)).values()].map((h) => h.epoch)).toEqual([1]);

    const before = new AbortController();
    before.abort();
    await expect(trainIntoProject(store, { arch: 'mlp', data: 'toy', epochs: 1, name: 'other' }, { signal: before.signal }))
      .rejects.toThrow(/cancelled in epoch 1; no epoch had finished, so nothing was registered/);
  });

  it('rejects bad arguments with messages that say what to do', async () => {
    const store = await project();
    const base = { arch: 'mlp' as const, data: 'toy', epochs: 1 };
    await expect(trainIntoProject(store, { ...base, arch: 'resnet' as never })).rejects.toThrow(/arch: unknown architecture "resnet"; choose one of lenet5-bn, mlp/);
    await expect(trainIntoProject(store, { ...base, epochs: 0 })).rejects.toThrow(/epochs: must be an integer in 1…1000, got 0/);
    await expect(trainIntoProject(store, { ...base, epochs: NaN })).rejects.toThrow(/epochs: must be an integer/);
    await expect(trainIntoProject(store, { ...base, batchSize: 0 })).rejects.toThrow(/batch: must be an integer in 1…65536, got 0/);
    await expect(trainIntoProject(store, { ...base, data: 'nope' })).rejects.toThrow(/data: no data set "nope" in this project; choose one of toy/);
    await expect(trainIntoProject(store, { ...base, split: 'dev' })).rejects.toThrow(/split: data set "toy" has no split "dev"; choose one of (train, test|test, train)/);
    await expect(trainIntoProject(store, { ...base, evalSplit: 'dev' })).rejects.toThrow(/eval-split: data set "toy" has no split "dev"/);
    await expect(trainIntoProject(store, { ...base, arch: 'lenet5-bn' })).rejects.toThrow(/arch: lenet5-bn needs images of at least 16×16 pixels.*has 4×4×1 images.*What would fit: mlp fits 4×4×1/);
  });
});
