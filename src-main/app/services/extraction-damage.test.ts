/**
 * Damaged stores heal: after an activation file is truncated or deleted, project info reports
 * the layer as damaged with the items lost, queries refuse saying to run the extraction, and
 * `extract` (whatever layers it is asked for) recomputes exactly the lost items, after which
 * the queries answer as before the damage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, openProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { getModel, insertDataset } from '../../store/index.ts';
import { layerFileName } from '../../store/activation-files.ts';
import { FAKE_CLASSES, fakeDataset } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { initBackend } from '../../engine/backend.ts';
import { buildModel } from '../../engine/architectures.ts';
import { saveModel } from '../../engine/model-io.ts';
import { importModel } from './model-import.ts';
import { ensureActivations, extract, extractItems } from './extraction.ts';
import { requests } from '../../shared/api.ts';
import { buildProjectInfo } from './project-info.ts';
import { runQuery } from './queries.ts';

const N = 400;
const H = 16;
let dir: string;
let store: Store;

beforeAll(async () => {
  await initBackend();
  const root = tmpDir('margin-damage-');
  dir = path.join(root, 'p');
  store = await createProject(dir, { now: fakeClock() });
  await insertDataset(store, 'toy', fakeDataset({ test: N }, H, H), null);
  const lenet = buildModel('lenet5-bn', { inputShape: [H, H, 1], numClasses: FAKE_CLASSES, seed: 7 });
  const json = await saveModel(lenet, path.join(root, 'lenet'));
  lenet.dispose();
  await importModel(store, { name: 'net', path: json, checkpoint: 'epoch-1' }); // translated: runs on ONNX Runtime
  // commits of 64 items: one chunk per 64 items in each layer file
  const model = await getModel(store, 'net');
  await extractItems(store, model, model.checkpoints[0], ['relu1', 'relu2'], undefined, { batchSize: 64, commitItems: 64 });
});

afterAll(async () => {
  await store?.close();
});

describe('damaged activation files heal through extract', () => {
  it('truncation and deletion: reported with item counts, queries refuse, extract recomputes exactly the lost items, answers as before', async () => {
    const q = (layer: string) => runQuery(store, requests['query.run'].params.parse({ model: 'net', set: 'S2', layer }), { ensureActivations, save: false });
    const before = { relu1: (await q('relu1')).answer, relu2: (await q('relu2')).answer, latent: (await q('relu4')).answer };
    const cp = (await getModel(store, 'net')).checkpoints[0];
    const relu1 = (await getModel(store, 'net')).layers.find((l) => l.name === 'relu1')!;
    await store.close();

    // relu1 keeps its first 100 rows (chunks are 64 items here: 64 whole), the latent layer's file is gone
    fs.truncateSync(path.join(dir, layerFileName(cp.id, 'relu1', 'float32')), 100 * relu1.units * 4);
    fs.rmSync(path.join(dir, layerFileName(cp.id, 'relu4', 'float32')));
    store = await openProject(dir, { now: fakeClock() });
    expect(store.damage.map((d) => [d.layer, d.items])).toEqual([['relu1', N - 64], ['relu4', N]]);

    const info = await buildProjectInfo(store, false);
    const layers = info.models[0].checkpoints[0].extracted.layers;
    expect(layers.find((l) => l.layer === 'relu1')).toMatchObject({ items: N, damagedItems: N - 64, damage: expect.stringContaining(`${N - 64} of ${N} items lost`) });
    expect(layers.find((l) => l.layer === 'relu4')).toMatchObject({ damagedItems: N, damage: expect.stringMatching(/relu4\.f32 missing\)$/) });
    expect(layers.find((l) => l.layer === 'relu2')).toMatchObject({ damagedItems: 0, damage: null });

    await expect(q('relu1')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/are damaged: .*Recompute the lost items with `margin extract --model "net" --checkpoint "epoch-1"` \(in the workbench: Extract in the Model view\)/),
    });
    expect((await q('relu2')).answer).toEqual(before.relu2); // an intact layer still answers

    // asked for relu2 only: the damaged layers come along, and only the lost items are computed
    const r = await extract(store, { model: 'net', layers: ['relu2'], batchSize: 64 });
    expect(r.repaired.map((d) => [d.layer, d.items])).toEqual([['relu1', N - 64], ['relu4', N]]);
    expect(r.layers).toEqual(['relu2', 'relu1', 'relu4']);
    expect(r).toMatchObject({ total: N, computed: N, skipped: 0 }); // the latent layer was lost for every item
    expect(store.damage).toEqual([]);
    expect((await buildProjectInfo(store, false)).models[0].checkpoints[0].extracted.layers.every((l) => l.damagedItems === 0 && l.items === N)).toBe(true);
    expect((await q('relu1')).answer).toEqual(before.relu1);
    expect((await q('relu4')).answer).toEqual(before.latent);

    // a truncation alone: exactly the lost items are computed
    await store.close();
    fs.truncateSync(path.join(dir, layerFileName(cp.id, 'relu1', 'float32')), 200 * relu1.units * 4);
    store = await openProject(dir, { now: fakeClock() });
    const lost = store.damage[0].items;
    expect(lost).toBeGreaterThan(0);
    const again = await extract(store, { model: 'net', layers: [], batchSize: 64 });
    expect(again).toMatchObject({ computed: lost, skipped: N - lost });
    expect((await q('relu1')).answer).toEqual(before.relu1);
  });
});
