import { describe, expect, it } from 'vitest';
import { createRng, sampleWithoutReplacement } from '../core/rng.ts';
import type { Matrix } from '../core/matrix.ts';
import { columnMean } from './aggregates.ts';
import { cosineDistance, jensenShannonDistance, precisionAtK } from './metrics.ts';
import { answerS1, answerS2, answerS3, precisionCurve, prepareExactAnswers, scoreSample } from './querysets.ts';

const m4: Matrix<Float32Array> = { rows: 4, cols: 2, data: new Float32Array([3, 1, 2, 2, 1, 0, 0, 1]) };

function synthetic(n: number, seed: number) {
  const rng = createRng(seed);
  const trueLabels = Int32Array.from({ length: n }, () => rng.int(4));
  const correct = Uint8Array.from({ length: n }, () => (rng.next() < 0.8 ? 1 : 0));
  const layer = (cols: number): Matrix<Float32Array> => {
    const d = new Float32Array(n * cols);
    for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) {
      // class-dependent signal so answers differ by combination
      d[i * cols + j] = Math.max(0, rng.normal() + ((j + trueLabels[i]) % 5 === 0 ? 2 : 0) - (correct[i] ? 0 : 0.5 * (j % 3)));
    }
    return { rows: n, cols, data: d };
  };
  return { trueLabels, correct, layers: [{ name: 'conv', matrix: layer(40) }, { name: 'dense', matrix: layer(7) }] };
}

describe('answerS1 / answerS2 / answerS3', () => {
  it('answer one subset', () => {
    expect(Array.from(answerS1(m4, undefined, { k: 1 }))).toEqual([0]); // means [1.5, 1]
    expect(Array.from(answerS1(m4, Int32Array.of(1, 3), { k: 2 }))).toEqual([1, 0]);
    expect(Array.from(answerS1(m4, Int32Array.of(1, 3), { k: 2, by: 'max' }))).toEqual([0, 1]); // max [2, 2] tie → lower
    expect(Array.from(answerS2(m4))).toEqual([1.5, 1]);
    expect(Array.from(answerS3(m4))).toEqual([0.75, 0.25]); // argmax per row: 0, 0 (tie → lower), 0, 1
  });
  it('reject bad options', () => {
    expect(() => answerS1(m4, undefined, { k: 0 })).toThrow(/k must be a positive integer, got 0/);
    expect(() => answerS1(m4, undefined, { k: 1, by: 'min' as 'max' })).toThrow(/by must be 'mean' or 'max', got min/);
    expect(() => answerS2(m4, new Int32Array(0))).toThrow(/empty subset/);
  });
});

