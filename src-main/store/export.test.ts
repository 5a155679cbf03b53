import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createProject } from './project.ts';
import { insertDataset } from './datasets.ts';
import { insertModel, insertCheckpoint } from './models.ts';
import { runExtraction } from './extract-job.ts';
import { insertSample } from './samples.ts';
import { exportData } from './export.ts';
import { parseNpyHeader, npyHeader } from './npy.ts';
import { queryRows } from './db.ts';
import { FakeRunner, FAKE_LAYERS, fakeDataset, fakeValue, fakePredicted } from './test-support/fake-runner.ts';
import { tmpDir } from './test-support/tmp.ts';
import type { Store } from './project.ts';

const open: Store[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.close(); });

async function setup() {
  const store = await createProject(tmpDir());
  open.push(store);
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: 12 }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'f', inputShape: [4, 4, 1], numClasses: 3, latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS });
  const ck = await insertCheckpoint(store, model, { label: 'e1', ordinal: 1 });
  await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 5 });
  return { store, ck, model, out: tmpDir('margin-export-') };
}

describe('exportData', () => {
  it('writes predictions as parquet and csv that DuckDB reads back', async () => {
    const { store, ck, out } = await setup();
    const pq = path.join(out, 'pred.parquet');
    expect(await exportData(store, { what: 'predictions', checkpointId: ck, format: 'parquet', out: pq })).toEqual({ files: [pq], rows: 12 });
    const rows = await queryRows(store.conn, `SELECT item_id, predicted, correct, len(probs)::INTEGER AS k FROM read_parquet('${pq}') ORDER BY item_id`);
    expect(rows).toHaveLength(12);
    expect(rows[5]).toEqual({ item_id: 5, predicted: fakePredicted(5), correct: fakePredicted(5) === 5 % 3, k: 3 });
    const csv = path.join(out, 'pred.csv');
    await exportData(store, { what: 'predictions', checkpointId: ck, format: 'csv', out: csv });
    expect(fs.readFileSync(csv, 'utf8').split('\n')[0]).toBe('item_id,dataset_id,split,split_index,true_label,predicted,correct,confidence,probs,logits,hardness,mistakenness,uniqueness,representativeness');
    const c = await queryRows(store.conn, `SELECT count(*)::INTEGER AS n, sum(predicted)::INTEGER AS s FROM read_csv('${csv}')`);
    expect(c[0]).toEqual({ n: 12, s: Array.from({ length: 12 }, (_, i) => fakePredicted(i)).reduce((a, b) => a + b, 0) });
  });

  it('writes activations and latents as npy with parseable headers, and as parquet', async () => {
    const { store, ck, out } = await setup();
    const f = path.join(out, 'conv1.npy');
    const r = await exportData(store, { what: 'activations', checkpointId: ck, layer: 'conv1', format: 'npy', out: f });
    expect(r.files).toEqual([f, path.join(out, 'conv1.item_ids.npy')]);
    const bytes = fs.readFileSync(f);
    const h = parseNpyHeader(bytes);
    expect(h).toMatchObject({ descr: '<f4', fortranOrder: false, shape: [12, 12] });
    expect(h.dataOffset % 64).toBe(0);
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + h.dataOffset, bytes.byteOffset + bytes.length));
    expect(data[3 * 12 + 4]).toBe(Math.fround(fakeValue(3, 'conv1', 4)));
    const ids = fs.readFileSync(path.join(out, 'conv1.item_ids.npy'));
    expect(parseNpyHeader(ids)).toMatchObject({ descr: '<i4', shape: [12] });
    const lat = path.join(out, 'lat.npy');
    await exportData(store, { what: 'latent', checkpointId: ck, format: 'npy', out: lat });
    expect(parseNpyHeader(fs.readFileSync(lat)).shape).toEqual([12, 4]);
    const pq = path.join(out, 'conv1.parquet');
    await exportData(store, { what: 'activations', checkpointId: ck, layer: 'conv1', format: 'parquet', out: pq });
    const back = await queryRows(store.conn, `SELECT item_id, activations[5] AS a FROM read_parquet('${pq}') WHERE item_id = 3`);
    expect(back[0].a).toBeCloseTo(fakeValue(3, 'conv1', 4), 6);
  });

  it('exports samples and validates its arguments', async () => {
    const { store, ck, model, out } = await setup();
    const sid = await insertSample(store, { modelId: model, name: 's', method: 'uniform', params: {}, seconds: 0, memberIds: Int32Array.from([4, 2]) });
    const csv = path.join(out, 's.csv');
    await exportData(store, { what: 'samples', sampleId: sid, format: 'csv', out: csv });
    expect(fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[7])).toEqual(['4', '2']);
    await expect(exportData(store, { what: 'samples', checkpointId: ck, format: 'npy', out: path.join(out, 'x.npy') })).rejects.toThrow(/samples are a table/);
    await expect(exportData(store, { what: 'activations', checkpointId: ck, format: 'npy', out: path.join(out, 'x.npy') })).rejects.toThrow(/layer is required/);
    await expect(exportData(store, { what: 'latent', format: 'csv', out: path.join(out, 'x.csv') })).rejects.toThrow(/checkpointId is required to export latent/);
    await expect(exportData(store, { what: 'bogus' as never, checkpointId: ck, format: 'csv', out: path.join(out, 'x.csv') })).rejects.toThrow(/what must be one of/);
    await expect(exportData(store, { what: 'latent', checkpointId: ck, format: 'xlsx' as never, out: path.join(out, 'x') })).rejects.toThrow(/format must be parquet, csv or npy, got xlsx/);
    // A missing folder is made; the project's own files are refused.
    expect((await exportData(store, { what: 'latent', checkpointId: ck, format: 'csv', out: path.join(out, 'no/such/x.csv') })).files).toEqual([path.join(out, 'no/such/x.csv')]);
    await expect(exportData(store, { what: 'latent', checkpointId: ck, format: 'csv', out: path.join(store.dir, 'activations', 'x.csv'), overwrite: true })).rejects.toThrow(/inside the project's activations\/ folder/);
  });

  it('npy header: padded to 64 bytes, parse rejects non-npy', () => {
    const h = npyHeader('<f4', [3, 7]);
    expect(h.length % 64).toBe(0);
    expect(parseNpyHeader(h)).toMatchObject({ descr: '<f4', shape: [3, 7], dataOffset: h.length });
    expect(() => parseNpyHeader(new Uint8Array(12))).toThrow(/not a .npy file/);
  });
});
