import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import type { Matrix } from '../core/matrix.ts';
import { linearCka } from './cka.ts';
import { cosineDistance } from './metrics.ts';
import {
  q1PerClassMean, q2TopKIncorrect, q3IncorrectVsCorrect, q4LogitLayerSimilarity, q5ConfusedNeurons, q6LearningSpeed,
  q7ModelSimilarity, selectItems,
} from './named.ts';
import type { ItemMeta } from './named.ts';

// 6 items, 3 classes. Items 1 and 4 are misclassified (0→1, 1→2).
const meta: ItemMeta = {
  trueLabel: Int32Array.of(0, 0, 1, 1, 1, 2),
  predLabel: Int32Array.of(0, 1, 1, 1, 2, 2),
  confidence: Float32Array.of(0.9, 0.4, 0.8, 0.95, 0.5, 0.7),
};
// 3 units per item
const layer: Matrix<Float32Array> = {
  rows: 6, cols: 3,
  data: Float32Array.of(
    1, 0, 0,
    0, 4, 2,
    0, 1, 0,
    0, 3, 0,
    5, 0, 1,
    2, 2, 2,
  ),
};

describe('selectItems', () => {
  it('combines every condition', () => {
    expect(Array.from(selectItems(meta))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(selectItems(meta, { trueClass: 1 }))).toEqual([2, 3, 4]);
    expect(Array.from(selectItems(meta, { outcome: 'incorrect' }))).toEqual([1, 4]);
    expect(Array.from(selectItems(meta, { trueClass: 1, outcome: 'correct' }))).toEqual([2, 3]);
    expect(Array.from(selectItems(meta, { predClass: 2 }))).toEqual([4, 5]);
    expect(Array.from(selectItems(meta, { confidence: [0.5, 0.8] }))).toEqual([2, 4, 5]);
    expect(Array.from(selectItems(meta, { items: Int32Array.of(5, 3, 3, 1), outcome: 'correct' }))).toEqual([5, 3]);
    expect(selectItems(meta, { trueClass: 7 }).length).toBe(0);
  });
  it('honours an explicit correct flag', () => {
    expect(Array.from(selectItems({ ...meta, correct: [1, 1, 1, 1, 1, 0] }, { outcome: 'incorrect' }))).toEqual([5]);
  });
  it('rejects bad filters and metadata', () => {
    expect(() => selectItems(meta, { outcome: 'wrong' as 'all' })).toThrow(/outcome must be 'correct', 'incorrect' or 'all', got wrong/);
    expect(() => selectItems(meta, { confidence: [0.9, 0.1] })).toThrow(/confidence must be a range \[lo, hi\] with lo ≤ hi/);
    expect(() => selectItems({ ...meta, confidence: undefined }, { confidence: [0, 1] })).toThrow(/needs meta.confidence/);
    expect(() => selectItems(meta, { trueClass: -1 })).toThrow(/trueClass must be a non-negative integer, got -1/);
    expect(() => selectItems(meta, { items: Int32Array.of(6) })).toThrow(/items\[0\] = 6 is outside/);
    expect(() => selectItems({ ...meta, predLabel: Int32Array.of(1) })).toThrow(/meta.predLabel must be an Int32Array with 6 entries/);
  });
});