describe('query-set score', () => {
  it('is perfect for the full data (and for any order of its members)', () => {
    const s = synthetic(500, 1);
    const exact = prepareExactAnswers(s);
    expect(exact.combinations.length).toBe(2 * 4 * 2);
    const all = sampleWithoutReplacement(500, 500, createRng(3));
    for (const by of ['mean', 'max'] as const) {
      const r = scoreSample(exact, all, { k: 5, by });
      expect(r.s1).toBe(1);
      expect(r.s2).toBeLessThan(1e-12);
      expect(r.s3).toBe(0);
      expect(r.missing).toBe(0);
    }
  });

  it('applies the missing-combination rule (0 for S1, 1 for S2/S3) and averages over combinations', () => {
    // classes [0,0,1,1], correct [1,0,1,1] → combinations (0,incorrect)=item1, (0,correct)=item0, (1,correct)=items 2,3
    const layer = { rows: 4, cols: 2, data: new Float32Array([5, 1, 2, 3, 1, 0, 0, 1]) };
    const exact = prepareExactAnswers({ layers: [{ name: 'L', matrix: layer }], trueLabels: Int32Array.of(0, 0, 1, 1), correct: [1, 0, 1, 1] });
    expect(exact.combinations.map((c) => [c.trueClass, c.correct, c.fullCount])).toEqual([[0, false, 1], [0, true, 1], [1, true, 2]]);
    const r = scoreSample(exact, Int32Array.of(0, 2), { k: 1 });
    expect(r.missing).toBe(1);
    expect(r.combinations.map((c) => [c.sampleCount, c.s1, c.s2, c.s3])).toEqual([
      [0, 0, 1, 1],
      [1, 1, 0, 0],
      [1, 1, 1 - 1 / Math.SQRT2, jensenShannonDistance([1, 0], [0.5, 0.5])],
    ]);
    expect(r.s1).toBeCloseTo(2 / 3, 14);
    expect(r.s2).toBeCloseTo((1 + 0 + (1 - 1 / Math.SQRT2)) / 3, 14);
    expect(r.s3).toBeCloseTo((1 + 0 + 0.5579230452) / 3, 8);
    // the empty sample misses everything
    const none = scoreSample(exact, new Int32Array(0), { k: 1 });
    expect([none.s1, none.s2, none.s3, none.missing]).toEqual([0, 1, 1, 3]);
  });

  it('matches a naive per-combination computation for a random sample', () => {
    const s = synthetic(400, 5);
    const exact = prepareExactAnswers(s);
    const members = sampleWithoutReplacement(400, 60, createRng(9));
    const r = scoreSample(exact, members, { k: 4 });
    let n = 0, s1 = 0, s2 = 0, s3 = 0;
    for (const layer of s.layers) for (let c = 0; c < 4; c++) for (const ok of [0, 1]) {
      const full = Int32Array.from({ length: 400 }, (_, i) => i).filter((i) => s.trueLabels[i] === c && s.correct[i] === ok);
      if (full.length === 0) continue;
      n++;
      const sub = members.filter((i) => s.trueLabels[i] === c && s.correct[i] === ok);
      if (sub.length === 0) { s2 += 1; s3 += 1; continue; }
      s1 += precisionAtK(answerS1(layer.matrix, sub, { k: 4 }), answerS1(layer.matrix, full, { k: 4 }), 4);
      s2 += cosineDistance(answerS2(layer.matrix, sub), answerS2(layer.matrix, full));
      s3 += jensenShannonDistance(answerS3(layer.matrix, sub), answerS3(layer.matrix, full));
    }
    expect(r.combinations.length).toBe(n);
    expect(r.s1).toBeCloseTo(s1 / n, 12);
    expect(r.s2).toBeCloseTo(s2 / n, 12);
    expect(r.s3).toBeCloseTo(s3 / n, 12);
    expect(r.s1).toBeGreaterThan(0);
    expect(r.s1).toBeLessThan(1);
  });

  it('clamps K to the layer width (a 7-unit layer has a perfect top-100 on the full data)', () => {
    const s = synthetic(200, 2);
    const exact = prepareExactAnswers(s);
    const all = Int32Array.from({ length: 200 }, (_, i) => i);
    expect(scoreSample(exact, all, { k: 100 }).s1).toBe(1);
  });

  it('precisionCurve equals scoreSample.s1 at every K', () => {
    const s = synthetic(300, 4);
    const exact = prepareExactAnswers(s);
    const members = sampleWithoutReplacement(300, 40, createRng(1));
    const ks = [1, 3, 10, 50];
    const curve = precisionCurve(exact, members, ks, 'max');
    ks.forEach((k, i) => expect(curve[i]).toBeCloseTo(scoreSample(exact, members, { k, by: 'max' }).s1, 14));
  });

  it('keeps the exact answers equal to a direct computation', () => {
    const s = synthetic(150, 8);
    const exact = prepareExactAnswers(s);
    const c = exact.combinations[3];
    const rows = Int32Array.from({ length: 150 }, (_, i) => i).filter((i) => s.trueLabels[i] === c.trueClass && Boolean(s.correct[i]) === c.correct);
    const ref = columnMean(s.layers[c.layerIndex].matrix, rows);
    exact.means[3].forEach((v, j) => expect(v).toBeCloseTo(ref[j], 12));
  });

  it('rejects bad input with clear messages', () => {
    const s = synthetic(50, 3);
    expect(() => prepareExactAnswers({ ...s, layers: [] })).toThrow(/layers must be a non-empty list/);
    expect(() => prepareExactAnswers({ ...s, correct: new Uint8Array(3) })).toThrow(/correct has 3 entries but there are 50 items/);
    expect(() => prepareExactAnswers({ ...s, trueLabels: new Int32Array(0), correct: [] })).toThrow(/trueLabels is empty/);
    expect(() => prepareExactAnswers({ ...s, numClasses: 2 })).toThrow(/trueLabels has class 3 but numClasses is 2/);
    const short = { name: 'short', matrix: { rows: 49, cols: 2, data: new Float32Array(98) } };
    expect(() => prepareExactAnswers({ ...s, layers: [short] })).toThrow(/layer short has 49 rows but there are 50 items/);
    const nan = { name: 'nan', matrix: { rows: 50, cols: 1, data: new Float32Array(50).fill(Number.NaN) } };
    expect(() => prepareExactAnswers({ ...s, layers: [nan] })).toThrow(/non-finite value \(NaN\) at row 0, column 0/);
    const exact = prepareExactAnswers(s);
    expect(() => scoreSample(exact, Int32Array.of(50), { k: 1 })).toThrow(/members\[0\] = 50 is outside/);
    expect(() => scoreSample(exact, [1, 2] as unknown as Int32Array, { k: 1 })).toThrow(/members must be an Int32Array/);
    expect(() => scoreSample(exact, Int32Array.of(1), { k: -1 })).toThrow(/k must be a positive integer/);
    expect(() => precisionCurve(exact, Int32Array.of(1), [])).toThrow(/ks must be a non-empty list/);
  });
});
