import { afterAll, describe, expect, it } from 'vitest';
import { createProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { insertDataset } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel } from '../../store/models.ts';
import { insertSample } from '../../store/samples.ts';
import { runExtraction } from '../../store/extract-job.ts';
import { FakeRunner, FAKE_CLASSES, FAKE_LAYERS, fakeDataset, fakeLabel, fakePredicted, fakeValue } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { toChannels } from '../../queries/granularity.ts';
import { requests, type ParamsIn } from '../../shared/api.ts';
import type { EnsureActivations } from './queries.ts';
import { inspectNeuron, neuronCount, topKIndices, type NeuronDeps } from './neurons.ts';
import { cachedSaliencyModels, type SaliencyDeps } from './saliency.ts';
import { createNeuronHandlers } from '../handlers/neurons.ts';
import type { HandlerContext } from '../context.ts';

const N = 60;
const SUB = 40; // conv1 is stored for items 0…39 only; dense/1 for all

interface Fixture { store: Store; ck: number; ensured: number[][]; deps: NeuronDeps }

async function setup(): Promise<Fixture> {
  const store = await createProject(tmpDir('margin-neurons-'), { now: fakeClock() });
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: N }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
    latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS, datasetId: ds, split: 'test' });
  const ck = await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1, path: 'models/fake/epoch-1/model.json' });
  await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['dense/1'], dtype: 'float32', batchSize: 32 });
  await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1'],
    itemIds: Int32Array.from({ length: SUB }, (_, i) => i), dtype: 'float32', batchSize: 32 });
  await insertSample(store, { modelId: model, name: 'odd', method: 'uniform', params: {}, seconds: 0,
    memberIds: Int32Array.from([41, 43, 45, 47, 49, 51, 3, 5]) });
  const ensured: number[][] = [];
  const ensureActivations: EnsureActivations = async (s, checkpointId, layer, itemIds, o) => {
    ensured.push(Array.from(itemIds));
    const r = await runExtraction({ store: s, checkpointId, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: [layer],
      itemIds, dtype: 'float32', batchSize: 32, signal: o.signal });
    return { computedItems: r.computed, computedBytes: 0, seconds: r.seconds };
  };
  // A stand-in model and saliency: the map of item i is constant i (checks order and storage).
  const saliency: SaliencyDeps = {
    load: async () => ({ dispose() {} }) as never,
    compute: (_m, pixels, classes, o) => {
      const hw = o.height * o.width;
      const heatmap = new Float32Array(classes.length * hw);
      for (let i = 0; i < classes.length; i++) heatmap.fill(pixels[i * hw] + 1, i * hw, (i + 1) * hw);
      return { count: classes.length, gradients: new Float32Array(pixels.length), heatmap };
    },
    // The neuron's gradient: non-zero on rows 1–2, columns 0–1 only (a 2×2 receptive field), item i's value i + 1.
    computeNeuron: (_m, _pixels, count, _target, o) => {
      const hw = o.height * o.width;
      const heat = new Float32Array(count * hw);
      for (let i = 0; i < count; i++) for (const [y, x] of [[1, 0], [1, 1], [2, 0], [2, 1]]) heat[i * hw + y * o.width + x] = i + 1;
      return heat;
    },
  };
  return { store, ck, ensured, deps: { ensureActivations, saliency, now: fakeClock() } };
}

let fixture: Promise<Fixture> | null = null;
const get = () => (fixture ??= setup());
afterAll(async () => { if (fixture) await (await fixture).store.close(); });

const inspect = async (p: ParamsIn<'neuron.inspect'>) => {
  const f = await get();
  return inspectNeuron(f.store, requests['neuron.inspect'].params.parse(p), f.deps);
};

/** Naive ranking: every item, value of the neuron, sorted descending (ties by id). */
function naiveTop(items: number[], value: (i: number) => number, k: number) {
  return items.map((i) => ({ i, v: value(i) })).sort((a, b) => b.v - a.v || a.i - b.i).slice(0, k);
}
const v = (layer: string) => (i: number, u: number) => Math.fround(fakeValue(i, layer, u));

