import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { insertDataset } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { insertSample, listQueryResults } from '../../store/samples.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { FakeRunner, FAKE_CLASSES, FAKE_LAYERS, fakeDataset, fakeLabel, fakePredicted, fakeValue } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { cosineDistance, jensenShannonDistance, precisionAtK, topK } from '../../queries/index.ts';
import { requests } from '../../shared/api.ts';
import type { ParamsIn } from '../../shared/api.ts';
import { clearQueryCache, flushQueryResults, runNamedQuery, runQuery } from './queries.ts';
import type { EnsureActivations, QueryDeps } from './queries.ts';
import { createQueryHandlers } from '../handlers/queries.ts';
import type { HandlerContext } from '../context.ts';

const N = 60;
const open: Store[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.close(); });

/** One project shared by the tests that only read (conv1 and dense/1 stored for every item). */
let sharedFixture: Promise<Fixture> | null = null;
function shared(): Promise<Fixture> {
  sharedFixture ??= setup({ keep: true });
  return sharedFixture;
}
afterAll(async () => { if (sharedFixture) await (await sharedFixture).store.close(); });

interface Fixture { store: Store; ds: number; ck: number; calls: Array<{ layer: string; ids: number[] }>; deps: QueryDeps }

/** A project of N test items (item id = split index) and a model with the fake runner's layers. */
async function setup(opts: { full?: string[]; keep?: boolean } = {}): Promise<Fixture> {
  const store = await createProject(tmpDir('margin-queries-'), { now: fakeClock() });
  if (!opts.keep) open.push(store);
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: N }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
    latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS });
  const ck = await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1 });
  await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test',
    layers: opts.full ?? ['conv1', 'dense/1'], dtype: 'float32', batchSize: 32 });
  const calls: Fixture['calls'] = [];
  // The fake extraction service: the store's own resumable extraction over the fake runner.
  const ensureActivations: EnsureActivations = async (s, checkpointId, layer, itemIds, o) => {
    calls.push({ layer, ids: Array.from(itemIds) });
    const r = await runExtraction({ store: s, checkpointId, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: [layer],
      itemIds, dtype: 'float32', batchSize: 32, signal: o.signal });
    const units = FAKE_LAYERS.find((l) => l.name === layer)!.units;
    return { computedItems: r.computed, computedBytes: r.computed * units * 4, seconds: r.seconds };
  };
  return { store, ds, ck, calls, deps: { ensureActivations, now: fakeClock() } };
}

const run = (f: Fixture, p: ParamsIn<'query.run'>) => runQuery(f.store, requests['query.run'].params.parse(p), f.deps);
const named = (f: Fixture, p: ParamsIn<'query.named'>) => runNamedQuery(f.store, requests['query.named'].params.parse(p), f.deps);

function units(layer: string): number {
  return FAKE_LAYERS.find((l) => l.name === layer)!.units;
}

/** Naive per-unit mean / max and argmax histogram over items, straight from the runner's formula. */
function naive(layer: string, items: number[]) {
  const u = units(layer);
  const v = (i: number, j: number) => Math.fround(fakeValue(i, layer, j));
  const mean = Array.from({ length: u }, (_, j) => items.reduce((s, i) => s + v(i, j), 0) / items.length);
  const max = Array.from({ length: u }, (_, j) => Math.max(...items.map((i) => v(i, j))));
  const hist = new Array(u).fill(0);
  for (const i of items) {
    let b = 0;
    for (let j = 1; j < u; j++) if (v(i, j) > v(i, b)) b = j;
    hist[b] += 1 / items.length;
  }
  return { mean, max, hist };
}

const itemsWhere = (f: (i: number) => boolean, from: number[] = Array.from({ length: N }, (_, i) => i)) => from.filter(f);
const correct = (i: number) => fakePredicted(i) === fakeLabel(i);

