import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from './backend.ts';
import { buildModel } from './architectures.ts';
import { saveModel } from './model-io.ts';
import { createRunner } from './runner.ts';
import { MarginError } from '../shared/errors.ts';
import { createRng } from '../core/rng.ts';

let tmp: string;
let modelJsonPath: string;
const N = 40;
const rng = createRng(5);
const pixels = Uint8Array.from({ length: N * 16 * 16 }, () => rng.int(256));
const base = { pixels, height: 16, width: 16, channels: 1, pixelScale: 255, batchSize: 8 };

beforeAll(async () => {
  await initBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'margin-runner-'));
  const m = buildModel('lenet5-bn', { inputShape: [16, 16, 1], numClasses: 3, seed: 6 });
  modelJsonPath = await saveModel(m, path.join(tmp, 'm'));
  m.dispose();
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('createRunner', () => {
  it('two worker threads return the same batches, in order, as the in-thread runner', async () => {
    const layers = ['conv1', 'relu4', 'logits'];
    const local = await createRunner({ ...base, modelJsonPath, workers: 0 });
    const pool = await createRunner({ ...base, modelJsonPath, workers: 2 });
    try {
      expect(local.engine).toBe('wasm');
      expect(pool.engine).toBe('wasm');
      expect(pool.workers).toBe(2);
      const starts = [0, 10, 20, 30];
      const [a, b] = await Promise.all([
        Promise.all(starts.map((s) => local.run(s, 10, layers))),
        Promise.all(starts.map((s) => pool.run(s, 10, layers))),
      ]);
      for (let k = 0; k < starts.length; k++) {
        expect(b[k].count).toBe(10);
        expect(Array.from(b[k].logits)).toEqual(Array.from(a[k].logits));
        expect(Array.from(b[k].predicted)).toEqual(Array.from(a[k].predicted));
        expect(Array.from(b[k].latent)).toEqual(Array.from(a[k].latent));
        expect(b[k].layers.map((l) => l.name)).toEqual(layers);
        expect(Array.from(b[k].layers[0].data)).toEqual(Array.from(a[k].layers[0].data));
      }
      // Batches differ from each other (so "in order" is a real check).
      expect(Array.from(b[0].logits)).not.toEqual(Array.from(b[1].logits));
      // Errors from a worker come back as MarginError.
      const err = await pool.run(35, 10, layers).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MarginError);
      expect((err as MarginError).message).toMatch(/items \[35, 45\) are outside the data set of 40 items/);
      // And the pool keeps working after an error.
      expect((await pool.run(0, 2, [])).count).toBe(2);
    } finally {
      await local.close();
      await pool.close();
    }
    await expect(pool.run(0, 1, [])).rejects.toThrow(/the runner is closed/);
  });

  it('reports a bad model file from the workers as BAD_INPUT', async () => {
    await expect(createRunner({ ...base, modelJsonPath: path.join(tmp, 'missing.json'), workers: 1 })).rejects.toThrow(/missing\.json: TF\.js model\.json not found/);
    await expect(createRunner({ ...base, modelJsonPath, workers: 0, height: 8, width: 8, pixels: new Uint8Array(64) })).rejects.toThrow(/expects input of shape \[batch, 16, 16, 1\]/);
  });

  it('rejects bad arguments', async () => {
    await expect(createRunner({ ...base, modelJsonPath, workers: -1 })).rejects.toThrow(/workers must be a non-negative integer, got -1/);
    await expect(createRunner({ ...base, modelJsonPath, pixels: new Uint8Array(100) })).rejects.toThrow(/pixels has 100 values, not a multiple of H·W·C = 256/);
  });
});
