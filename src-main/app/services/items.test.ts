import { afterAll, describe, expect, it } from 'vitest';
import { createProject } from '../../store/project.ts';
import { insertDataset } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { insertSample } from '../../store/samples.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { getPredictions } from '../../store/predictions.ts';
import { FakeRunner, FAKE_CLASSES, FAKE_LAYERS, fakeDataset, fakeLabel, fakePredicted } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { requests, type ParamsIn } from '../../shared/api.ts';
import { exportItems, itemDetail, listItemPage, nearest } from './items.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const N = 50;
const setup = (async () => {
  const store = await createProject(tmpDir('margin-items-'), { now: fakeClock() });
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: N }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
    latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS, datasetId: ds, split: 'test' });
  const ck = await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1, path: 'models/fake/epoch-1/model.json' });
  await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['latent'], dtype: 'float32', batchSize: 32 });
  await insertSample(store, { modelId: model, name: 'few', method: 'uniform', params: {}, seconds: 0, memberIds: Int32Array.from([3, 7, 11, 20]) });
  return { store, ck };
})();
afterAll(async () => (await setup).store.close());

const list = async (p: Omit<ParamsIn<'items.list'>, 'model'>) => listItemPage((await setup).store, requests['items.list'].params.parse({ model: 'fake', ...p }));

describe('items.list', () => {
  it('pages every item by id with thumbnails and predictions', async () => {
    const a = await list({ limit: 20 });
    expect(a.total).toBe(N);
    expect(a.items.map((x) => x.itemId)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const b = await list({ limit: 20, offset: 40 });
    expect(b.items.map((x) => x.itemId)).toEqual(Array.from({ length: 10 }, (_, i) => 40 + i));
    for (const x of b.items) {
      expect(x.trueLabel).toBe(fakeLabel(x.itemId));
      expect(x.predicted).toBe(fakePredicted(x.itemId));
      expect(x.correct).toBe(x.predicted === x.trueLabel);
      expect(x.inSample).toBeNull();
      expect(x.thumbnail).toMatch(/^data:image\/png;base64,/);
    }
  });

  it('filters by class, prediction, outcome, confidence, ids and sample membership in the store', async () => {
    const ids = Array.from({ length: N }, (_, i) => i);
    const wrong = await list({ filter: { outcome: 'incorrect' }, limit: 200 });
    expect(wrong.items.map((x) => x.itemId)).toEqual(ids.filter((i) => fakePredicted(i) !== fakeLabel(i)));
    const c1 = await list({ filter: { trueClass: 1, predClass: 2 }, limit: 200 });
    expect(c1.total).toBe(ids.filter((i) => fakeLabel(i) === 1 && fakePredicted(i) === 2).length);
    const picked = await list({ filter: { items: [5, 9, 33, 9] } });
    expect(picked.items.map((x) => x.itemId)).toEqual([5, 9, 33]);
    const members = await list({ filter: { sample: 'few', membership: 'members' } });
    expect(members.items.map((x) => x.itemId)).toEqual([3, 7, 11, 20]);
    expect(members.items.every((x) => x.inSample === true)).toBe(true);
    const others = await list({ filter: { sample: 'few', membership: 'non-members' }, limit: 200 });
    expect(others.total).toBe(N - 4);
    const { store, ck } = await setup;
    const conf = (await getPredictions(store, ck)).confidence;
    const band = await list({ filter: { confidence: [0.5, 0.7] }, limit: 200 });
    expect(band.total).toBe(Array.from(conf).filter((c) => c >= Math.fround(0.5) && c <= Math.fround(0.7)).length);
  });

  it('sorts by confidence (ties by id) both ways', async () => {
    const { store, ck } = await setup;
    const p = await getPredictions(store, ck);
    const want = Array.from(p.itemIds).sort((a, b) => p.confidence[b] - p.confidence[a] || a - b).slice(0, 10);
    const r = await list({ sort: { by: 'confidence', dir: 'desc' }, limit: 10 });
    expect(r.items.map((x) => x.itemId)).toEqual(want);
    const asc = await list({ sort: { by: 'confidence', dir: 'asc' }, limit: 1 });
    expect(asc.items[0].confidence).toBeCloseTo(Math.min(...p.confidence), 6);
  });

  it('names bad filters', async () => {
    await expect(list({ filter: { trueClass: 7 } })).rejects.toThrow(/filter.trueClass: 7 is not a class of model "fake" \(0–2\)/);
    await expect(list({ filter: { sample: 'nope' } })).rejects.toThrow(/no sample "nope"; its samples: few/);
    await expect(list({ filter: { membership: 'members' } })).rejects.toThrow(/needs filter.sample/);
  });
});

describe('items.detail', () => {
  it('gives every class probability, the nearest latent neighbours and the samples holding the item', async () => {
    const { store } = await setup;
    const d = await itemDetail(store, requests['items.detail'].params.parse({ model: 'fake', item: 7, neighbours: 5 }));
    expect(d.probs).toHaveLength(FAKE_CLASSES);
    expect(d.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(d.probs[d.predicted]).toBeCloseTo(d.confidence, 6);
    expect(d.neighbours).toHaveLength(5);
    expect(d.neighbours.map((x) => x.itemId)).not.toContain(7);
    for (let i = 1; i < 5; i++) expect(d.neighbours[i].distance).toBeGreaterThanOrEqual(d.neighbours[i - 1].distance);
    expect(d.samples).toEqual(['few']);
    expect(d.image).toMatch(/^data:image\/png;base64,/);
    await expect(itemDetail(store, requests['items.detail'].params.parse({ model: 'fake', item: 999 }))).rejects.toThrow(/999 has no prediction/);
  });
  it('nearest skips the item itself and breaks ties by index', () => {
    expect(nearest(Float64Array.from([0, 2, 1, 1, NaN]), 3, 0)).toEqual([2, 3, 1]);
  });
});

describe('items.export', () => {
  it('writes a sample\'s members as CSV with class names, refuses to overwrite or to write into the project', async () => {
    const { store } = await setup;
    const out = join(tmpDir('margin-items-out-'), 'few.csv');
    const p = (o: Record<string, unknown>) => requests['items.export'].params.parse({ model: 'fake', filter: { sample: 'few', membership: 'members' }, out, ...o });
    const r = await exportItems(store, p({}), { projects: [store.dir] });
    expect(r.rows).toBe(4);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('item_id,true_label,true_class,predicted_label,predicted_class,confidence,correct,in_sample');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([3, 7, 11, 20]);
    expect(lines[1].split(',')[2]).toBe(`class-${fakeLabel(3)}`);
    await expect(exportItems(store, p({}), { projects: [store.dir] })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(exportItems(store, p({ overwrite: true, format: 'parquet' }), { projects: [store.dir] })).resolves.toMatchObject({ rows: 4 });
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('PAR1');
    await expect(exportItems(store, p({ out: join(store.dir, 'store.duckdb') }), { projects: [store.dir] })).rejects.toThrow(/store\.duckdb/);
  });
});
