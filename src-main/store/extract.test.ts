import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createProject, openProject } from './project.ts';
import { insertDataset } from './datasets.ts';
import { insertModel, insertCheckpoint, getModel } from './models.ts';
import { runExtraction } from './extract-job.ts';
import { readActivations, activationView } from './activations.ts';
import { getPredictions, getLatent } from './predictions.ts';
import { projectInfo } from './project-info.ts';
import { queryRows } from './db.ts';
import { fromFloat16Bits, toFloat16Bits } from './float16.ts';
import { FakeRunner, FakeGatherRunner, FAKE_LAYERS, FAKE_CLASSES, FAKE_LATENT, fakeDataset, fakeValue, fakePredicted, fakeLabel } from './test-support/fake-runner.ts';
import { tmpDir, fakeClock } from './test-support/tmp.ts';
import type { Store } from './project.ts';
import type { ExtractionProgress } from './extract-job.ts';

const open: Store[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.close(); });

/** A project with one data set (train 20, test N) and one model + checkpoint with the fake layers. */
async function setup(nTest = 50, dir = tmpDir()): Promise<{ store: Store; ds: number; ck: number; model: number; dir: string }> {
  const store = await createProject(dir, { now: fakeClock() });
  open.push(store);
  const ds = await insertDataset(store, 'toy', fakeDataset({ train: 20, test: nTest }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
    latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS });
  const ck = await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1 });
  return { store, ds, ck, model, dir };
}

const TEST_BASE = 20; // test items follow the 20 train items
const f16 = (x: number) => fromFloat16Bits(toFloat16Bits(x));

function expectLayer(m: { rows: number; cols: number; data: Float32Array; itemIds: Int32Array }, layer: string, half: boolean) {
  for (let r = 0; r < m.rows; r++) {
    const idx = m.itemIds[r] - TEST_BASE;
    for (let u = 0; u < m.cols; u++) {
      const want = Math.fround(fakeValue(idx, layer, u));
      const got = m.data[r * m.cols + u];
      if (half ? got !== f16(want) : got !== want) throw new Error(`${layer} item ${m.itemIds[r]} unit ${u}: ${got} != ${want}`);
    }
  }
}

