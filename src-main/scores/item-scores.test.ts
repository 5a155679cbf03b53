import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { computeItemScores, hardness, meanKnnDistance, mistakenness, representativeness, uniqueness } from './item-scores.ts';

const m = (rows: number, cols: number, v: number[]) => ({ rows, cols, data: Float32Array.from(v) });

describe('item scores against their definitions', () => {
  it('hardness = entropy / log k: 0 for a certain prediction, 1 for a uniform one, hand value in between', () => {
    const h = hardness(m(3, 2, [1, 0, 0.5, 0.5, 0.9, 0.1]));
    expect(h[0]).toBeCloseTo(0, 12);
    expect(h[1]).toBeCloseTo(1, 6);
    // −(0.9 ln 0.9 + 0.1 ln 0.1) / ln 2 = 0.4689955936
    expect(h[2]).toBeCloseTo(0.4689955936, 6);
  });
  it('mistakenness = largest probability of a class other than the true one', () => {
    const p = m(2, 3, [0.7, 0.2, 0.1, 0.1, 0.3, 0.6]);
    const s = mistakenness(p, Int32Array.from([0, 2]));
    expect(s[0]).toBeCloseTo(0.2, 6);
    expect(s[1]).toBeCloseTo(0.3, 6);
  });
  it('mean k-NN distance matches brute force; uniqueness is it over its maximum', () => {
    // Points on a line: 0, 1, 3, 7 → nearest-2 mean distances: (1+3)/2, (1+2)/2, (2+3)/2, (4+6)/2.
    const line = m(4, 1, [0, 1, 3, 7]);
    expect(Array.from(meanKnnDistance(line, 2))).toEqual([2, 1.5, 2.5, 5]);
    expect(Array.from(uniqueness(line, 2))).toEqual([0.4, 0.3, 0.5, 1]);
    // Random 2-D points vs an O(n²) reference.
    const rng = createRng(4);
    const n = 70, d = 5;
    const x = Array.from({ length: n * d }, () => rng.normal());
    const got = meanKnnDistance(m(n, d, x), 3);
    const xf = Float32Array.from(x);
    for (let i = 0; i < n; i++) {
      const ds: number[] = [];
      for (let j = 0; j < n; j++) if (j !== i) { let s = 0; for (let a = 0; a < d; a++) s += (xf[i * d + a] - xf[j * d + a]) ** 2; ds.push(Math.sqrt(s)); }
      ds.sort((a, b) => a - b);
      expect(got[i]).toBeCloseTo((ds[0] + ds[1] + ds[2]) / 3, 4);
    }
  });
  it('representativeness = 1 − distance to the predicted-class centre / the class maximum', () => {
    // Class 0 at 0, 2, 4 (centre 2, max distance 2); class 1 at 10, 12 (centre 11, max 1).
    const r = representativeness(m(5, 1, [0, 2, 4, 10, 12]), Int32Array.from([0, 0, 0, 1, 1]), 2);
    expect(Array.from(r)).toEqual([0, 1, 0, 0, 0]);
    const r2 = representativeness(m(4, 1, [0, 1, 4, 10]), Int32Array.from([0, 0, 0, 1]), 2);
    // centre 5/3: distances 5/3, 2/3, 7/3 → 1 − d / (7/3)
    expect(r2[0]).toBeCloseTo(1 - 5 / 7, 6);
    expect(r2[1]).toBeCloseTo(1 - 2 / 7, 6);
    expect(r2[3]).toBe(1); // a class of one item sits at its own centre
  });
  it('computeItemScores validates shapes and returns all four in [0, 1]', () => {
    const latent = m(4, 1, [0, 1, 3, 7]);
    const probs = m(4, 2, [0.9, 0.1, 0.6, 0.4, 0.2, 0.8, 0.5, 0.5]);
    const s = computeItemScores({ latent, probs, trueLabels: Int32Array.from([0, 0, 1, 1]), predLabels: Int32Array.from([0, 0, 1, 0]), numClasses: 2 }, { k: 2 });
    for (const v of [s.hardness, s.mistakenness, s.uniqueness, s.representativeness]) for (const x of v) { expect(x).toBeGreaterThanOrEqual(0); expect(x).toBeLessThanOrEqual(1); }
    expect(() => computeItemScores({ latent, probs: m(3, 2, [0, 1, 0, 1, 0, 1]), trueLabels: new Int32Array(4), predLabels: new Int32Array(4), numClasses: 2 }))
      .toThrow(/probs must be 4 × 2/);
  });
});
