import { describe, expect, it } from 'vitest';
import type { Predictions } from '../../store/index.ts';
import { compareFlips } from './flips.ts';

function preds(ids: number[], truth: number[], pred: number[]): Predictions {
  const n = ids.length;
  return {
    itemIds: Int32Array.from(ids), trueLabels: Int32Array.from(truth), predicted: Int32Array.from(pred),
    correct: Uint8Array.from(pred.map((p, i) => (p === truth[i] ? 1 : 0))), confidence: new Float32Array(n),
    probs: { rows: n, cols: 2, data: new Float32Array(2 * n) }, logits: { rows: n, cols: 2, data: new Float32Array(2 * n) },
  };
}

describe('compareFlips', () => {
  // Items 1…5 under A; B lacks item 5 and has an extra item 9.
  const a = preds([1, 2, 3, 4, 5], [0, 0, 1, 1, 1], [0, 1, 1, 0, 1]);
  const b = preds([1, 2, 3, 4, 9], [0, 0, 1, 1, 0], [1, 0, 1, 1, 0]);

  it('compares on the common items: confusions, B − A, per-class accuracy, flips both ways', () => {
    const r = compareFlips(a, b, 2);
    expect(r.items).toBe(4);
    expect(r.countsA).toEqual([[1, 1], [1, 1]]);
    expect(r.countsB).toEqual([[1, 1], [0, 2]]);
    expect(r.delta).toEqual([[0, 0], [-1, 1]]);
    expect(r.accuracyA).toEqual([0.5, 0.5]);
    expect(r.accuracyB).toEqual([0.5, 1]);
    expect(r.rightToWrong).toEqual({ total: 1, items: [1] });
    expect(r.wrongToRight).toEqual({ total: 2, items: [2, 4] });
  });

  it('restricts to a sample, caps the lists, and refuses different true classes', () => {
    const r = compareFlips(a, b, 2, new Set([2, 3]), 10);
    expect(r.items).toBe(2);
    expect(r.wrongToRight.items).toEqual([2]);
    expect(compareFlips(a, b, 2, undefined, 1).wrongToRight).toEqual({ total: 2, items: [2] });
    expect(compareFlips(a, b, 2, new Set([5])).accuracyA).toEqual([null, null]);
    expect(() => compareFlips(a, preds([1], [1], [1]), 2)).toThrow(/item 1 has true class 0 under A but 1 under B/);
  });
});