describe('runExtraction + readers', () => {
  it('stores predictions, latents and activations that read back exactly', async () => {
    const { store, ds, ck } = await setup(50);
    const progress: ExtractionProgress[] = [];
    const res = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test',
      layers: ['conv1', 'dense/1'], dtype: 'float32', batchSize: 16, onProgress: (p) => progress.push(p) });
    expect(res).toMatchObject({ total: 50, skipped: 0, computed: 50, batches: 4 });
    expect(progress.map((p) => p.done)).toEqual([0, 16, 32, 48, 50]);
    expect(progress.at(-1)!.etaSeconds).toBe(0);

    const p = await getPredictions(store, ck);
    expect(p.itemIds.length).toBe(50);
    expect(p.itemIds[0]).toBe(TEST_BASE);
    for (let i = 0; i < 50; i++) {
      expect(p.predicted[i]).toBe(fakePredicted(i));
      expect(p.trueLabels[i]).toBe(fakeLabel(i));
      expect(p.correct[i]).toBe(fakePredicted(i) === fakeLabel(i) ? 1 : 0);
      let sum = 0;
      for (let c = 0; c < FAKE_CLASSES; c++) sum += p.probs.data[i * FAKE_CLASSES + c];
      expect(sum).toBeCloseTo(1, 5);
      expect(p.confidence[i]).toBeCloseTo(Math.max(...p.probs.data.subarray(i * 3, i * 3 + 3)), 6);
    }
    expect(p.logits.cols).toBe(FAKE_CLASSES);
    // test accuracy recorded: 3 of 4 items are right
    const m = await getModel(store, 'fake');
    expect(m.checkpoints[0].testAccuracy).toBeCloseTo(Array.from({ length: 50 }, (_, i) => i % 4 !== 3).filter(Boolean).length / 50, 9);

    const lat = await getLatent(store, ck);
    expect([lat.rows, lat.cols]).toEqual([50, FAKE_LATENT]);
    expect(lat.data[7 * FAKE_LATENT + 2]).toBe(Math.fround(fakeValue(7, 'latent', 2)));
    expect((await getLatent(store, ck, { split: 'train' })).rows).toBe(0);

    const all = await readActivations(store, ck, 'conv1');
    expect([all.rows, all.cols]).toEqual([50, 12]);
    expectLayer(all, 'conv1', false);
    const ids = Int32Array.from([TEST_BASE + 41, TEST_BASE + 3, TEST_BASE + 17]);
    const some = await readActivations(store, ck, 'dense/1', ids);
    expect(Array.from(some.itemIds)).toEqual(Array.from(ids));
    expectLayer(some, 'dense/1', false);
  });

  it('stores float16 within half precision and reads subsets row by row', async () => {
    const { store, ds, ck } = await setup(40);
    await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test',
      layers: ['conv1'], dtype: 'float16', batchSize: 7 });
    // 2 of 40 rows: below the 25 % share, read with positional reads, not cached
    const two = await readActivations(store, ck, 'conv1', Int32Array.from([TEST_BASE + 39, TEST_BASE]));
    expectLayer(two, 'conv1', true);
    expect(store.cache.size).toBe(0);
    const all = await readActivations(store, ck, 'conv1');
    expectLayer(all, 'conv1', true);
    expect(store.cache.size).toBe(1);
    for (let i = 0; i < all.data.length; i++) {
      const idx = all.itemIds[Math.floor(i / 12)] - TEST_BASE;
      expect(Math.abs(all.data[i] - fakeValue(idx, 'conv1', i % 12))).toBeLessThanOrEqual(3 * 2 ** -11);
    }
  });

  it('extracts only a sample, names missing items, and extends it later without duplicates', async () => {
    const { store, ds, ck } = await setup(30);
    const sample = Int32Array.from([TEST_BASE + 2, TEST_BASE + 3, TEST_BASE + 4, TEST_BASE + 10, TEST_BASE + 25]);
    const runner = new FakeRunner();
    await runExtraction({ store, checkpointId: ck, runner, datasetId: ds, split: 'test', layers: ['dense/1'], itemIds: sample, dtype: 'float32', batchSize: 4 });
    expect(runner.calls).toBe(3); // batch 1 = [2,3,4] and [10] (two contiguous runs); batch 2 = [25]
    await expect(readActivations(store, ck, 'dense/1', Int32Array.from([TEST_BASE + 2, TEST_BASE + 5, TEST_BASE + 6])))
      .rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringMatching(/layer dense\/1 for checkpoint \d+ are not extracted for 2 of the 3 items asked \(item ids 25, 26\)/),
        details: expect.objectContaining({ missing: [TEST_BASE + 5, TEST_BASE + 6] }),
      });
    await expect(readActivations(store, ck, 'conv1')).rejects.toThrow(/no activations of layer conv1 are extracted for checkpoint/);
    await expect(readActivations(store, ck, 'nope')).rejects.toThrow(/layer "nope" is not a layer of checkpoint \d+'s model; known layers: conv1, dense\/1, latent, logits/);
    const cached = await readActivations(store, ck, 'dense/1');
    expect(cached.rows).toBe(5);
    expect(store.cache.size).toBe(1);
    // Now the full split plus a new layer: sample items only get the missing layer, no duplicate predictions.
    const res = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['dense/1', 'conv1'], dtype: 'float16', batchSize: 8 });
    expect(res).toMatchObject({ total: 30, skipped: 0, computed: 30 });
    expect(store.cache.size).toBe(0); // the write invalidated the cached layer
    const dense = await readActivations(store, ck, 'dense/1');
    expect(dense.rows).toBe(30);
    expect(Array.from(dense.itemIds)).toEqual(Array.from({ length: 30 }, (_, i) => TEST_BASE + i));
    // sample rows were float32, the rest float16
    for (let r = 0; r < 30; r++) {
      const half = !sample.includes(dense.itemIds[r]);
      expectLayer({ ...dense, rows: 1, data: dense.data.subarray(r * 5, r * 5 + 5), itemIds: dense.itemIds.subarray(r, r + 1) }, 'dense/1', half);
    }
    const counts = await queryRows(store.conn, `SELECT (SELECT count(*) FROM predictions)::INTEGER AS p, (SELECT count(DISTINCT item_id) FROM predictions)::INTEGER AS d,
      (SELECT count(*) FROM latents)::INTEGER AS l`);
    expect(counts[0]).toEqual({ p: 30, d: 30, l: 0 }); // latent vectors are the latent layer's rows, not table rows
    const lat = await getLatent(store, ck);
    expect(Array.from(lat.itemIds)).toEqual(Array.from({ length: 30 }, (_, i) => TEST_BASE + i));
    expectLayer({ ...lat, rows: lat.rows }, 'latent', false); // float32, though the layers were float16
    const again = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['dense/1', 'conv1'], dtype: 'float16', batchSize: 8 });
    expect(again).toMatchObject({ total: 30, skipped: 30, computed: 0, batches: 0 });
  });

  it('runs a sample\'s scattered members in one runItems call per piece when the runner has it, and releases every output', async () => {
    const { store, ds, ck } = await setup(30);
    const sample = Int32Array.from([TEST_BASE + 25, TEST_BASE + 2, TEST_BASE + 10, TEST_BASE + 3, TEST_BASE + 17, TEST_BASE + 18]);
    const runner = new FakeGatherRunner();
    const res = await runExtraction({ store, checkpointId: ck, runner, datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'], itemIds: sample, dtype: 'float32', batchSize: 4 });
    expect(res).toMatchObject({ total: 6, computed: 6, batches: 2 });
    expect(res.waitSeconds).toBeGreaterThanOrEqual(0);
    expect(res.writeSeconds).toBeGreaterThanOrEqual(0);
    // batch 1 = rows 2, 3, 10, 17 (scattered: one runItems call); batch 2 = 18, 25 (scattered again)
    expect(runner.itemCalls).toBe(2);
    expect(runner.calls).toBe(0);
    expect(runner.unreleased).toBe(0);
    for (const layer of ['conv1', 'dense/1']) {
      const m = await readActivations(store, ck, layer);
      expect(Array.from(m.itemIds)).toEqual(Array.from(sample).sort((a, b) => a - b));
      expectLayer(m, layer, false);
    }
    const preds = await getPredictions(store, ck);
    expect(Array.from(preds.predicted)).toEqual(Array.from(preds.itemIds, (id) => fakePredicted(id - TEST_BASE)));
  });

  it('runs two extractions of one checkpoint one after the other: every item once, values intact', async () => {
    const { store, ds, ck } = await setup(40);
    const a = Int32Array.from({ length: 25 }, (_, i) => TEST_BASE + i); // 0…24
    const b = Int32Array.from({ length: 25 }, (_, i) => TEST_BASE + 15 + i); // 15…39, overlapping a
    const [ra, rb] = await Promise.all([
      runExtraction({ store, checkpointId: ck, runner: new FakeRunner(2), datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'], itemIds: a, dtype: 'float32', batchSize: 4 }),
      runExtraction({ store, checkpointId: ck, runner: new FakeRunner(2), datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'], itemIds: b, dtype: 'float32', batchSize: 4 }),
    ]);
    expect(ra.computed + rb.computed).toBe(40); // the second one skips the overlap the first stored
    for (const layer of ['conv1', 'dense/1']) {
      const m = await readActivations(store, ck, layer);
      expect(Array.from(m.itemIds)).toEqual(Array.from({ length: 40 }, (_, i) => TEST_BASE + i));
      expectLayer(m, layer, false);
    }
    const counts = await queryRows(store.conn, 'SELECT count(*)::INTEGER AS n, count(DISTINCT item_id)::INTEGER AS d FROM predictions');
    expect(counts[0]).toEqual({ n: 40, d: 40 });
  });

  it('gives zero-copy views of the cached layer', async () => {
    const { store, ds, ck } = await setup(20);
    await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 8 });
    const v = await activationView(store, ck, 'conv1', Int32Array.from([TEST_BASE + 19, TEST_BASE + 2]));
    expect(Array.from(v.rows)).toEqual([19, 2]);
    expect(v.matrix.data[19 * 12 + 5]).toBe(Math.fround(fakeValue(19, 'conv1', 5)));
    const full = await readActivations(store, ck, 'conv1');
    expect(full.data).toBe(v.matrix.data); // same cached buffer, no copy
    await expect(activationView(store, ck, 'conv1', Int32Array.from([5]))).rejects.toThrow(/not extracted for 1 of the 1 items asked \(item ids 5\)/);
  });

  it('cancels after the batches already being written, and resumes', async () => {
    const { store, ds, ck } = await setup(40);
    const ac = new AbortController();
    const err = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'],
      dtype: 'float32', batchSize: 10, signal: ac.signal, onProgress: (p) => { if (p.done === 20) ac.abort(); } }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANCELLED', message: expect.stringMatching(/cancelled after (20|30) of 40 items; run it again to resume/) });
    // The batch written while batch 2 committed may commit too (pipelined); whatever the message says is stored, no more.
    const done = Number(/after (\d+) of/.exec((err as Error).message)![1]);
    expect((await getPredictions(store, ck)).itemIds.length).toBe(done);
    expect((await readActivations(store, ck, 'conv1')).rows).toBe(done);
    const res = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 10 });
    expect(res).toMatchObject({ skipped: done, computed: 40 - done });
    expectLayer(await readActivations(store, ck, 'conv1'), 'conv1', false);
  });

  it('gathers compute batches into transactions of commitItems: one chunk row per layer per transaction, values intact', async () => {
    const { store, ds, ck } = await setup(50);
    const progress: number[] = [];
    const runner = new FakeRunner();
    const res = await runExtraction({ store, checkpointId: ck, runner, datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'],
      dtype: 'float32', batchSize: 8, commitItems: 20, onProgress: (p) => progress.push(p.done) });
    // 8+8+8 = 24 ≥ 20 → commit; 24 more → commit; the last 2 → commit
    expect(res).toMatchObject({ total: 50, computed: 50, batches: 3 });
    expect(progress).toEqual([0, 24, 48, 50]);
    expect(runner.calls).toBe(7);
    const chunks = await queryRows(store.conn, `SELECT layer, chunk_no, row_count, byte_offset, byte_length FROM activation_chunks
      WHERE checkpoint_id = $1 ORDER BY layer, chunk_no`, [ck]);
    expect(chunks.map((c) => [c.layer, c.chunk_no, c.row_count, Number(c.byte_offset)])).toEqual([
      ['conv1', 0, 24, 0], ['conv1', 1, 24, 24 * 12 * 4], ['conv1', 2, 2, 48 * 12 * 4],
      ['dense/1', 0, 24, 0], ['dense/1', 1, 24, 24 * 5 * 4], ['dense/1', 2, 2, 48 * 5 * 4],
      ['latent', 0, 24, 0], ['latent', 1, 24, 24 * FAKE_LATENT * 4], ['latent', 2, 2, 48 * FAKE_LATENT * 4],
    ]);
    const batches = await queryRows(store.conn, 'SELECT item_count, first_item, last_item FROM extraction_batches ORDER BY id');
    expect(batches).toEqual([
      { item_count: 24, first_item: TEST_BASE, last_item: TEST_BASE + 23 },
      { item_count: 24, first_item: TEST_BASE + 24, last_item: TEST_BASE + 47 },
      { item_count: 2, first_item: TEST_BASE + 48, last_item: TEST_BASE + 49 },
    ]);
    for (const layer of ['conv1', 'dense/1']) expectLayer(await readActivations(store, ck, layer), layer, false);
    const p = await getPredictions(store, ck);
    expect(Array.from(p.itemIds)).toEqual(Array.from({ length: 50 }, (_, i) => TEST_BASE + i));
    expect(Array.from(p.predicted)).toEqual(Array.from({ length: 50 }, (_, i) => fakePredicted(i)));
    const lat = await getLatent(store, ck);
    expect(lat.rows).toBe(50);
    expect(lat.data[49 * FAKE_LATENT + 1]).toBe(Math.fround(fakeValue(49, 'latent', 1)));
    await expect(runExtraction({ store, checkpointId: ck, runner, datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 8, commitItems: 0 }))
      .rejects.toThrow(/commitItems must be a positive integer, got 0/);
  });

  it('on cancel commits the compute batches already gathered, then stops; the rerun does the rest', async () => {
    const { store, ds, ck } = await setup(60);
    const ac = new AbortController();
    const err = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'],
      dtype: 'float32', batchSize: 5, commitItems: 20, signal: ac.signal, onProgress: (p) => { if (p.done === 20) ac.abort(); } }).then(() => null, (e: unknown) => e);
    const done = Number(/cancelled after (\d+) of 60/.exec((err as Error).message)![1]);
    // the group gathered when the abort was seen is committed, whatever its size; never the whole split
    expect(done).toBeGreaterThan(20);
    expect(done).toBeLessThan(60);
    expect((await getPredictions(store, ck)).itemIds.length).toBe(done);
    expect((await readActivations(store, ck, 'conv1')).rows).toBe(done);
    const res = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 5, commitItems: 20 });
    expect(res).toMatchObject({ skipped: done, computed: 60 - done });
    expectLayer(await readActivations(store, ck, 'conv1'), 'conv1', false);
  });

  it('reads latent vectors of the legacy latents table, and replaces them by layer rows when the latent layer is extracted', async () => {
    const { store, ds, ck } = await setup(10);
    // A project extracted before latents moved to the layer files: rows in the latents table.
    const vec = (i: number) => Array.from({ length: FAKE_LATENT }, (_, u) => Math.fround(fakeValue(i, 'latent', u)));
    for (const i of [0, 1, 2, 3]) {
      await store.conn.run(`INSERT INTO latents VALUES ($1, $2, $3::FLOAT[])`, [ck, TEST_BASE + i, JSON.stringify(vec(i))]);
    }
    const old = await getLatent(store, ck);
    expect(Array.from(old.itemIds)).toEqual([0, 1, 2, 3].map((i) => TEST_BASE + i));
    expectLayer(old, 'latent', false);
    // Items 2…5 get the latent layer: their legacy rows go, the union has no duplicate.
    await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: [],
      itemIds: Int32Array.from([2, 3, 4, 5], (i) => TEST_BASE + i), dtype: 'float32', batchSize: 4 });
    const legacy = await queryRows(store.conn, 'SELECT item_id FROM latents ORDER BY item_id');
    expect(legacy.map((r) => r.item_id)).toEqual([TEST_BASE, TEST_BASE + 1]);
    const both = await getLatent(store, ck);
    expect(Array.from(both.itemIds)).toEqual([0, 1, 2, 3, 4, 5].map((i) => TEST_BASE + i));
    expectLayer(both, 'latent', false);
    expect((await getLatent(store, ck, { split: 'train' })).rows).toBe(0);
    expect((await projectInfo(store)).models[0].checkpoints[0].latents).toBe(6);
  });

  it('validates its arguments', async () => {
    const { store, ds, ck } = await setup(5);
    const base = { store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32' as const, batchSize: 4 };
    await expect(runExtraction({ ...base, batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer, got 0/);
    await expect(runExtraction({ ...base, dtype: 'int8' as never })).rejects.toThrow(/dtype must be 'float32' or 'float16', got int8/);
    await expect(runExtraction({ ...base, layers: ['conv9'] })).rejects.toThrow(/conv9 is not a layer of the model; known layers: conv1/);
    await expect(runExtraction({ ...base, checkpointId: 99 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'checkpoint 99 does not exist' });
    await expect(runExtraction({ ...base, split: 'val' })).rejects.toThrow(/has no items in split "val"/);
    await expect(runExtraction({ ...base, itemIds: Int32Array.from([0, 21]) })).rejects.toThrow(/1 item ids are not in split "test" of data set 1 \(e.g. 0\)/);
    await expect(readActivations(store, NaN, 'conv1')).rejects.toThrow(/checkpointId must be an integer, got NaN/);
    await expect(getPredictions(store, 42)).rejects.toThrow(/checkpoint 42 does not exist/);
  });

  it('reports what is extracted in projectInfo', async () => {
    const { store, ds, ck, model } = await setup(24);
    await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'], dtype: 'float16', batchSize: 10 });
    const ck2 = await insertCheckpoint(store, model, { label: 'epoch-2', ordinal: 2, testAccuracy: 0.5 });
    const info = await projectInfo(store);
    expect(info.datasets[0].splits).toEqual({ train: 20, test: 24 });
    expect(info.models).toHaveLength(1);
    const [c1, c2] = info.models[0].checkpoints;
    expect(c1).toMatchObject({ id: ck, predictions: 24, latents: 24, testAccuracy: 18 / 24 });
    expect(c1.layers.map((l) => [l.name, l.items, l.bytes, l.dtypes])).toEqual([
      ['conv1', 24, 24 * 12 * 2, ['float16']], ['dense/1', 24, 24 * 5 * 2, ['float16']], ['latent', 24, 24 * FAKE_LATENT * 4, ['float32']], ['logits', 0, 0, []],
    ]);
    expect(c1.layers[0].shape).toEqual([2, 2, 3]);
    expect(c2).toMatchObject({ id: ck2, predictions: 0, testAccuracy: 0.5 });
    expect(info.activationBytes).toBe(24 * 17 * 2 + 24 * FAKE_LATENT * 4);
    const files = fs.readdirSync(path.join(store.dir, 'activations', `ckpt-${ck}`)).sort();
    expect(files).toEqual(['conv1.f16', 'dense%2f1.f16', 'latent.f32']);
  });

  it('a failure mid-pipeline keeps the committed batches, writes nothing half, and the rerun completes', async () => {
    const { store, ds, ck, dir } = await setup(30);
    // From its third call on, this runner returns a layer with the wrong width: the store refuses
    // the batch while the batch before it may still be committing and its rows being written.
    class Breaking extends FakeRunner {
      override async run(start: number, count: number, layerNames: string[]) {
        const out = await super.run(start, count, layerNames);
        if (this.calls < 3) return out;
        return { ...out, layers: out.layers.map((l) => (l.name === 'dense/1' ? { ...l, units: 4, data: l.data.subarray(0, count * 4) } : l)) };
      }
    }
    const runner = new Breaking();
    await expect(runExtraction({ store, checkpointId: ck, runner, datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'], dtype: 'float32', batchSize: 5 }))
      .rejects.toThrow(/runner returned layers|units stored, the runner returned 4|wrong size/);
    expect(runner.unreleased).toBe(0);
    const kept = (await getPredictions(store, ck)).itemIds.length;
    expect([5, 10]).toContain(kept); // the batches committed before the failure, no more
    for (const layer of ['conv1', 'dense/1']) expect((await readActivations(store, ck, layer)).rows).toBe(kept);
    const res = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'], dtype: 'float32', batchSize: 5 });
    expect(res).toMatchObject({ skipped: kept, computed: 30 - kept });
    for (const layer of ['conv1', 'dense/1']) expectLayer(await readActivations(store, ck, layer), layer, false);
    // No stray bytes: each file holds exactly its committed rows.
    expect(fs.statSync(path.join(dir, 'activations', `ckpt-${ck}`, 'conv1.f32')).size).toBe(30 * 12 * 4);
    expect(fs.statSync(path.join(dir, 'activations', `ckpt-${ck}`, 'dense%2f1.f32')).size).toBe(30 * 5 * 4);
  });

  it('truncates an uncommitted file tail on open', async () => {
    const { store, ds, ck, dir } = await setup(10);
    await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'], dtype: 'float32', batchSize: 10 });
    await store.close();
    open.length = 0;
    const file = path.join(dir, 'activations', `ckpt-${ck}`, 'conv1.f32');
    fs.appendFileSync(file, Buffer.alloc(100, 7)); // a write that never got its index row
    fs.writeFileSync(path.join(dir, 'activations', `ckpt-${ck}`, 'orphan.f32'), Buffer.alloc(48));
    const s2 = await openProject(dir);
    open.push(s2);
    expect(fs.statSync(file).size).toBe(10 * 12 * 4);
    expect(fs.existsSync(path.join(dir, 'activations', `ckpt-${ck}`, 'orphan.f32'))).toBe(false);
    expectLayer(await readActivations(s2, ck, 'conv1'), 'conv1', false);
  });
});

describe('kill and resume', () => {
  it('survives SIGKILL mid-run: every item exactly once, values intact', async () => {
    const { store, ds, ck, dir } = await setup(160);
    await store.close();
    open.length = 0;
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src-main/store/test-support/extract-child.ts'), dir, String(ck), String(ds)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const committed = await new Promise<number>((resolve, reject) => {
      let seen = 0;
      child.stdout.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) {
          if (line.startsWith('batch ')) seen = Number(line.slice(6));
          if (line === 'finished') reject(new Error('child finished before it was killed'));
        }
        if (seen >= 48) { child.kill('SIGKILL'); resolve(seen); }
      });
      child.on('exit', (code, sig) => { if (sig !== 'SIGKILL') reject(new Error(`child exited ${code}: ${stderr}`)); });
    });
    await new Promise((r) => child.once('exit', r));
    expect(committed).toBeGreaterThanOrEqual(48);

    const s2 = await openProject(dir);
    open.push(s2);
    const before = (await queryRows(s2.conn, 'SELECT count(*)::INTEGER AS n FROM predictions'))[0].n as number;
    expect(before).toBeGreaterThanOrEqual(48);
    expect(before).toBeLessThan(160);
    const res = await runExtraction({ store: s2, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test',
      layers: ['conv1', 'dense/1'], dtype: 'float16', batchSize: 16 });
    expect(res.skipped + res.computed).toBe(160);
    expect(res.skipped).toBe(before);

    const counts = await queryRows(s2.conn, `SELECT
      (SELECT count(*) FROM predictions)::INTEGER AS p, (SELECT count(DISTINCT item_id) FROM predictions)::INTEGER AS pd,
      (SELECT count(*) FROM latents)::INTEGER AS l`);
    expect(counts[0]).toEqual({ p: 160, pd: 160, l: 0 });
    for (const layer of ['conv1', 'dense/1', 'latent']) {
      const rows = await queryRows(s2.conn, `SELECT count(*)::INTEGER AS n, count(DISTINCT i)::INTEGER AS d FROM
        (SELECT unnest(item_ids) AS i FROM activation_chunks WHERE checkpoint_id = $1 AND layer = $2)`, [ck, layer]);
      expect(rows[0]).toEqual({ n: 160, d: 160 });
      const m = await readActivations(s2, ck, layer);
      expect(m.rows).toBe(160);
      expectLayer(m, layer, layer !== 'latent'); // the latent layer is float32
      const units = FAKE_LAYERS.find((l) => l.name === layer)!.units;
      const half = layer !== 'latent';
      const size = fs.statSync(path.join(dir, 'activations', `ckpt-${ck}`, `${layer.replace('/', '%2f')}.${half ? 'f16' : 'f32'}`)).size;
      expect(size).toBe(160 * units * (half ? 2 : 4)); // no stray bytes from the killed write
    }
    const p = await getPredictions(s2, ck);
    for (let i = 0; i < 160; i++) expect(p.predicted[i]).toBe(fakePredicted(i));
    const lat = await getLatent(s2, ck);
    for (let i = 0; i < 160; i++) expect(lat.data[i * FAKE_LATENT]).toBe(Math.fround(fakeValue(i, 'latent', 0)));
  });
});
