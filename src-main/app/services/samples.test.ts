import { afterAll, describe, expect, it } from 'vitest';
import { createProject } from '../../store/project.ts';
import { insertDataset } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { FakeRunner, FAKE_CLASSES, FAKE_LAYERS, fakeDataset } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import fs from 'node:fs';
import { fitCacheDir } from '../../store/fit-cache-files.ts';
import { getSample } from '../../store/samples.ts';
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

  it('a second MaxMargin or weighted sample of the checkpoint reuses the fit kept in cache/fits, with the members of a fresh fit', async () => {
    const store = await setup;
    const a = await createSample(store, { model: 'fake', method: 'maxmargin', fraction: 0.2, seed: 1, name: 'mm-a' });
    const files = fs.readdirSync(fitCacheDir(store.dir));
    expect(files.length).toBe(1);
    expect(files[0]).toMatch(/^ckpt-\d+-[0-9a-f]{32}\.bin$/);
    const b = await createSample(store, { model: 'fake', method: 'maxmargin', fraction: 0.2, seed: 9, name: 'mm-b' });
    const w = await createSample(store, { model: 'fake', method: 'weighted', fraction: 0.2, seed: 2, name: 'w-a' });
    const [da, db, dw] = await Promise.all([a, b, w].map((s) => getSample(store, s.id)));
    expect((da.params.diagnostics as Record<string, unknown>).fitCached).toBe(false);
    expect((db.params.diagnostics as Record<string, unknown>).fitCached).toBe(true);
    expect((dw.params.diagnostics as Record<string, unknown>).fitCached).toBe(true);
    expect(Array.from(db.memberIds)).toEqual(Array.from(da.memberIds));
    // Without the cache file, the refit gives the same members.
    fs.rmSync(fitCacheDir(store.dir), { recursive: true });
    const c = await getSample(store, (await createSample(store, { model: 'fake', method: 'maxmargin', fraction: 0.2, seed: 4, name: 'mm-c' })).id);
    expect((c.params.diagnostics as Record<string, unknown>).fitCached).toBe(false);
    expect(Array.from(c.memberIds)).toEqual(Array.from(da.memberIds));
  });

  it('a second GMM sample with another seed, fraction and j reuses the fit kept in cache/fits; a fresh fit selects the same members', async () => {
    const store = await setup;
    fs.rmSync(fitCacheDir(store.dir), { recursive: true, force: true });
    const a = await getSample(store, (await createSample(store, { model: 'fake', method: 'gmm-spherical', fraction: 0.2, seed: 1, name: 'gs-a' })).id);
    expect(fs.readdirSync(fitCacheDir(store.dir)).length).toBe(1);
    const b = await getSample(store, (await createSample(store, { model: 'fake', method: 'gmm-spherical', fraction: 0.3, seed: 7, j: 0.4, name: 'gs-b' })).id);
    expect((a.params.diagnostics as Record<string, unknown>).fitCached).toBe(false);
    expect((b.params.diagnostics as Record<string, unknown>).fitCached).toBe(true);
    fs.rmSync(fitCacheDir(store.dir), { recursive: true });
    const c = await getSample(store, (await createSample(store, { model: 'fake', method: 'gmm-spherical', fraction: 0.3, seed: 3, j: 0.4, name: 'gs-c' })).id);
    expect((c.params.diagnostics as Record<string, unknown>).fitCached).toBe(false);
    expect(Array.from(c.memberIds)).toEqual(Array.from(b.memberIds));
    expect((c.params.diagnostics as Record<string, unknown>).logLikelihood).toBe((b.params.diagnostics as Record<string, unknown>).logLikelihood);
  });
});
