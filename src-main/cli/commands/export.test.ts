import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProject, openProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { insertCheckpoint, insertDataset, insertModel, insertSample, parseNpyHeader } from '../../store/index.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { queryRows } from '../../store/db.ts';
import { FakeRunner, FAKE_LAYERS, fakeDataset, fakePredicted, fakeValue } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { exportFromProject } from './export.ts';

const N = 16;
let fixture: Promise<{ store: Store; out: string }> | null = null;

/** A project: predictions, latents, conv1 activations, one sample; a second checkpoint with nothing. */
async function setup() {
  const dir = tmpDir('margin-export-cmd-');
  const w = await createProject(dir, { now: fakeClock() });
  const ds = await insertDataset(w, 'toy', fakeDataset({ test: N }), null);
  const m = await insertModel(w, { name: 'fake', architecture: 'f', inputShape: [4, 4, 1], numClasses: 3, latentLayer: 'latent', engine: 'cpu',
    layers: FAKE_LAYERS, datasetId: ds, split: 'test' });
  const ck = await insertCheckpoint(w, m, { label: 'e1', ordinal: 1 });
  await insertCheckpoint(w, m, { label: 'e0', ordinal: 0 });
  await runExtraction({ store: w, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 8 });
  await insertSample(w, { modelId: m, name: 'five', method: 'uniform', params: {}, seconds: 0, memberIds: Int32Array.from([9, 1, 4, 12, 7]) });
  await w.close();
  return { store: await openProject(dir), out: tmpDir('margin-export-out-') };
}
const get = () => (fixture ??= setup());
afterAll(async () => { if (fixture) await (await fixture).store.close(); });

describe('exportFromProject', () => {
  it('predictions as parquet and csv (format from the extension) that DuckDB reads back', async () => {
    const { store, out } = await get();
    const pq = path.join(out, 'sub', 'pred.parquet'); // the folder is made
    expect(await exportFromProject(store, { model: 'fake', what: 'predictions', out: pq }))
      .toEqual({ model: 'fake', checkpoint: 'e1', what: 'predictions', format: 'parquet', files: [pq], rows: N });
    const rows = await queryRows(store.conn, `SELECT item_id, predicted, hardness, mistakenness, uniqueness, representativeness FROM read_parquet('${pq}') ORDER BY item_id`);
    expect(rows.map((r) => r.predicted)).toEqual(Array.from({ length: N }, (_, i) => fakePredicted(i)));
    // The per-item scores were computed for the export and come with it (all in [0, 1]).
    for (const r of rows) for (const key of ['hardness', 'mistakenness', 'uniqueness', 'representativeness']) {
      expect(Number(r[key])).toBeGreaterThanOrEqual(0);
      expect(Number(r[key])).toBeLessThanOrEqual(1);
    }
    const csv = path.join(out, 'pred.txt');
    await exportFromProject(store, { model: 'fake', what: 'predictions', format: 'csv', out: csv });
    expect((await queryRows(store.conn, `SELECT count(*)::INTEGER AS n FROM read_csv('${csv}')`))[0].n).toBe(N);
  });

  it('activations as parquet and npy, latents as csv, samples as parquet', async () => {
    const { store, out } = await get();
    const pq = path.join(out, 'conv1.parquet');
    expect((await exportFromProject(store, { model: 'fake', checkpoint: 'e1', what: 'activations', layer: 'conv1', out: pq })).rows).toBe(N);
    const a = await queryRows(store.conn, `SELECT item_id, activations[5] AS v FROM read_parquet('${pq}') WHERE item_id = 3`);
    expect(a[0].v).toBeCloseTo(fakeValue(3, 'conv1', 4), 6);
    const npy = path.join(out, 'conv1.npy');
    const r = await exportFromProject(store, { model: 'fake', what: 'activations', layer: 'conv1', out: npy });
    expect(r.files).toEqual([npy, path.join(out, 'conv1.item_ids.npy')]);
    expect(parseNpyHeader(fs.readFileSync(npy)).shape).toEqual([N, 12]);
    const lat = path.join(out, 'latent.csv');
    expect((await exportFromProject(store, { model: 'fake', what: 'latent', out: lat })).rows).toBe(N);
    expect((await queryRows(store.conn, `SELECT count(*)::INTEGER AS n FROM read_csv('${lat}')`))[0].n).toBe(N);
    const s = path.join(out, 'five.parquet');
    expect((await exportFromProject(store, { model: 'fake', what: 'samples', sample: 'five', out: s })).rows).toBe(5);
    const members = await queryRows(store.conn, `SELECT item_id FROM read_parquet('${s}') ORDER BY position`);
    expect(members.map((m) => m.item_id)).toEqual([9, 1, 4, 12, 7]);
  });

  it('says clearly what is wrong', async () => {
    const { store, out } = await get();
    const f = (x: Partial<Parameters<typeof exportFromProject>[1]>) =>
      exportFromProject(store, { model: 'fake', what: 'activations', out: path.join(out, 'x.parquet'), ...x });
    await expect(f({ what: 'weights' })).rejects.toThrow(/what: must be one of predictions, latent, activations, samples, got "weights"/);
    await expect(f({ out: path.join(out, 'x.bin'), layer: 'conv1' })).rejects.toThrow(/format: cannot tell the format from ".*x\.bin"; pass --format parquet, csv or npy/);
    await expect(f({ format: 'xlsx', layer: 'conv1' })).rejects.toThrow(/format: must be parquet, csv or npy, got "xlsx"/);
    await expect(f({ what: 'predictions', format: 'npy' })).rejects.toThrow(/predictions are a table .*export them as parquet or csv/);
    await expect(f({ what: 'samples', format: 'npy' })).rejects.toThrow(/samples are a table/);
    await expect(f({})).rejects.toThrow(/layer: --layer is required to export activations; choose one of/);
    await expect(f({ layer: 'conv9' })).rejects.toThrow(/conv9 is not a layer of the model; choose from conv1, dense\/1, latent, logits/);
    await expect(f({ layer: 'dense/1' })).rejects.toThrow(/activations of layer dense\/1 are not extracted for checkpoint e1 of "fake": run margin extract .* --layers dense\/1 first/);
    await expect(f({ what: 'latent', checkpoint: 'e0' })).rejects.toThrow(/checkpoint e0 of "fake" has no latent vectors yet: run margin extract/);
    await expect(f({ what: 'latent', checkpoint: 'e7' })).rejects.toThrow(/model "fake" has no checkpoint "e7": choose one of e0, e1/);
    await expect(f({ what: 'latent', layer: 'conv1' })).rejects.toThrow(/layer: --layer applies to --what activations, not latent/);
    await expect(f({ what: 'samples', sample: 'six' })).rejects.toThrow(/sample: model "fake" has no sample "six"; choose one of five/);
    await expect(f({ what: 'predictions', sample: 'five' })).rejects.toThrow(/sample: --sample applies to --what samples/);
    await expect(f({ model: 'nope' })).rejects.toThrow(/no model "nope"/);
  });
});
