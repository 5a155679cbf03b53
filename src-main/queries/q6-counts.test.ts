import { describe, expect, it } from 'vitest';
import { createRng, shuffleInPlace } from '../core/rng.ts';
import { SUM_BLOCK } from './aggregates.ts';
import { q6FromCounts, q6LearningSpeed } from './named.ts';
import { checkQ6Input, q6CombineBlocks, q6Counts } from './q6-counts.ts';

describe('Q6 counts in blocks (as from cluster tasks)', () => {
  const n = 2 * SUM_BLOCK + 333, T = 4, C = 5;
  const rng = createRng(12);
  const trueLabel = Int32Array.from({ length: n }, () => Math.floor(rng.next() * C));
  // Accuracy rising over checkpoints, class 4 never right.
  const predictions = Array.from({ length: T }, (_, t) => Int32Array.from(trueLabel, (c) => (c !== 4 && rng.next() < 0.4 + 0.15 * t ? c : (c + 1) % C)));

  it('adds per-block counts, in any arrival order and with a block delivered twice, into the local answer exactly', () => {
    const local = q6LearningSpeed(predictions, trueLabel, { numClasses: C });
    const blocks = Math.ceil(n / SUM_BLOCK);
    const shares = Array.from({ length: blocks }, (_, b) => {
      const from = b * SUM_BLOCK, to = Math.min(n, from + SUM_BLOCK);
      const labels = trueLabel.slice(from, to);
      return { block: b, ...q6Counts(predictions.map((p) => p.slice(from, to)), labels, checkQ6Input(predictions.map((p) => p.slice(from, to)), labels, C)) };
    });
    for (let seed = 1; seed <= 3; seed++) {
      const arrived = shuffleInPlace([...shares, shares[seed % blocks]], createRng(seed));
      const got = q6FromCounts(q6CombineBlocks(arrived, blocks, C, T), T);
      expect(Array.from(got.accuracy.data)).toEqual(Array.from(local.accuracy.data));
      expect(Array.from(got.firstReaching)).toEqual(Array.from(local.firstReaching));
      expect(Array.from(got.counts)).toEqual(Array.from(local.counts));
    }
    expect(local.firstReaching[4]).toBe(-1);
    expect(() => q6CombineBlocks(shares.slice(0, 2), blocks, C, T)).toThrow(/block 2 of 3 is missing/);
    const changed = { ...shares[0], hits: Int32Array.from(shares[0].hits, (v) => v + 1) };
    expect(() => q6CombineBlocks([...shares, changed], blocks, C, T)).toThrow(/block 0 was delivered twice with different numbers/);
  });

  it('refuses labels the local query refuses', () => {
    expect(() => checkQ6Input([], trueLabel, C)).toThrow(/one Int32Array of predicted labels per checkpoint/);
    expect(() => checkQ6Input([new Int32Array(3)], trueLabel, C)).toThrow(/predictions\[0\] must be an Int32Array with 4429 entries/);
    expect(() => checkQ6Input([new Int32Array(2)], Int32Array.of(0, 7), C)).toThrow(/trueLabel has class 7 but numClasses is 5/);
    expect(() => checkQ6Input([new Int32Array(2)], Int32Array.of(0, -1), C)).toThrow(/trueLabel\[1\] = -1/);
    expect(() => checkQ6Input([new Int32Array(0)], new Int32Array(0), C)).toThrow(/non-empty/);
  });
});