describe('inspectNeuron', () => {
  it('unit granularity: top-k over every stored item equals a naive scan, with labels and images', async () => {
    const r = await inspect({ model: 'fake', layer: 'dense/1', neuron: 2, k: 7, saliency: false });
    const want = naiveTop(Array.from({ length: N }, (_, i) => i), (i) => v('dense/1')(i, 2), 7);
    expect(r.searched).toBe(N);
    expect(r.items.map((x) => x.itemId)).toEqual(want.map((w) => w.i));
    r.items.forEach((x, j) => {
      expect(x.value).toBeCloseTo(want[j].v, 6);
      expect(x.trueLabel).toBe(fakeLabel(x.itemId));
      expect(x.predicted).toBe(fakePredicted(x.itemId));
      expect(x.confidence).toBeGreaterThan(1 / FAKE_CLASSES);
      expect(x.thumbnail).toMatch(/^data:image\/png;base64,/);
      expect(x.saliency).toBeUndefined();
    });
    expect(r).toMatchObject({ model: 'fake', checkpoint: 'epoch-1', layer: 'dense/1', neuron: 2, granularity: 'unit', classNames: ['class-0', 'class-1', 'class-2'] });
    expect(r.seconds).toBeGreaterThanOrEqual(0);
  });

  it('channel granularity ranks by the feature map mean or max (as toChannels reduces)', async () => {
    const f = await get();
    const items = Array.from({ length: SUB }, (_, i) => i); // only those have conv1 stored
    const rows = new Float32Array(SUB * 12);
    items.forEach((i) => { for (let u = 0; u < 12; u++) rows[i * 12 + u] = v('conv1')(i, u); });
    for (const reduce of ['mean', 'max'] as const) {
      const ch = toChannels({ rows: SUB, cols: 12, data: rows }, [2, 2, 3], reduce);
      const r = await inspectNeuron(f.store, requests['neuron.inspect'].params.parse({ model: 'fake', layer: 'conv1', neuron: 1, granularity: 'channel', reduce, k: 5, saliency: false }), f.deps);
      const want = naiveTop(items, (i) => ch.data[i * 3 + 1], 5);
      expect(r.searched).toBe(SUB);
      expect(r.granularity).toBe('channel');
      expect(r.items.map((x) => x.itemId)).toEqual(want.map((w) => w.i));
      r.items.forEach((x, j) => expect(x.value).toBeCloseTo(want[j].v, 5));
    }
  });

  it('over a sample: computes the missing members lazily and searches only the members', async () => {
    const f = await get();
    const members = [41, 43, 45, 47, 49, 51, 3, 5];
    const r = await inspect({ model: 'fake', layer: 'conv1', neuron: 4, sample: 'odd', k: 3, saliency: false });
    expect(f.ensured.at(-1)).toEqual(members); // asked for every member; only 41…51 were missing
    expect(r.searched).toBe(members.length);
    expect(r.items.map((x) => x.itemId)).toEqual(naiveTop(members, (i) => v('conv1')(i, 4), 3).map((w) => w.i));
  });

  it('saliency maps are computed once, stored, and reused', async () => {
    const f = await get();
    let calls = 0;
    const counting: NeuronDeps = { ...f.deps, saliency: { ...f.deps.saliency, compute: (...a) => { calls++; return f.deps.saliency!.compute!(...a); } } };
    const p = requests['neuron.inspect'].params.parse({ model: 'fake', layer: 'dense/1', neuron: 0, k: 4, saliencyOf: 'class' });
    const a = await inspectNeuron(f.store, p, counting);
    expect(a.saliencyOf).toBe('class');
    expect(calls).toBe(1);
    a.items.forEach((x) => expect(x.saliency).toMatch(/^data:image\/png;base64,/));
    const b = await inspectNeuron(f.store, p, counting);
    expect(calls).toBe(1);
    expect(b.items.map((x) => x.saliency)).toEqual(a.items.map((x) => x.saliency));
  });

  it('saliency of the neuron by default, with its receptive field in the input frame', async () => {
    const r = await inspect({ model: 'fake', layer: 'dense/1', neuron: 0, k: 3 });
    expect(r.saliencyOf).toBe('neuron');
    expect(r.receptiveField).toEqual({ top: 1, left: 0, height: 2, width: 2 });
    expect(r.input).toEqual({ height: 4, width: 4 });
    r.items.forEach((x) => expect(x.saliency).toMatch(/^data:image\/png;base64,/));
  });

  it('searches only the subset asked about (class, outcome, items), and the sample members in it', async () => {
    const all = Array.from({ length: N }, (_, i) => i);
    const ofClass1 = all.filter((i) => fakeLabel(i) === 1);
    const r = await inspect({ model: 'fake', layer: 'dense/1', neuron: 2, k: 5, saliency: false, subset: { trueClass: 1 } });
    expect(r.searched).toBe(ofClass1.length);
    expect(r.subset).toMatchObject({ trueClass: 1 });
    expect(r.items.map((x) => x.itemId)).toEqual(naiveTop(ofClass1, (i) => v('dense/1')(i, 2), 5).map((w) => w.i));
    const wrong = all.filter((i) => fakePredicted(i) !== fakeLabel(i));
    const w = await inspect({ model: 'fake', layer: 'dense/1', neuron: 2, k: 3, saliency: false, subset: { outcome: 'incorrect' } });
    expect(w.searched).toBe(wrong.length);
    w.items.forEach((x) => expect(x.predicted).not.toBe(x.trueLabel));
    const picked = await inspect({ model: 'fake', layer: 'conv1', neuron: 4, k: 2, saliency: false, sample: 'odd', subset: { items: [41, 43, 3, 10] } });
    expect(picked.searched).toBe(3); // 10 is not a member of "odd"
    await expect(inspect({ model: 'fake', layer: 'dense/1', neuron: 2, subset: { items: [5, 9999] } })).rejects.toThrow(/1 item id\(s\) have no prediction for checkpoint "epoch-1".*belongs to another model or checkpoint/);
    const none = await inspect({ model: 'fake', layer: 'dense/1', neuron: 2, saliency: false, subset: { trueClass: 0, predClass: 0, outcome: 'incorrect' } });
    expect(none.searched).toBe(0);
    expect(none.items).toEqual([]);
  });

  it('rejects a neuron index outside the layer, naming the range', async () => {
    await expect(inspect({ model: 'fake', layer: 'dense/1', neuron: 5 })).rejects.toThrow(/neuron: 5 is out of range; layer dense\/1 \(shape \[5\]\) has 5 units, so choose 0…4/);
    await expect(inspect({ model: 'fake', layer: 'conv1', neuron: 3, granularity: 'channel' })).rejects.toThrow(/has 3 channels, so choose 0…2/);
    await expect(inspect({ model: 'fake', layer: 'conv1', neuron: 11, saliency: false })).resolves.toMatchObject({ neuron: 11 });
    await expect(inspect({ model: 'fake', layer: 'conv1', neuron: 12 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('names unknown layers, samples and layers without stored activations', async () => {
    await expect(inspect({ model: 'fake', layer: 'nope', neuron: 0 })).rejects.toThrow(/nope is not a layer of the model; choose from conv1, dense\/1, latent, logits/);
    await expect(inspect({ model: 'fake', layer: 'logits', neuron: 0 })).rejects.toThrow(/no activations of layer logits are stored for checkpoint epoch-1 of "fake"/);
    await expect(inspect({ model: 'fake', layer: 'conv1', neuron: 0, sample: 'none' })).rejects.toThrow(/model "fake" has no sample "none"; choose one of odd/);
    await expect(inspect({ model: 'other', layer: 'conv1', neuron: 0 })).rejects.toThrow(/no model "other"/);
  });
});

describe('neuron handlers', () => {
  it('answer neuron.inspect on the open project and free loaded models when the project changes', async () => {
    const f = await get();
    let changed: (() => void) | null = null;
    const ctx = {
      workspace: { requireStore: () => f.store, onChange: (l: () => void) => { changed = l; return () => {}; } },
      now: fakeClock(),
    } as unknown as HandlerContext;
    const h = createNeuronHandlers({ ensureActivations: f.deps.ensureActivations, saliency: f.deps.saliency })(ctx);
    const r = await h['neuron.inspect']!(requests['neuron.inspect'].params.parse({ model: 'fake', layer: 'dense/1', neuron: 1, k: 2 }));
    expect(r.items).toHaveLength(2);
    expect(r.items[0].saliency).toMatch(/^data:image\/png;base64,/);
    expect(cachedSaliencyModels(f.store)).toBe(1);
    changed!();
    await new Promise((res) => setTimeout(res, 0));
    expect(cachedSaliencyModels(f.store)).toBe(0);
  });
});

describe('helpers', () => {
  it('topKIndices skips NaN, breaks ties by id, handles empty input and k above n', () => {
    const vals = [1, NaN, 3, 3, -Infinity, 2];
    const ids = [10, 11, 12, 5, 14, 15];
    expect(topKIndices(vals, ids, 3)).toEqual([3, 2, 5]);
    expect(topKIndices(vals, ids, 10)).toEqual([3, 2, 5, 0, 4]);
    expect(topKIndices([], [], 5)).toEqual([]);
  });

  it('neuronCount: units, or channels of a feature map; dense layers have units at both granularities', () => {
    expect(neuronCount(FAKE_LAYERS[0], 'unit')).toBe(12);
    expect(neuronCount(FAKE_LAYERS[0], 'channel')).toBe(3);
    expect(neuronCount(FAKE_LAYERS[1], 'channel')).toBe(5);
  });
});
