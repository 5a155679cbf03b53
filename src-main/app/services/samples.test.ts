import { afterAll, describe, expect, it } from 'vitest';
import { createProject } from '../../store/project.ts';
import { insertDataset } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { FakeRunner, FAKE_CLASSES, FAKE_LAYERS, fakeDataset } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { checkSampleRequest, createSample } from './samples.ts';

const N = 60;
const setup = (async () => {
  const store = await createProject(tmpDir('margin-samples-'), { now: fakeClock() });
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: N }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
    latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS, datasetId: ds, split: 'test' });
  const ck = await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1, path: 'models/fake/epoch-1/model.json' });
  await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['latent'], dtype: 'float32', batchSize: 32 });
  return store;
})();
afterAll(async () => (await setup).close());

describe('createSample', () => {
  it('stores the sampler options with the sample; sample.list returns them as params', async () => {
    const store = await setup;
    const s = await createSample(store, { model: 'fake', method: 'latent-grid', fraction: 0.5, seed: 2, options: { gridSplit: 'mean', gridTopUp: false } });
    expect(s.params).toMatchObject({ gridSplit: 'mean', gridTopUp: false });
    expect(s.params).not.toHaveProperty('diagnostics');
    expect(s.size).toBeLessThanOrEqual(30);
    const d = await createSample(store, { model: 'fake', method: 'latent-grid', fraction: 0.5, seed: 2, name: 'grid-default' });
    expect(d.params).toMatchObject({ gridSplit: 'median', gridTopUp: true });
    expect(d.size).toBe(30);
    await expect(createSample(store, { model: 'fake', method: 'vas', fraction: 0.5, options: { gridSplit: 'mean' } })).rejects.toThrow(/options.gridSplit applies to latent-grid, not vas/);
  });

  it('refuses a fraction that yields fewer items than the model has classes, before sampling', async () => {
    const store = await setup;
    // 3 % of 60 items = 2 items < 3 classes.
    await expect(createSample(store, { model: 'fake', method: 'uniform', fraction: 0.03 })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/fraction: 3 % of 60 items is 2 items, fewer than the model's 3 classes: choose at least 5 %/),
    });
  });

  it('checkSampleRequest refuses the same fraction before any job starts, and passes a sufficient one', async () => {
    const store = await setup;
    await expect(checkSampleRequest(store, { model: 'fake', method: 'uniform', fraction: 0.03 })).rejects.toThrow(/is 2 items, fewer than the model's 3 classes/);
    await expect(checkSampleRequest(store, { model: 'fake', method: 'uniform', fraction: 0.05 })).resolves.toBeUndefined();
    await expect(checkSampleRequest(store, { model: 'nope', method: 'uniform' })).rejects.toThrow(/no model "nope"/);
  });
});
