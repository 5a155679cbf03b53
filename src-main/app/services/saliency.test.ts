import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { createProject } from '../../store/project.ts';
import type { Store } from '../../store/project.ts';
import { getSaliency, insertCheckpoint, insertDataset, insertModel } from '../../store/index.ts';
import { FAKE_CLASSES, fakeDataset, fakeLabel } from '../../store/test-support/fake-runner.ts';
import { fakeClock, tmpDir } from '../../store/test-support/tmp.ts';
import { initBackend } from '../../engine/backend.ts';
import { buildModel } from '../../engine/architectures.ts';
import { saveModel } from '../../engine/model-io.ts';
import { describeModel } from '../../engine/inspect.ts';
import { computeSaliency } from '../../engine/saliency.ts';
import {
  SALIENCY_METHOD, cachedSaliencyModels, disposeSaliencyModels, pngDataUrl, saliencyMaps, saliencyPng, type SaliencyDeps,
} from './saliency.ts';

const N = 20;
let fixture: Promise<{ store: Store; ck: number; pixels: Uint8Array }> | null = null;

/** A project whose checkpoint is a real (untrained) 4×4 MLP saved in TF.js layers format. */
async function setup() {
  await initBackend();
  const store = await createProject(tmpDir('margin-saliency-'), { now: fakeClock() });
  const data = fakeDataset({ test: N });
  const ds = await insertDataset(store, 'toy', data, null);
  const model = buildModel('mlp', { inputShape: [4, 4, 1], numClasses: FAKE_CLASSES, seed: 3 });
  const json = await saveModel(model, path.join(store.dir, 'models', 'mlp', 'epoch-1'));
  const desc = describeModel(model);
  model.dispose();
  const m = await insertModel(store, { name: 'mlp', architecture: 'mlp', inputShape: [4, 4, 1], numClasses: FAKE_CLASSES,
    latentLayer: desc.latentLayer, engine: 'tfjs', datasetId: ds, split: 'test', layers: desc.layers });
  const ck = await insertCheckpoint(store, m, { label: 'epoch-1', ordinal: 1, path: path.relative(store.dir, json) });
  return { store, ck, pixels: data.splits[0].pixels as Uint8Array };
}
const get = () => (fixture ??= setup());
afterAll(async () => {
  if (!fixture) return;
  const { store } = await fixture;
  await disposeSaliencyModels();
  await store.close();
});

describe('saliencyMaps', () => {
  it('computes |∂ true-class logit / ∂ input| on the checkpoint model once, stores it, then reads it back', async () => {
    const { store, ck, pixels } = await get();
    let calls = 0;
    const deps: SaliencyDeps = { compute: (...a) => { calls++; return computeSaliency(...a); } };
    const ids = [5, 2, 7];
    const first = await saliencyMaps(store, ck, ids, deps);
    expect(calls).toBe(1);
    expect(first.map((m) => [m.itemId, m.h, m.w, m.computed])).toEqual([[5, 4, 4, true], [2, 4, 4, true], [7, 4, 4, true]]);
    expect(cachedSaliencyModels(store)).toBe(1);

    // The same numbers as the engine on the same items (item id = split index here).
    const { loadModel } = await import('../../engine/model-io.ts');
    const model = await loadModel(path.join(store.dir, 'models', 'mlp', 'epoch-1', 'model.json'));
    const px = new Uint8Array(ids.length * 16);
    ids.forEach((id, i) => px.set(pixels.subarray(id * 16, id * 16 + 16), i * 16));
    const want = computeSaliency(model, px, Int32Array.from(ids, fakeLabel), { height: 4, width: 4, channels: 1, pixelScale: 255 });
    model.dispose();
    first.forEach((m, i) => m.values.forEach((x, j) => expect(x).toBeCloseTo(want.heatmap[i * 16 + j], 6)));
    expect(first.every((m) => m.values.every((x) => x >= 0 && Number.isFinite(x)))).toBe(true);

    const stored = await getSaliency(store, ck, 2, SALIENCY_METHOD);
    expect(stored).toMatchObject({ format: 'f32', h: 4, w: 4 });

    // Second look: nothing recomputed; a new item alone is computed; recompute forces it.
    const again = await saliencyMaps(store, ck, [2, 5, 7, 2], deps);
    expect(calls).toBe(1);
    expect(again.map((m) => m.computed)).toEqual([false, false, false, false]);
    expect(Array.from(again[0].values)).toEqual(Array.from(first[1].values));
    const mixed = await saliencyMaps(store, ck, [5, 9], deps);
    expect(calls).toBe(2);
    expect(mixed.map((m) => m.computed)).toEqual([false, true]);
    await saliencyMaps(store, ck, [5], { ...deps, recompute: true });
    expect(calls).toBe(3);
  });

  it('encodes a map as a PNG of the asked size', async () => {
    const { store, ck } = await get();
    const [m] = await saliencyMaps(store, ck, [1]);
    const png = PNG.sync.read(saliencyPng(m, 32));
    expect([png.width, png.height]).toEqual([32, 32]);
    expect(pngDataUrl(saliencyPng(m))).toMatch(/^data:image\/png;base64,iVBOR/);
  });

  it('handles empty input and rejects bad arguments and unknown items', async () => {
    const { store, ck } = await get();
    expect(await saliencyMaps(store, ck, [])).toEqual([]);
    await expect(saliencyMaps(store, ck, [1.5])).rejects.toThrow(/saliencyMaps: itemIds must be a list of non-negative integer item ids/);
    await expect(saliencyMaps(store, ck, [NaN])).rejects.toThrow(/itemIds must be/);
    await expect(saliencyMaps(store, Number.NaN, [1])).rejects.toThrow(/saliencyMaps: checkpointId must be an integer, got NaN/);
    await expect(saliencyMaps(store, ck, [3, 999])).rejects.toThrow(/items: 999 is not an item of this project/);
    await expect(saliencyMaps(store, 77, [3])).rejects.toThrow(/checkpoint 77 does not exist/);
  });

  it('disposeSaliencyModels frees the cached models', async () => {
    const { store } = await get();
    await disposeSaliencyModels(store);
    expect(cachedSaliencyModels(store)).toBe(0);
  });
});
