import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from './backend.ts';
import { buildModel } from './architectures.ts';
import { saveModel, loadModel, checkInputShape } from './model-io.ts';
import { MarginError } from '../shared/errors.ts';
import { createRng } from '../core/rng.ts';

let tmp: string;
beforeAll(async () => {
  await initBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'margin-model-io-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function randomInput(n: number, h: number, w: number, c: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * h * w * c }, () => rng.next()), [n, h, w, c]);
}

async function expectBadInput(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MarginError);
  expect((err as MarginError).code).toBe('BAD_INPUT');
  expect((err as MarginError).message).toMatch(re);
}

describe('saveModel / loadModel', () => {
  it('round trip gives identical outputs and layer names', async () => {
    const m = buildModel('lenet5-bn', { inputShape: [16, 16, 1], numClasses: 4, seed: 3 });
    const dir = path.join(tmp, 'rt');
    const file = await saveModel(m, dir);
    expect(file).toBe(path.join(dir, 'model.json'));
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect((await fs.stat(path.join(dir, 'weights.bin'))).size).toBe(m.countParams() * 4);
    const back = await loadModel(file);
    expect(back.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    const x = randomInput(5, 16, 16, 1, 1);
    const a = (m.predict(x) as tf.Tensor).dataSync();
    const b = (back.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    tf.dispose([x]);
    m.dispose();
    back.dispose();
  });

  it('rejects a missing file, non-JSON, malformed JSON, a missing and a short weight file', async () => {
    await expectBadInput(loadModel(path.join(tmp, 'nope', 'model.json')), /nope\/model\.json: TF\.js model\.json not found/);
    const bad = path.join(tmp, 'bad');
    await fs.mkdir(bad, { recursive: true });
    await fs.writeFile(path.join(bad, 'model.json'), 'not json {');
    await expectBadInput(loadModel(path.join(bad, 'model.json')), /bad\/model\.json is not JSON/);
    await fs.writeFile(path.join(bad, 'model.json'), JSON.stringify({ weightsManifest: [] }));
    await expectBadInput(loadModel(path.join(bad, 'model.json')), /bad\/model\.json has no modelTopology/);
    await fs.writeFile(path.join(bad, 'model.json'), JSON.stringify({ modelTopology: {} }));
    await expectBadInput(loadModel(path.join(bad, 'model.json')), /bad\/model\.json has no valid weightsManifest/);

    const m = buildModel('mlp', { inputShape: [4, 4, 1], numClasses: 2, seed: 1 });
    const dir = path.join(tmp, 'broken');
    const file = await saveModel(m, dir);
    m.dispose();
    const weights = await fs.readFile(path.join(dir, 'weights.bin'));
    await fs.writeFile(path.join(dir, 'weights.bin'), weights.subarray(0, weights.length - 8));
    await expectBadInput(loadModel(file), /weight file .*broken\/weights\.bin is truncated: .* lists \d+ bytes of weights but the shards hold \d+/);
    await fs.rm(path.join(dir, 'weights.bin'));
    await expectBadInput(loadModel(file), /weight file .*broken\/weights\.bin listed in .*model\.json is missing/);
  });

  it('checkInputShape accepts a matching data set and names the mismatch otherwise', () => {
    const m = buildModel('mlp', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    expect(() => checkInputShape(m, { height: 28, width: 28, channels: 1 })).not.toThrow();
    expect(() => checkInputShape(m, { height: 8, width: 8, channels: 1 })).toThrow(
      /expects input of shape \[batch, 28, 28, 1\] but the data set has images of 8×8×1 \(height×width×channels\)\. What would fit: a model whose input is 8×8×1, or one trained here on this data set \(Model view → Train a model, or margin train --arch mlp\)/,
    );
    m.dispose();
  });
});