describe('Q1–Q5', () => {
  it('Q1: per-class means, NaN rows for empty classes', () => {
    const r = q1PerClassMean(layer, meta, { numClasses: 4 });
    expect(Array.from(r.counts)).toEqual([2, 3, 1, 0]);
    expect(Array.from(r.means.data.slice(0, 9))).toEqual([0.5, 2, 1, 5 / 3, 4 / 3, 1 / 3, 2, 2, 2]);
    expect(r.means.data.slice(9).every(Number.isNaN)).toBe(true);
    const correctOnly = q1PerClassMean(layer, meta, { outcome: 'correct', within: Int32Array.of(0, 1, 2) });
    expect(Array.from(correctOnly.counts)).toEqual([1, 1, 0]);
    expect(() => q1PerClassMean(layer, meta, { numClasses: 2 })).toThrow(/has class 2 but numClasses is 2/);
  });

  it('Q2: top-k over incorrectly classified items', () => {
    // items 1 and 4: means [2.5, 2, 1.5]; max [5, 4, 2]
    const r = q2TopKIncorrect(layer, meta, { k: 2 });
    expect(r.count).toBe(2);
    expect(Array.from(r.top)).toEqual([0, 1]);
    expect(Array.from(r.values)).toEqual([2.5, 2]);
    expect(Array.from(q2TopKIncorrect(layer, meta, { k: 1, trueClass: 0 }).top)).toEqual([1]);
    expect(q2TopKIncorrect(layer, meta, { k: 1, trueClass: 2 }).count).toBe(0);
    expect(() => q2TopKIncorrect(layer, meta, { k: 0 })).toThrow(/k must be a positive integer/);
  });

  it('Q3: class a incorrect vs correct, with their cosine distance', () => {
    const r = q3IncorrectVsCorrect(layer, meta, { classA: 1 });
    expect([r.incorrectCount, r.correctCount]).toEqual([1, 2]);
    expect(Array.from(r.incorrect!)).toEqual([5, 0, 1]);
    expect(Array.from(r.correct!)).toEqual([0, 2, 0]);
    expect(r.cosineDistance).toBe(1);
    const none = q3IncorrectVsCorrect(layer, meta, { classA: 2 });
    expect(none.incorrect).toBeNull();
    expect(none.cosineDistance).toBeNull();
    expect(Array.from(none.correct!)).toEqual([2, 2, 2]);
    const c0 = q3IncorrectVsCorrect(layer, meta, { classA: 0 });
    expect(c0.cosineDistance).toBeCloseTo(cosineDistance([0, 4, 2], [1, 0, 0]), 14);
  });

  it('Q5: neurons for items of class a predicted as b', () => {
    const r = q5ConfusedNeurons(layer, meta, { classA: 1, classB: 2, k: 2 });
    expect(r.count).toBe(1);
    expect(Array.from(r.top)).toEqual([0, 2]);
    expect(Array.from(r.histogram!)).toEqual([1, 0, 0]);
    const empty = q5ConfusedNeurons(layer, meta, { classA: 2, classB: 0, k: 2 });
    expect([empty.count, empty.top.length, empty.histogram]).toEqual([0, 0, null]);
  });

  it('rejects a layer that does not cover every item', () => {
    expect(() => q2TopKIncorrect({ rows: 5, cols: 3, data: new Float32Array(15) }, meta, { k: 1 }))
      .toThrow(/layer has 5 rows but meta describes 6 items/);
  });
});

describe('Q4', () => {
  it('correlates the class-a logit with each unit and gives the CKA', () => {
    const n = 50;
    const rng = createRng(3);
    const trueLabel = new Int32Array(n); // all class 0
    const logit = Float64Array.from({ length: n }, () => rng.normal());
    const lay = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      lay[i * 3] = 2 * logit[i] + 1; // perfectly correlated
      lay[i * 3 + 1] = rng.normal(); // unrelated
      lay[i * 3 + 2] = 5; // constant
    }
    const logits = { rows: n, cols: 2, data: Float64Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? logit[k >> 1] : 0)) };
    const layerM = { rows: n, cols: 3, data: lay };
    const r = q4LogitLayerSimilarity(layerM, logits, { trueLabel, predLabel: trueLabel }, { classA: 0 });
    expect(r.count).toBe(n);
    expect(r.correlation[0]).toBeCloseTo(1, 6);
    expect(Math.abs(r.correlation[1])).toBeLessThan(0.4);
    expect(r.correlation[2]).toBe(0);
    expect(r.strongest[0]).toBe(0);
    expect(r.cka).toBeCloseTo(linearCka({ rows: n, cols: 1, data: logit }, layerM), 12);
    expect(r.cka).toBeGreaterThan(0.5);
    expect(() => q4LogitLayerSimilarity(layerM, logits, { trueLabel, predLabel: trueLabel }, { classA: 2 })).toThrow(/classA must be a class index in \[0, 2\), got 2/);
    expect(() => q4LogitLayerSimilarity(layer, { rows: 6, cols: 3, data: new Float32Array(18) }, meta, { classA: 2 }))
      .toThrow(/Q4 needs at least 2 items of class 2, found 1/);
  });
});

