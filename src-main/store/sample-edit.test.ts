import { afterAll, describe, expect, it } from 'vitest';
import { createProject } from './project.ts';
import { insertDataset } from './datasets.ts';
import { insertModel } from './models.ts';
import { insertSample, listSamples, getSample } from './samples.ts';
import { FAKE_CLASSES, FAKE_LAYERS, fakeDataset } from './test-support/fake-runner.ts';
import { fakeClock, tmpDir } from './test-support/tmp.ts';
import { deleteSample, renameSample } from './sample-edit.ts';
import { queryOne } from './db.ts';

const setup = (async () => {
  const store = await createProject(tmpDir('margin-sample-edit-'), { now: fakeClock() });
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: 10 }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
    latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS, datasetId: ds, split: 'test' });
  for (const name of ['a', 'b']) await insertSample(store, { modelId: model, name, method: 'uniform', params: {}, seconds: 0, memberIds: Int32Array.from([1, 2, 3]) });
  return { store, model };
})();
afterAll(async () => (await setup).store.close());

describe('sample rename and delete', () => {
  it('renames, refusing a taken name', async () => {
    const { store, model } = await setup;
    const id = await renameSample(store, model, 'a', 'first');
    expect((await listSamples(store, model)).map((s) => s.name)).toEqual(['first', 'b']);
    expect(Array.from((await getSample(store, id)).memberIds)).toEqual([1, 2, 3]);
    await expect(renameSample(store, model, 'first', 'b')).rejects.toThrow(/already has a sample named "b"/);
    await expect(renameSample(store, model, 'nope', 'x')).rejects.toThrow(/no sample "nope"/);
  });
  it('deletes the sample and its members in one transaction', async () => {
    const { store, model } = await setup;
    const r = await deleteSample(store, model, 'b');
    expect(r.members).toBe(3);
    expect((await listSamples(store, model)).map((s) => s.name)).toEqual(['first']);
    expect(Number((await queryOne(store.conn, 'SELECT count(*)::INTEGER AS n FROM sample_members WHERE sample_id = $1', [r.id]))!.n)).toBe(0);
    await expect(deleteSample(store, model, 'b')).rejects.toThrow(/no sample "b"/);
  });
});