describe('runQuery: exact answers', () => {
  it('S1/S2/S3 over a subset equal a naive recomputation', async () => {
    const f = await shared();
    const items = itemsWhere((i) => fakeLabel(i) === 1 && correct(i));
    const want = naive('conv1', items);
    const s2 = await run(f, { model: 'fake', set: 'S2', layer: 'conv1', subset: { trueClass: 1, outcome: 'correct' } });
    expect(s2.answer.items).toBe(items.length);
    expect(s2.answer.shape).toEqual([2, 2, 3]);
    s2.answer.vector!.forEach((x, j) => expect(x).toBeCloseTo(want.mean[j], 6));
    expect(s2.sample).toBeUndefined();
    expect(s2.computed).toEqual({ items: 0, bytes: 0, seconds: 0 });

    const s1 = await run(f, { model: 'fake', set: 'S1', layer: 'conv1', k: 3, by: 'max', subset: { trueClass: 1, outcome: 'correct' } });
    expect(s1.answer.topK!.map((t) => t.neuron)).toEqual(Array.from(topK(want.max, 3)));
    s1.answer.topK!.forEach((t) => expect(t.score).toBeCloseTo(want.max[t.neuron], 6));

    const s3 = await run(f, { model: 'fake', set: 'S3', layer: 'dense/1', subset: { outcome: 'incorrect' } });
    const bad = naive('dense/1', itemsWhere((i) => !correct(i)));
    s3.answer.vector!.forEach((x, j) => expect(x).toBeCloseTo(bad.hist[j], 9));
    expect(s3.answer.vector!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('ad-hoc filters: predicted class, confidence range and an item list', async () => {
    const f = await shared();
    const r = await run(f, { model: 'fake', set: 'S2', layer: 'dense/1', subset: { predClass: 2, items: [0, 2, 5, 6, 7, 11, 11] } });
    const items = [0, 2, 5, 6, 7, 11].filter((i) => fakePredicted(i) === 2);
    expect(items.length).toBeGreaterThan(0);
    expect(r.answer.items).toBe(items.length);
    r.answer.vector!.forEach((x, j) => expect(x).toBeCloseTo(naive('dense/1', items).mean[j], 6));
    const none = await run(f, { model: 'fake', set: 'S1', layer: 'dense/1', subset: { confidence: [0, 0.01] } });
    expect(none.answer).toMatchObject({ items: 0, topK: [] });
  });

  it('channel granularity reduces [H, W, C] per feature map', async () => {
    const f = await shared();
    const r = await run(f, { model: 'fake', set: 'S2', layer: 'conv1', granularity: 'channel', reduce: 'max' });
    expect(r.answer.shape).toEqual([3]);
    const all = Array.from({ length: N }, (_, i) => i);
    // per item: max over the 4 positions of channel c (unit index = pos*3 + c), then mean over items
    for (let c = 0; c < 3; c++) {
      const want = all.reduce((s, i) => s + Math.max(...[0, 1, 2, 3].map((p) => Math.fround(fakeValue(i, 'conv1', p * 3 + c)))), 0) / N;
      expect(r.answer.vector![c]).toBeCloseTo(want, 6);
    }
    await expect(run(f, { model: 'fake', set: 'S2', layer: 'dense/1', granularity: 'channel' }))
      .rejects.toThrow(/granularity: 'channel' needs a convolutional layer .*layer "dense\/1" has shape \[5\]/);
  });

  it('caches exact answers and invalidates them when the store writes', async () => {
    const f = await setup({ full: ['conv1'] });
    // dense/1 is stored for 10 items only; an exact query computes the rest lazily
    await runExtraction({ store: f.store, checkpointId: f.ck, runner: new FakeRunner(), datasetId: f.ds, split: 'test', layers: ['dense/1'],
      itemIds: Int32Array.from({ length: 10 }, (_, i) => i), dtype: 'float32', batchSize: 32 });
    const a = await run(f, { model: 'fake', set: 'S2', layer: 'dense/1' });
    expect(f.calls).toEqual([{ layer: 'dense/1', ids: Array.from({ length: N - 10 }, (_, i) => i + 10) }]);
    expect(a.computed).toMatchObject({ items: N - 10, bytes: (N - 10) * 5 * 4 });
    const b = await run(f, { model: 'fake', set: 'S2', layer: 'dense/1' });
    expect(b.answer.vector).toEqual(a.answer.vector);
    expect(b.computed.items).toBe(0);
    expect(f.calls.length).toBe(1);
    clearQueryCache(f.store);
    const c = await run(f, { model: 'fake', set: 'S2', layer: 'dense/1' });
    c.answer.vector!.forEach((x, j) => expect(x).toBeCloseTo(naive('dense/1', Array.from({ length: N }, (_, i) => i)).mean[j], 6));
  });
});

describe('runQuery: sample answers', () => {
  const members = [0, 1, 3, 4, 7, 9, 12, 15, 22, 30, 31, 40, 47, 55];

  async function withSample(f: Fixture, name = 's1', ids = members) {
    await insertSample(f.store, { modelId: 1, name, method: 'uniform', params: {}, seconds: 0, memberIds: Int32Array.from(ids) });
  }

  it('carries its error against the exact answer, computed by hand', async () => {
    const f = await setup();
    await withSample(f);
    const sub = (i: number) => fakeLabel(i) === 0;
    const sItems = itemsWhere(sub, members), eItems = itemsWhere(sub);
    const s = naive('conv1', sItems), e = naive('conv1', eItems);

    const r1 = await run(f, { model: 'fake', set: 'S1', layer: 'conv1', sample: 's1', k: 4, subset: { trueClass: 0 } });
    expect(r1.answer.items).toBe(sItems.length);
    expect(r1.sample!.exact!.items).toBe(eItems.length);
    expect(r1.sample!.error).toEqual({ metric: 'precision@K', value: precisionAtK(topK(s.mean, 4), topK(e.mean, 4), 4) });
    expect(r1.sample!.confidenceInterval).toBeUndefined();

    const r2 = await run(f, { model: 'fake', set: 'S2', layer: 'conv1', sample: 's1', subset: { trueClass: 0 } });
    expect(r2.sample!.error!.metric).toBe('cosine distance');
    expect(r2.sample!.error!.value).toBeCloseTo(cosineDistance(s.mean, e.mean), 9);

    const r3 = await run(f, { model: 'fake', set: 'S3', layer: 'conv1', sample: 's1', subset: { trueClass: 0 } });
    expect(r3.sample!.error!.metric).toBe('Jensen-Shannon distance');
    expect(r3.sample!.error!.value).toBeCloseTo(jensenShannonDistance(s.hist, e.hist), 9);
    expect(f.calls).toEqual([]);
    await flushQueryResults(f.store);
    const saved = await listQueryResults(f.store, 'query.run');
    expect(saved.length).toBe(3);
    expect(saved[2].params).toMatchObject({ model: 'fake', set: 'S3', layer: 'conv1', sample: 's1', checkpoint: 'epoch-1' });
    expect(saved[2].result).toEqual(JSON.parse(JSON.stringify(r3)));
  });

  it('a subset the sample has no item of scores 0 (S1) and 1 (S2, S3)', async () => {
    const f = await setup();
    await withSample(f, 'tiny', [0, 4]); // both class 0 / 1 and correct
    const p = { model: 'fake', layer: 'dense/1', sample: 'tiny', subset: { trueClass: 2 } } as const;
    expect((await run(f, { ...p, set: 'S1' })).sample!.error!.value).toBe(0);
    expect((await run(f, { ...p, set: 'S2' })).sample!.error!.value).toBe(1);
    const r = await run(f, { ...p, set: 'S3' });
    expect(r.sample!.error!.value).toBe(1);
    expect(r.answer.items).toBe(0);
  });

  it('answers with a bootstrap interval when only the members are stored', async () => {
    const f = await setup();
    await withSample(f);
    await runExtraction({ store: f.store, checkpointId: f.ck, runner: new FakeRunner(), datasetId: f.ds, split: 'test', layers: ['logits'],
      itemIds: Int32Array.from(members), dtype: 'float32', batchSize: 32 });
    for (const set of ['S1', 'S2', 'S3'] as const) {
      const r = await run(f, { model: 'fake', set, layer: 'logits', sample: 's1', k: 2 });
      expect(r.sample!.exact).toBeUndefined();
      expect(r.sample!.error).toBeUndefined();
      const ci = r.sample!.confidenceInterval!;
      expect(ci.level).toBe(0.95);
      const est = set === 'S1' ? r.answer.topK!.map((t) => t.score) : r.answer.vector!;
      expect(ci.lower.length).toBe(est.length);
      est.forEach((x, j) => {
        expect(ci.lower[j]).toBeLessThanOrEqual(ci.upper[j]);
        expect(ci.lower[j]).toBeLessThanOrEqual(x + 0.15);
        expect(ci.upper[j]).toBeGreaterThanOrEqual(x - 0.15);
      });
    }
    // seeded: the same query gives the same interval
    const a = await run(f, { model: 'fake', set: 'S2', layer: 'logits', sample: 's1' });
    const b = await run(f, { model: 'fake', set: 'S2', layer: 'logits', sample: 's1' });
    expect(a.sample!.confidenceInterval).toEqual(b.sample!.confidenceInterval);
    expect(f.calls).toEqual([]);
  });

  it('computes missing activations for the members in the subset only, and reports them', async () => {
    const f = await setup();
    await withSample(f);
    // 'logits' has nothing stored; members 0 and 3 get it first through a partial extraction
    await runExtraction({ store: f.store, checkpointId: f.ck, runner: new FakeRunner(), datasetId: f.ds, split: 'test', layers: ['logits'],
      itemIds: Int32Array.of(0, 3), dtype: 'float32', batchSize: 32 });
    const r = await run(f, { model: 'fake', set: 'S2', layer: 'logits', sample: 's1', subset: { trueClass: 0 } });
    const want = itemsWhere((i) => fakeLabel(i) === 0 && i !== 0 && i !== 3, members);
    expect(f.calls).toEqual([{ layer: 'logits', ids: want }]);
    expect(r.computed.items).toBe(want.length);
    expect(r.computed.bytes).toBe(want.length * 3 * 4);
    expect(r.sample!.confidenceInterval).toBeDefined(); // the other class-0 items are still not stored
    r.answer.vector!.forEach((x, j) => expect(x).toBeCloseTo(naive('logits', itemsWhere((i) => fakeLabel(i) === 0, members)).mean[j], 6));
    const again = await run(f, { model: 'fake', set: 'S1', layer: 'logits', sample: 's1', subset: { trueClass: 0 } });
    expect(again.computed.items).toBe(0);
    expect(f.calls.length).toBe(1);
  });
});

describe('runQuery: bad input', () => {
  it('names the argument and the valid choices', async () => {
    const f = await shared();
    const base = { model: 'fake', set: 'S1', layer: 'conv1' } as const;
    await expect(run(f, { ...base, model: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^model: no model named "nope" in this project; known models: fake/) });
    await expect(run(f, { ...base, checkpoint: 'epoch-9' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^checkpoint: model "fake" has no checkpoint labelled "epoch-9"; its checkpoints: epoch-1/) });
    await expect(run(f, { ...base, layer: 'conv9' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^layer: model "fake" has no layer "conv9"; its layers: conv1, dense\/1, latent, logits/) });
    await expect(run(f, { ...base, subset: { trueClass: 3 } })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^subset.trueClass: 3 is not a class of model "fake", which has 3 classes \(0–2\)/) });
    await expect(run(f, { ...base, subset: { predClass: 7 } })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^subset.predClass: 7/) });
    await expect(run(f, { ...base, subset: { items: [1, 999] } })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^subset.items: 1 item id\(s\) have no prediction .*999/) });
    await expect(run(f, { ...base, subset: { confidence: [0.9, 0.1] } })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^subset.confidence/) });
    await expect(run(f, { ...base, sample: 'missing' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^sample: model "fake" has no sample named "missing"; it has no samples yet/) });
    expect(f.calls).toEqual([]);
  });
});

