import { afterEach, describe, expect, it } from 'vitest';
import { computeItemScores } from '../../scores/item-scores.ts';
import { insertDataset } from '../../store/datasets.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { readItemScores } from '../../store/item-scores.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { getLatent, getPredictions } from '../../store/predictions.ts';
import { createProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { FAKE_CLASSES, FAKE_LAYERS, FakeRunner, fakeDataset } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { getItemScores } from './item-scores.ts';

const open: Store[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.close(); });

describe('scores.get service', () => {
  it('computes the scores once from predictions + latent, stores them (schema v5) and returns them aligned with item ids', async () => {
    const store = await createProject(tmpDir(), { now: fakeClock() });
    open.push(store);
    const ds = await insertDataset(store, 'toy', fakeDataset({ test: 40 }), null);
    const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES, latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS });
    const ck = await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1 });
    await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: [], dtype: 'float32', batchSize: 16 });
    expect(await readItemScores(store, ck)).toBeNull();
    const r = await getItemScores(store, { model: 'fake' });
    expect(r.itemIds).toHaveLength(40);
    const pred = await getPredictions(store, ck);
    const latent = await getLatent(store, ck);
    const want = computeItemScores({ latent, probs: pred.probs, trueLabels: pred.trueLabels, predLabels: pred.predicted, numClasses: FAKE_CLASSES });
    expect(r.itemIds).toEqual(Array.from(pred.itemIds));
    r.hardness.forEach((v, i) => expect(v).toBeCloseTo(want.hardness[i], 12));
    r.mistakenness.forEach((v, i) => expect(v).toBeCloseTo(want.mistakenness[i], 12));
    r.uniqueness.forEach((v, i) => expect(v).toBeCloseTo(want.uniqueness[i], 12));
    r.representativeness.forEach((v, i) => expect(v).toBeCloseTo(want.representativeness[i], 12));
    const stored = await readItemScores(store, ck);
    expect(stored!.itemIds).toHaveLength(40);
    expect(stored!.k).toBe(5);
    // Second call reads the stored rows (same values).
    expect(await getItemScores(store, { model: 'fake', checkpoint: 'epoch-1' })).toEqual(r);
  });
});
