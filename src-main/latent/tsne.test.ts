import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { conditionalRow, jointProbabilities, nearestNeighbours, tsne, tsneGradient } from './tsne.ts';

/** `clusters` Gaussian blobs of `per` points in `d` dimensions, centres `gap` apart on the axes. */
function blobs(clusters: number, per: number, d: number, gap: number, seed: number): { x: Float64Array; label: number[] } {
  const rng = createRng(seed);
  const n = clusters * per;
  const x = new Float64Array(n * d);
  const label: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / per);
    label.push(c);
    for (let k = 0; k < d; k++) x[i * d + k] = rng.normal() + (k === c ? gap : 0);
  }
  return { x, label };
}

describe('input affinities', () => {
  it('each conditional row has the asked perplexity (entropy ln 10) and sums to 1', () => {
    const rng = createRng(2);
    const d2 = Float64Array.from({ length: 30 }, () => rng.next() * 5);
    const out = new Float64Array(30);
    conditionalRow(d2, 10, out);
    const sum = out.reduce((a, b) => a + b, 0);
    const h = -out.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0);
    expect(sum).toBeCloseTo(1, 12);
    expect(h).toBeCloseTo(Math.log(10), 6);
  });
  it('nearest neighbours match a sort of all distances', () => {
    const { x } = blobs(2, 15, 3, 4, 3);
    const { idx, dist2 } = nearestNeighbours(x, 30, 3, 5);
    for (const i of [0, 7, 29]) {
      const all = Array.from({ length: 30 }, (_, j) => j).filter((j) => j !== i)
        .map((j) => ({ j, d: [0, 1, 2].reduce((a, c) => a + (x[i * 3 + c] - x[j * 3 + c]) ** 2, 0) }))
        .sort((a, b) => a.d - b.d).slice(0, 5);
      expect(Array.from(idx.subarray(i * 5, i * 5 + 5))).toEqual(all.map((a) => a.j));
      all.forEach((a, t) => expect(dist2[i * 5 + t]).toBeCloseTo(a.d, 9));
    }
  });
  it('joint P is symmetric and sums to 1', () => {
    const { x } = blobs(3, 10, 4, 5, 4);
    const { idx, dist2 } = nearestNeighbours(x, 30, 4, 9);
    const p = jointProbabilities(idx, dist2, 30, 9, 3);
    const get = (i: number, j: number) => {
      for (let e = p.rowPtr[i]; e < p.rowPtr[i + 1]; e++) if (p.cols[e] === j) return p.vals[e];
      return 0;
    };
    expect(p.vals.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let i = 0; i < 30; i++) for (let e = p.rowPtr[i]; e < p.rowPtr[i + 1]; e++) expect(get(p.cols[e], i)).toBeCloseTo(p.vals[e], 15);
  });
});

describe('gradient', () => {
  const { x } = blobs(3, 20, 5, 6, 5);
  const { idx, dist2 } = nearestNeighbours(x, 60, 5, 15);
  const p = jointProbabilities(idx, dist2, 60, 15, 5);
  const rng = createRng(6);
  const y = Float64Array.from({ length: 120 }, () => rng.normal());
  const exact = new Float64Array(120);
  tsneGradient(p, y, 0, 1, exact);

  it('θ = 0 is the exact gradient of KL(P‖Q) (checked by finite differences)', () => {
    const kl = (yy: Float64Array) => {
      let z = 0;
      for (let i = 0; i < 60; i++) for (let j = 0; j < 60; j++) if (i !== j) z += 1 / (1 + (yy[2 * i] - yy[2 * j]) ** 2 + (yy[2 * i + 1] - yy[2 * j + 1]) ** 2);
      let s = 0;
      for (let i = 0; i < 60; i++) for (let e = p.rowPtr[i]; e < p.rowPtr[i + 1]; e++) {
        const j = p.cols[e];
        const q = 1 / (1 + (yy[2 * i] - yy[2 * j]) ** 2 + (yy[2 * i + 1] - yy[2 * j + 1]) ** 2) / z;
        s += p.vals[e] * Math.log(p.vals[e] / q);
      }
      return s;
    };
    for (const t of [0, 17, 119]) {
      const h = 1e-6;
      const a = Float64Array.from(y); a[t] += h;
      const b = Float64Array.from(y); b[t] -= h;
      expect(exact[t]).toBeCloseTo((kl(a) - kl(b)) / (2 * h), 6);
    }
  });
  it('Barnes-Hut at θ = 0.5 stays close to the exact gradient', () => {
    const bh = new Float64Array(120);
    tsneGradient(p, y, 0.5, 1, bh);
    let num = 0, den = 0;
    for (let t = 0; t < 120; t++) { num += (bh[t] - exact[t]) ** 2; den += exact[t] ** 2; }
    expect(Math.sqrt(num / den)).toBeLessThan(0.05);
  });
});

describe('tsne', () => {
  it('keeps separated clusters apart (2-D nearest neighbour in the same cluster) and is deterministic', () => {
    const { x, label } = blobs(4, 50, 12, 8, 7);
    const n = 200;
    const ticks: number[] = [];
    const y = tsne(x, n, 12, { perplexity: 15, iterations: 300, onProgress: (i) => { ticks.push(i); } });
    let same = 0;
    for (let i = 0; i < n; i++) {
      let best = -1, bd = Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const dd = (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2;
        if (dd < bd) { bd = dd; best = j; }
      }
      if (label[best] === label[i]) same++;
    }
    expect(same / n).toBeGreaterThan(0.97);
    expect(ticks.at(-1)).toBe(300);
    expect(ticks.length).toBe(30);
    expect(Array.from(tsne(x, n, 12, { perplexity: 15, iterations: 300 }))).toEqual(Array.from(y));
  });
  it('stops when progress says so, and refuses a perplexity too large for the items', () => {
    const { x } = blobs(2, 10, 3, 5, 8);
    let calls = 0;
    tsne(x, 20, 3, { perplexity: 3, iterations: 500, onProgress: () => (++calls < 2) });
    expect(calls).toBe(2);
    expect(() => tsne(x, 20, 3, { perplexity: 30 })).toThrow(/perplexity 30 is too large for 20 items: at most 6/);
  });
});
