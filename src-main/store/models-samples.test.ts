import { describe, it, expect } from 'vitest';
import { insertModel, insertCheckpoint, listModels, getModel, getCheckpoint } from './models.ts';
import {
  insertSample, listSamples, getSample, saveQueryResult, saveEvalRun, listQueryResults, listEvalRuns, saveSaliency, getSaliency,
} from './samples.ts';
import { FAKE_LAYERS } from './test-support/fake-runner.ts';
import { freshStore as fresh } from './test-support/fresh-store.ts';

const MODEL = { name: 'lenet', architecture: 'lenet5-bn', sourcePath: '/m/model.json', inputShape: [28, 28, 1], numClasses: 10, latentLayer: 'latent', engine: 'wasm' };

describe('models and checkpoints', () => {
  it('round-trips models, checkpoints and layers', async () => {
    const s = await fresh();
    const id = await insertModel(s, MODEL);
    const c2 = await insertCheckpoint(s, id, { label: 'epoch-2', ordinal: 2, path: '/m/e2', modelJson: '{"a":1}', testAccuracy: 0.9, layers: FAKE_LAYERS });
    const c1 = await insertCheckpoint(s, id, { label: 'epoch-1', ordinal: 1, layers: FAKE_LAYERS });
    const list = await listModels(s);
    expect(list).toEqual([expect.objectContaining({ id, name: 'lenet', inputShape: [28, 28, 1], numClasses: 10, checkpointCount: 2, sourcePath: '/m/model.json' })]);
    const m = await getModel(s, 'lenet');
    expect(m.checkpoints.map((c) => [c.id, c.label, c.testAccuracy])).toEqual([[c1, 'epoch-1', null], [c2, 'epoch-2', 0.9]]);
    expect(m.layers).toEqual(FAKE_LAYERS);
    expect((await getCheckpoint(s, c2)).modelJson).toBe('{"a":1}');
  });

  it('rejects duplicates, unknown models, mismatched layers and bad arguments', async () => {
    const s = await fresh();
    const id = await insertModel(s, { ...MODEL, layers: FAKE_LAYERS });
    await expect(insertModel(s, MODEL)).rejects.toMatchObject({ code: 'CONFLICT', message: 'a model named "lenet" already exists (id 1): choose another name' });
    await insertCheckpoint(s, id, { label: 'e1', ordinal: 1 });
    await expect(insertCheckpoint(s, id, { label: 'e1', ordinal: 2 })).rejects.toThrow(/already has a checkpoint labelled "e1"/);
    await expect(insertCheckpoint(s, 7, { label: 'x', ordinal: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'model 7 does not exist' });
    await expect(insertCheckpoint(s, id, { label: 'e2', ordinal: 2, layers: FAKE_LAYERS.slice(1) })).rejects.toThrow(/different layer list/);
    await expect(insertCheckpoint(s, id, { label: 'e3', ordinal: 3, testAccuracy: 1.5 })).rejects.toThrow(/testAccuracy must be in \[0, 1\], got 1.5/);
    await expect(insertModel(s, { ...MODEL, name: 'b', numClasses: 1 })).rejects.toThrow(/numClasses must be an integer >= 2, got 1/);
    await expect(insertModel(s, { ...MODEL, name: 'b', inputShape: [28, -1] })).rejects.toThrow(/inputShape must be positive integers/);
    await expect(insertModel(s, { ...MODEL, name: 'b', layers: [{ ...FAKE_LAYERS[0], units: 11 }] })).rejects.toThrow(/has units 11 but shape \[2,2,3\] holds 12/);
    await expect(insertModel(s, { ...MODEL, name: 'b', latentLayer: 'zzz', layers: FAKE_LAYERS })).rejects.toThrow(/latentLayer "zzz" is not among the layers/);
    await expect(getModel(s, 99)).rejects.toThrow(/model 99 does not exist/);
  });
});

describe('samples and saved results', () => {
  it('round-trips samples with members in order and weights', async () => {
    const s = await fresh();
    const model = await insertModel(s, MODEL);
    const id = await insertSample(s, { modelId: model, name: 'u5', method: 'uniform', params: { f: 0.05 }, seed: 7, fraction: 0.05,
      seconds: 0.012, memberIds: Int32Array.from([9, 3, 5]) });
    const w = await insertSample(s, { modelId: model, name: 'mm', method: 'maxmargin-weighted', params: { j: 0.7 }, j: 0.7, fraction: 0.1,
      seconds: 1.5, memberIds: Int32Array.from([1, 2]), weights: Float64Array.from([0.25, 4]) });
    const list = await listSamples(s, model);
    expect(list.map((x) => [x.id, x.name, x.size, x.seed, x.j])).toEqual([[id, 'u5', 3, 7, null], [w, 'mm', 2, null, 0.7]]);
    const u = await getSample(s, id);
    expect(Array.from(u.memberIds)).toEqual([9, 3, 5]);
    expect(u.weights).toBeNull();
    expect(u.params).toEqual({ f: 0.05 });
    expect(Array.from((await getSample(s, w)).weights!)).toEqual([0.25, 4]);
    const empty = await insertSample(s, { modelId: model, name: 'e', method: 'eb-tree', params: {}, seconds: 0, memberIds: new Int32Array(0) });
    expect((await getSample(s, empty)).memberIds.length).toBe(0);
    await expect(insertSample(s, { modelId: model, name: 'u5', method: 'uniform', params: {}, seconds: 0, memberIds: new Int32Array(1) }))
      .rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already has a sample named "u5"/) });
    await expect(insertSample(s, { modelId: model, name: 'x', method: 'uniform', params: {}, seconds: 0, fraction: 0, memberIds: new Int32Array(1) }))
      .rejects.toThrow(/fraction must be in \(0, 1\], got 0/);
    await expect(insertSample(s, { modelId: model, name: 'x', method: 'uniform', params: {}, seconds: NaN, memberIds: new Int32Array(1) }))
      .rejects.toThrow(/seconds must be >= 0, got NaN/);
    await expect(insertSample(s, { modelId: model, name: 'x', method: 'u', params: {}, seconds: 0, memberIds: new Int32Array(2), weights: new Float64Array(1) }))
      .rejects.toThrow(/weights has 1 values for 2 members/);
    await expect(getSample(s, 123)).rejects.toThrow(/sample 123 does not exist/);
  });

  it('saves query results, eval runs and saliency maps', async () => {
    const s = await fresh();
    const q = await saveQueryResult(s, 'S1', { layer: 'conv1', k: 5 }, { top: [1, 2, 3] });
    await saveEvalRun(s, 'E1', { fractions: [0.05] }, { rows: [{ sampler: 'uniform', s1: 0.8 }] });
    expect(await listQueryResults(s)).toEqual([{ id: q, kind: 'S1', params: { layer: 'conv1', k: 5 }, result: { top: [1, 2, 3] }, created: expect.any(String) }]);
    expect((await listEvalRuns(s, 'E1'))[0].result).toEqual({ rows: [{ sampler: 'uniform', s1: 0.8 }] });
    expect(await listEvalRuns(s, 'E2')).toEqual([]);
    const f = new Float32Array([0.5, 1, 0, 2]);
    await saveSaliency(s, 1, 10, 'grad', { format: 'f32', h: 2, w: 2, data: new Uint8Array(f.buffer) });
    await saveSaliency(s, 1, 10, 'grad', { format: 'png', h: 2, w: 2, data: Uint8Array.from([137, 80, 78, 71]) }); // replaces
    expect(await getSaliency(s, 1, 10, 'grad')).toEqual({ format: 'png', h: 2, w: 2, data: Uint8Array.from([137, 80, 78, 71]) });
    expect(await getSaliency(s, 1, 11, 'grad')).toBeNull();
    await expect(saveSaliency(s, 1, 10, 'grad', { format: 'f32', h: 2, w: 2, data: new Uint8Array(3) })).rejects.toThrow(/needs 16 bytes, got 3/);
    await expect(saveQueryResult(s, '', {}, {})).rejects.toThrow(/kind must be a non-empty string/);
  });
});