describe('runNamedQuery', () => {
  const all = Array.from({ length: N }, (_, i) => i);

  it('Q1 per-class means, Q2/Q5 top-k, Q3 incorrect vs correct, Q4 logits vs layer', async () => {
    const f = await shared();
    const q1 = await named(f, { query: 'Q1', model: 'fake', layer: 'dense/1' });
    const d1 = q1.data as { classNames: string[]; matrix: number[][]; counts: number[] };
    expect(d1.classNames).toEqual(['class-0', 'class-1', 'class-2']);
    expect(d1.counts).toEqual([0, 1, 2].map((c) => itemsWhere((i) => fakeLabel(i) === c).length));
    d1.matrix[2].forEach((x, j) => expect(x).toBeCloseTo(naive('dense/1', itemsWhere((i) => fakeLabel(i) === 2)).mean[j], 6));
    expect(q1.title).toMatch(/Per-class/);

    const q2 = (await named(f, { query: 'Q2', model: 'fake', layer: 'conv1', k: 3 })).data as { topK: Array<{ neuron: number; score: number }>; histogram: number[] };
    const bad = naive('conv1', itemsWhere((i) => !correct(i)));
    expect(q2.topK.map((t) => t.neuron)).toEqual(Array.from(topK(bad.mean, 3)));
    q2.histogram.forEach((x, j) => expect(x).toBeCloseTo(bad.hist[j], 9));

    const q3 = (await named(f, { query: 'Q3', model: 'fake', layer: 'conv1', classA: 1 })).data as { incorrect: number[]; correct: number[]; cosineDistance: number; counts: { incorrect: number; correct: number } };
    const inc = naive('conv1', itemsWhere((i) => fakeLabel(i) === 1 && !correct(i)));
    expect(q3.counts.incorrect).toBe(itemsWhere((i) => fakeLabel(i) === 1 && !correct(i)).length);
    q3.incorrect.forEach((x, j) => expect(x).toBeCloseTo(inc.mean[j], 6));
    expect(q3.cosineDistance).toBeGreaterThanOrEqual(0);

    const q4 = (await named(f, { query: 'Q4', model: 'fake', layer: 'dense/1', classA: 0 })).data as { correlation: number[]; cka: number; items: number };
    expect(q4.items).toBe(itemsWhere((i) => fakeLabel(i) === 0).length);
    expect(q4.correlation.length).toBe(5);
    q4.correlation.forEach((r) => expect(Math.abs(r)).toBeLessThanOrEqual(1));
    expect(q4.cka).toBeGreaterThanOrEqual(0);

    const q5 = (await named(f, { query: 'Q5', model: 'fake', layer: 'conv1', classA: 0, classB: 1, k: 2 })).data as { topK: Array<{ neuron: number }>; items: number };
    const cell = itemsWhere((i) => fakeLabel(i) === 0 && fakePredicted(i) === 1);
    expect(q5.items).toBe(cell.length);
    expect(q5.topK.map((t) => t.neuron)).toEqual(Array.from(topK(naive('conv1', cell).mean, 2)));
    expect(all.length).toBe(N);
  });

  it('answers from a sample, computing only the members', async () => {
    const f = await setup();
    await insertSample(f.store, { modelId: 1, name: 's', method: 'uniform', params: {}, seconds: 0, memberIds: Int32Array.of(5, 1, 9, 20) });
    const q1 = (await named(f, { query: 'Q1', model: 'fake', layer: 'logits', sample: 's' })).data as { counts: number[]; matrix: Array<number[] | null> };
    expect(f.calls).toEqual([{ layer: 'logits', ids: [1, 5, 9, 20] }]);
    expect(q1.counts.reduce((a, b) => a + b, 0)).toBe(4);
    q1.matrix[1]!.forEach((x, j) => expect(x).toBeCloseTo(naive('logits', itemsWhere((i) => fakeLabel(i) === 1, [1, 5, 9, 20])).mean[j], 6));
  });

  it('Q6 per-class accuracy over checkpoints and Q7 CKA between two models', async () => {
    const f = await setup();
    const ck2 = await insertCheckpoint(f.store, 1, { label: 'epoch-2', ordinal: 2 });
    await runExtraction({ store: f.store, checkpointId: ck2, runner: new FakeRunner(), datasetId: f.ds, split: 'test', layers: [], dtype: 'float32', batchSize: 64 });
    const q6 = (await named(f, { query: 'Q6', model: 'fake' })).data as { checkpoints: string[]; accuracy: number[][]; firstReaching: number[]; classNames: string[] };
    expect(q6.checkpoints).toEqual(['epoch-1', 'epoch-2']);
    const acc = [0, 1, 2].map((c) => itemsWhere((i) => fakeLabel(i) === c && correct(i)).length / itemsWhere((i) => fakeLabel(i) === c).length);
    expect(q6.accuracy[0]).toEqual(acc);
    expect(q6.accuracy[1]).toEqual(acc);
    expect(q6.firstReaching).toEqual([0, 0, 0]);

    const m2 = await insertModel(f.store, { name: 'twin', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
      latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS.filter((l) => l.name === 'dense/1' || l.name === 'latent' || l.name === 'logits') });
    const c2 = await insertCheckpoint(f.store, m2, { label: 'final', ordinal: 1 });
    await runExtraction({ store: f.store, checkpointId: c2, runner: new FakeRunner(), datasetId: f.ds, split: 'test', layers: ['dense/1'], dtype: 'float32', batchSize: 64 });
    const q7 = (await named(f, { query: 'Q7', model: 'fake', checkpoint: 'epoch-1', model2: 'twin' })).data as { layersA: string[]; layersB: string[]; cka: number[][]; items: number; subset: string };
    // Q7 compares the main layers: the logits layer is left out
    expect(q7).toMatchObject({ layersA: ['conv1', 'dense/1', 'latent'], layersB: ['dense/1', 'latent'], items: N, subset: 'random' });
    expect(q7.cka[1][0]).toBeCloseTo(1, 9); // the same layer computed by the same runner
    expect(q7.cka[2][1]).toBeCloseTo(1, 9);
    for (const row of q7.cka) for (const x of row) expect(x).toBeGreaterThanOrEqual(-1e-12);
    // two checkpoints of one model: checkpoint2 without model2
    await runExtraction({ store: f.store, checkpointId: ck2, runner: new FakeRunner(), datasetId: f.ds, split: 'test', layers: ['dense/1'], dtype: 'float32', batchSize: 64 });
    const byCk = (await named(f, { query: 'Q7', model: 'fake', checkpoint: 'epoch-1', checkpoint2: 'epoch-2' })).data as { layersB: string[]; cka: number[][] };
    expect(byCk.layersB).toEqual(['conv1', 'dense/1', 'latent']);
    expect(byCk.cka[1][1]).toBeCloseTo(1, 9); // the fake runner ignores the checkpoint
    await expect(named(f, { query: 'Q7', model: 'fake', checkpoint2: 'epoch-7' })).rejects.toThrow(/^checkpoint2: model "fake" has no checkpoint labelled "epoch-7"/);
    // missing layers were computed through ensureActivations (the latent layer is stored by every extraction)
    expect(f.calls.map((c) => c.layer).sort()).toEqual(['conv1']);
  });

  it('refuses missing or bad arguments', async () => {
    const f = await shared();
    await expect(named(f, { query: 'Q1', model: 'fake' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^layer: Q1 needs a layer of model "fake" \(one of conv1, dense\/1, latent, logits\)/) });
    await expect(named(f, { query: 'Q3', model: 'fake', layer: 'conv1' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^classA: Q3 needs classA/) });
    await expect(named(f, { query: 'Q5', model: 'fake', layer: 'conv1', classA: 0, classB: 5 })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^classB: 5 is not a class of model "fake"/) });
    await expect(named(f, { query: 'Q7', model: 'fake' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^model2: Q7 compares two representations; pass model2 .* or checkpoint2/) });
    await expect(named(f, { query: 'Q7', model: 'fake', model2: 'ghost' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^model2: no model named "ghost"/) });
    await expect(named(f, { query: 'Q2', model: 'fake', layer: 'conv1', sample: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^sample: /) });
  });
});

describe('query handlers', () => {
  it('serve query.run and query.named on the open project', async () => {
    const f = await setup();
    const ctx = { workspace: { requireStore: () => f.store } } as unknown as HandlerContext;
    const h = createQueryHandlers({ ensureActivations: f.deps.ensureActivations })(ctx);
    const r = await h['query.run']!(requests['query.run'].params.parse({ model: 'fake', set: 'S2', layer: 'logits' }));
    expect(r.answer.items).toBe(N);
    expect(f.calls.length).toBe(1); // 'logits' was not stored: computed for the whole (exact) subset
    const q = await h['query.named']!(requests['query.named'].params.parse({ query: 'Q2', model: 'fake', layer: 'logits', k: 2 }));
    expect(q.query).toBe('Q2');
  });
});
