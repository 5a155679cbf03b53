import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from './backend.ts';
import { trainModel, evaluate, type EpochLogs } from './train.ts';
import { loadModel } from './model-io.ts';
import { createRng } from '../core/rng.ts';
import { MarginError } from '../shared/errors.ts';

let tmp: string;
beforeAll(async () => {
  await initBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'margin-train-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Separable toy data: class k is a bright horizontal band in rows [4k, 4k+4) plus noise. */
function toy(n: number, seed: number): { pixels: Uint8Array; labels: Int32Array } {
  const rng = createRng(seed);
  const pixels = new Uint8Array(n * 16 * 16);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = rng.int(4);
    labels[i] = k;
    for (let r = 0; r < 16; r++) {
      for (let c = 0; c < 16; c++) {
        const band = r >= 4 * k && r < 4 * k + 4 ? 160 : 0;
        pixels[i * 256 + r * 16 + c] = Math.min(255, band + rng.int(80));
      }
    }
  }
  return { pixels, labels };
}

const shape = { height: 16, width: 16, channels: 1, pixelScale: 255 };

describe('trainModel', () => {
  it('one epoch on 512 toy items beats chance by far, saves a checkpoint, reports progress', async () => {
    const train = toy(512, 1);
    const val = toy(200, 2);
    const epochs: EpochLogs[] = [];
    let lastBatch = [0, 0];
    const { model, history } = await trainModel({
      arch: 'lenet5-bn', ...train, ...shape, epochs: 1, batchSize: 32, seed: 1, learningRate: 0.01,
      validation: val, checkpointDir: path.join(tmp, 'ck'),
      onEpoch: (_e, logs) => { epochs.push(logs); },
      onBatch: (done, total) => { lastBatch = [done, total]; },
      now: (() => { let t = 0; return () => (t += 500); })(),
    });
    expect(history).toHaveLength(1);
    expect(epochs[0]).toBe(history[0]);
    expect(lastBatch).toEqual([16, 16]);
    const h = history[0];
    expect(h.epoch).toBe(1);
    expect(Number.isFinite(h.loss)).toBe(true);
    expect(h.accuracy).toBeGreaterThan(0.5); // chance is 0.25
    expect(h.valAccuracy!).toBeGreaterThan(0.5);
    // The injected clock: the 16 batches sit between two consecutive clock reads of 500 ms.
    expect(h.seconds).toBeCloseTo(0.5, 6);
    expect(h.imagesPerSecond).toBeCloseTo(1024, 6);
    expect(h.checkpoint).toBe(path.join(tmp, 'ck', 'epoch-1', 'model.json'));
    expect(existsSync(path.join(tmp, 'ck', 'epoch-1', 'weights.bin'))).toBe(true);
    const back = await loadModel(h.checkpoint!);
    const a = evaluate(model, val.pixels, val.labels, shape);
    const b = evaluate(back, val.pixels, val.labels, shape);
    expect(b.accuracy).toBe(a.accuracy);
    expect(a.accuracy).toBeCloseTo(h.valAccuracy!, 10);
    model.dispose();
    back.dispose();
  });

  it('is deterministic for a seed (mlp)', async () => {
    const train = toy(128, 3);
    const run = async (): Promise<number[]> => {
      const { model, history } = await trainModel({ arch: 'mlp', ...train, ...shape, epochs: 1, batchSize: 32, seed: 9 });
      const w = Array.from(model.getLayer('fc3').getWeights()[0].dataSync().slice(0, 20));
      model.dispose();
      return [history[0].loss, ...w];
    };
    expect(await run()).toEqual(await run());
  });

  it('stops when the signal aborts and leaves no tensors', async () => {
    const train = toy(256, 4);
    const before = tf.memory().numTensors;
    const ctl = new AbortController();
    const err = await trainModel({
      arch: 'mlp', ...train, ...shape, epochs: 2, batchSize: 32, seed: 1, signal: ctl.signal,
      onBatch: (done) => { if (done === 3) ctl.abort(); },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MarginError);
    expect((err as MarginError).code).toBe('CANCELLED');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad arguments', async () => {
    const t = toy(4, 1);
    const base = { arch: 'mlp' as const, ...t, ...shape, epochs: 1, batchSize: 2, seed: 1 };
    await expect(trainModel({ ...base, labels: new Int32Array(0), pixels: new Uint8Array(0) })).rejects.toThrow(/labels is empty/);
    await expect(trainModel({ ...base, pixels: new Uint8Array(10) })).rejects.toThrow(/pixels has 10 values, expected labels\.length·H·W·C = 4·256 = 1024/);
    await expect(trainModel({ ...base, epochs: 0 })).rejects.toThrow(/epochs must be a positive integer, got 0/);
    await expect(trainModel({ ...base, labels: Int32Array.from([0, 1, -1, 2]) })).rejects.toThrow(/labels\[2\] = -1 is not a non-negative class index/);
    await expect(trainModel({ ...base, numClasses: 2 })).rejects.toThrow(/numClasses must be an integer ≥ 2 and above every label/);
    await expect(trainModel({ ...base, arch: 'vgg' as 'mlp' })).rejects.toThrow(/arch must be one of lenet5-bn, mlp, got "vgg"/);
  });
});
