import { describe, expect, it } from 'vitest';
import { matrix } from '../core/matrix.ts';
import { createRng } from '../core/rng.ts';
import { pcaProjection, umapProjection } from './projection.ts';

function blobs(n: number, d: number, seed: number) {
  const rng = createRng(seed);
  const data = new Float32Array(n * d);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    label[i] = i % 2;
    for (let j = 0; j < d; j++) data[i * d + j] = rng.normal() * 0.3 + (j === 0 ? label[i] * 10 : 0);
  }
  return { m: matrix(n, d, data), label };
}

describe('pcaProjection', () => {
  it('puts the direction of largest variance on x', () => {
    const { m, label } = blobs(200, 5, 1);
    const { x } = pcaProjection(m);
    const mean = (c: number) => { let s = 0, k = 0; for (let i = 0; i < 200; i++) if (label[i] === c) { s += x[i]; k++; } return s / k; };
    expect(Math.abs(mean(0) - mean(1))).toBeGreaterThan(9);
  });
  it('names the row holding NaN', () => {
    const { m } = blobs(10, 3, 2);
    m.data[3 * 3 + 1] = Number.NaN;
    expect(() => pcaProjection(m)).toThrow(/row 3 holds NaN/);
  });
  it('refuses too few items', () => {
    expect(() => pcaProjection(matrix(2, 2, new Float32Array(4)))).toThrow(/at least 3 items/);
  });
});

describe('umapProjection', () => {
  it('is deterministic for a seed and separates two blobs', async () => {
    const { m, label } = blobs(120, 4, 3);
    const a = await umapProjection(m, { seed: 7, nEpochs: 50 });
    const b = await umapProjection(m, { seed: 7, nEpochs: 50 });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    // nearest neighbour in the embedding shares the label for almost every point
    let agree = 0;
    for (let i = 0; i < 120; i++) {
      let best = -1, bd = Infinity;
      for (let j = 0; j < 120; j++) if (j !== i) { const d = (a.x[i] - a.x[j]) ** 2 + (a.y[i] - a.y[j]) ** 2; if (d < bd) { bd = d; best = j; } }
      if (label[best] === label[i]) agree++;
    }
    expect(agree / 120).toBeGreaterThan(0.95);
  });
});
