import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, afterEach } from 'vitest';
import { createProject, openProject } from './project.ts';
import { insertDataset } from './datasets.ts';
import { insertModel, insertCheckpoint } from './models.ts';
import { runExtraction } from './extract-job.ts';
import { readActivations, activationView } from './activations.ts';
import { getLatent } from './predictions.ts';
import { projectInfo } from './project-info.ts';
import { findDamage, repairDamage } from './activation-damage.ts';
import { layerFileName } from './activation-files.ts';
import { FakeRunner, FAKE_LAYERS, FAKE_CLASSES, fakeDataset } from './test-support/fake-runner.ts';
import { tmpDir, fakeClock } from './test-support/tmp.ts';
import type { Store } from './project.ts';

const N = 100;
const BATCH = 16; // one chunk per 16 items
const open: Store[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.close(); });

async function extracted(): Promise<{ dir: string; ds: number; ck: number; before: Map<string, Float32Array> }> {
  const dir = tmpDir();
  const store = await createProject(dir, { now: fakeClock() });
  const ds = await insertDataset(store, 'toy', fakeDataset({ test: N }), null);
  const model = await insertModel(store, { name: 'fake', architecture: 'fake-net', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES, latentLayer: 'latent', engine: 'cpu', layers: FAKE_LAYERS });
  const ck = await insertCheckpoint(store, model, { label: 'epoch-1', ordinal: 1 });
  await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'], dtype: 'float32', batchSize: BATCH });
  const before = new Map<string, Float32Array>();
  for (const l of ['conv1', 'dense/1', 'latent']) before.set(l, Float32Array.from((await readActivations(store, ck, l)).data));
  await store.close();
  return { dir, ds, ck, before };
}

async function reopen(dir: string): Promise<Store> {
  const s = await openProject(dir, { now: fakeClock() });
  open.push(s);
  return s;
}

const conv1Units = FAKE_LAYERS.find((l) => l.name === 'conv1')!.units;

describe('damaged activation files', () => {
  it('a truncated file: found at open, reported with the items lost, reads refuse with what to do, extraction recomputes exactly the lost items', async () => {
    const { dir, ds, ck, before } = await extracted();
    const file = path.join(dir, layerFileName(ck, 'conv1', 'float32'));
    // 40 rows remain: chunks 0 and 1 (items 0–31) are whole, chunk 2 is cut, the rest are gone
    fs.truncateSync(file, 40 * conv1Units * 4);
    const store = await reopen(dir);
    expect(store.damage).toEqual([expect.objectContaining({ checkpointId: ck, layer: 'conv1', items: N - 32, indexed: N, chunks: [2, 3, 4, 5, 6] })]);
    const info = await projectInfo(store);
    const layers = info.models[0].checkpoints[0].layers;
    expect(layers.find((l) => l.name === 'conv1')).toMatchObject({ items: N, damagedItems: N - 32 });
    expect(layers.find((l) => l.name === 'conv1')!.damage).toMatch(/^68 of 100 items lost \(activations\/ckpt-\d+\/conv1\.f32 truncated: 1,920 of 4,800 bytes\)$/);
    expect(layers.find((l) => l.name === 'dense/1')).toMatchObject({ damagedItems: 0, damage: null });

    const refusal = {
      code: 'CONFLICT',
      message: expect.stringMatching(/^activations of layer conv1 of model "fake" @ epoch-1 are damaged: 68 of 100 items lost .*Recompute the lost items with `margin extract --model "fake" --checkpoint "epoch-1"` \(in the workbench: Extract in the Model view\), then run this again$/),
      details: expect.objectContaining({ layer: 'conv1', damagedItems: 68 }),
    };
    await expect(readActivations(store, ck, 'conv1')).rejects.toMatchObject(refusal);
    await expect(activationView(store, ck, 'conv1')).rejects.toMatchObject(refusal);
    // a few items all in whole chunks still read; one in a damaged chunk does not
    const ids = (await readActivations(store, ck, 'dense/1')).itemIds;
    const fine = await readActivations(store, ck, 'conv1', ids.slice(0, 5));
    expect(Array.from(fine.data)).toEqual(Array.from(before.get('conv1')!.subarray(0, 5 * conv1Units)));
    await expect(readActivations(store, ck, 'conv1', ids.slice(50, 52))).rejects.toMatchObject(refusal);

    const dropped = await repairDamage(store, ck);
    expect(dropped.map((d) => [d.layer, d.items])).toEqual([['conv1', 68]]);
    const res = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'], dtype: 'float32', batchSize: BATCH });
    expect(res).toMatchObject({ total: N, skipped: 32, computed: 68 });
    expect(await findDamage(store)).toEqual([]);
    expect(fs.statSync(file).size).toBe(N * conv1Units * 4); // cut back to the whole chunks, then appended
    for (const l of ['conv1', 'dense/1', 'latent']) expect(Array.from((await readActivations(store, ck, l)).data)).toEqual(Array.from(before.get(l)!));
  });

  it('a deleted file (the latent layer): every item reported lost, latent reads refuse, extraction recomputes all of them', async () => {
    const { dir, ds, ck, before } = await extracted();
    fs.rmSync(path.join(dir, layerFileName(ck, 'latent', 'float32')));
    const store = await reopen(dir);
    expect(store.damage.map((d) => [d.layer, d.items, d.files.map((f) => f.problem)])).toEqual([['latent', N, ['missing']]]);
    const info = await projectInfo(store);
    expect(info.models[0].checkpoints[0].layers.find((l) => l.name === 'latent')).toMatchObject({ damagedItems: N, damage: expect.stringMatching(/^100 of 100 items lost \(activations\/ckpt-\d+\/latent\.f32 missing\)$/) });
    expect(info.models[0].checkpoints[0].latents).toBe(0); // the latent vectors were in that file
    await expect(getLatent(store, ck)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('are damaged: 100 of 100 items lost') });

    await repairDamage(store, ck);
    const res = await runExtraction({ store, checkpointId: ck, runner: new FakeRunner(), datasetId: ds, split: 'test', layers: ['conv1', 'dense/1'], dtype: 'float32', batchSize: BATCH });
    expect(res).toMatchObject({ skipped: 0, computed: N });
    expect(await findDamage(store)).toEqual([]);
    for (const l of ['conv1', 'dense/1', 'latent']) expect(Array.from((await readActivations(store, ck, l)).data)).toEqual(Array.from(before.get(l)!));
    expect(Array.from((await getLatent(store, ck)).data)).toEqual(Array.from(before.get('latent')!));
  });

  it('an intact project (and one being written to: files longer than the index) shows no damage', async () => {
    const { dir, ck } = await extracted();
    fs.appendFileSync(path.join(dir, layerFileName(ck, 'conv1', 'float32')), Buffer.alloc(64)); // an uncommitted tail
    const store = await openProject(dir, { readOnly: true });
    open.push(store);
    expect(store.damage).toEqual([]);
    expect(await findDamage(store)).toEqual([]);
  });
});