describe('Q6', () => {
  it('builds per-class accuracy curves and the first checkpoint reaching 90 % of the final accuracy', () => {
    const trueLabel = Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1);
    const predictions = [
      Int32Array.of(0, 0, 0, 1, 0, 0, 0, 0), // class 0: 3/4, class 1: 0
      Int32Array.of(0, 0, 0, 0, 0, 0, 1, 1), // 1, 0.5
      Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1), // 1, 1
    ];
    const r = q6LearningSpeed(predictions, trueLabel, { numClasses: 3 });
    expect(Array.from(r.accuracy.data.slice(0, 6))).toEqual([0.75, 1, 1, 0, 0.5, 1]);
    expect(r.accuracy.data.slice(6).every(Number.isNaN)).toBe(true);
    expect(Array.from(r.firstReaching)).toEqual([1, 2, -1]);
    expect(r.meanAccuracy[0]).toBeCloseTo(2.75 / 3, 14);
    expect(Array.from(q6LearningSpeed(predictions, trueLabel, { threshold: 0.5 }).firstReaching)).toEqual([0, 1]);
    // a sample restricts the items
    expect(Array.from(q6LearningSpeed(predictions, trueLabel, { within: Int32Array.of(0, 4) }).counts)).toEqual([1, 1]);
  });
  it('rejects bad checkpoints and thresholds', () => {
    expect(() => q6LearningSpeed([], Int32Array.of(0))).toThrow(/predictions must list one Int32Array/);
    expect(() => q6LearningSpeed([Int32Array.of(0, 1)], Int32Array.of(0))).toThrow(/predictions\[0\] must be an Int32Array with 1 entries/);
    expect(() => q6LearningSpeed([Int32Array.of(0)], Int32Array.of(0), { threshold: 0 })).toThrow(/threshold must be in \(0, 1\], got 0/);
  });
});

describe('Q7', () => {
  it('compares two models layer by layer, on all items or a sample', () => {
    const rng = createRng(9);
    const mk = (cols: number): Matrix<Float64Array> => ({ rows: 40, cols, data: Float64Array.from({ length: 40 * cols }, () => rng.normal()) });
    const shared = mk(6);
    const a = [{ name: 'a1', matrix: shared }, { name: 'a2', matrix: mk(3) }];
    const b = [{ name: 'b1', matrix: { ...shared, data: shared.data.map((v) => 3 * v) } }];
    const r = q7ModelSimilarity(a, b);
    expect(r.layersA).toEqual(['a1', 'a2']);
    expect(r.layersB).toEqual(['b1']);
    expect(r.count).toBe(40);
    expect(r.cka.data[0]).toBeCloseTo(1, 12);
    expect(r.cka.data[1]).toBeLessThan(0.6);
    const sub = q7ModelSimilarity(a, b, { within: Int32Array.of(0, 5, 9, 20, 33) });
    expect(sub.count).toBe(5);
    expect(sub.cka.data[0]).toBeCloseTo(1, 12);
    expect(() => q7ModelSimilarity(a, [{ name: 'short', matrix: mk(2) && { rows: 3, cols: 1, data: new Float64Array(3) } }]))
      .toThrow(/modelB layer short has 3 items but a1 has 40/);
  });
});
