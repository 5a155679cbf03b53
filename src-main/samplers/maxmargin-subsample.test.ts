import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { selectTwoEnds } from './allocate.ts';
import { maxMarginScores } from './maxmargin.ts';
import { makeBlobs } from './synthetic.ts';

describe('MaxMargin for large N: SVMs and sigmoids trained on a subsample, every item scored', () => {
  const input = makeBlobs({ n: 1500, d: 8, k: 3, seed: 4, separation: 3 });
  const n = input.latent.rows;

  it('scores all items, ranks them close to the full fit, and is the same for a seed', () => {
    const full = maxMarginScores(input);
    const sub = maxMarginScores(input, { fitMaxItems: 500 });
    expect(full.fittedOn).toBe(n);
    expect(sub.fittedOn).toBe(500);
    expect(sub.logRatio.length).toBe(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < 3; c++) s += sub.probabilities[i * 3 + c];
      expect(s).toBeCloseTo(1, 12);
    }
    let agree = 0;
    for (let i = 0; i < n; i++) if (sub.group[i] === full.group[i]) agree++;
    expect(agree / n).toBeGreaterThan(0.9); // misaligned rows would agree on ~1/3
    const a = selectTwoEnds(full.group, full.logRatio, 3, 75, 0.7).members;
    const b = new Set(selectTwoEnds(sub.group, sub.logRatio, 3, 75, 0.7).members);
    expect(Array.from(a).filter((i) => b.has(i)).length).toBeGreaterThan(19); // 5× the ~3.75 of two unrelated samples
    const again = maxMarginScores(input, { fitMaxItems: 500 });
    expect(Array.from(again.logRatio)).toEqual(Array.from(sub.logRatio));
  });
});
