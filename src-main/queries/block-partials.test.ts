import { describe, expect, it } from 'vitest';
import { createRng, shuffleInPlace } from '../core/rng.ts';
import type { Matrix } from '../core/matrix.ts';
import { SUM_BLOCK, subsetAggregates, subsetPartials, type SubsetAggregates, type SubsetParts } from './aggregates.ts';
import { combineBlockPartials, type BlockPartial } from './block-partials.ts';
import { aggregatePlan, q1FromAggregates, q1PerClassMean, q1Plan, q2Plan, q2TopKIncorrect, q3FromAggregates, q3IncorrectVsCorrect, q3Plan, topFromAggregates } from './named-plans.ts';
import { prepareExactAnswers, combinationSubsets } from './querysets.ts';
import type { ItemMeta } from './select.ts';

function randomMatrix(rows: number, cols: number, seed: number): Matrix<Float32Array> {
  const rng = createRng(seed);
  // ReLU-like, with exact zeros (and so ties) as in real activations; large enough values that the blocking shows in the last bits.
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => Math.max(0, 1e3 * (rng.normal() + 0.3))) };
}

/** What cluster workers send back for `rows`: each block computed from its own copy of its rows, tagged with its number. */
function workerPartials(m: Matrix, rows: Int32Array, parts: SubsetParts, blocksPerTask = 1): BlockPartial[] {
  const out: BlockPartial[] = [];
  for (let from = 0; from < rows.length; from += blocksPerTask * SUM_BLOCK) {
    const ids = rows.subarray(from, Math.min(rows.length, from + blocksPerTask * SUM_BLOCK));
    const copy: Matrix<Float32Array> = { rows: ids.length, cols: m.cols, data: new Float32Array(ids.length * m.cols) };
    ids.forEach((r, i) => copy.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
    subsetPartials(copy, undefined, parts).forEach((p, i) => out.push({ ...p, block: from / SUM_BLOCK + i }));
  }
  return out;
}

const bits = (a: SubsetAggregates | null) => a && { count: a.count, mean: Array.from(a.mean), max: a.max && Array.from(a.max), histogram: a.histogram && Array.from(a.histogram) };

describe('combineBlockPartials (partials from cluster tasks, in any order)', () => {
  const m = randomMatrix(3 * SUM_BLOCK + 501, 9, 3);
  const rng = createRng(4);
  const rows = Int32Array.from({ length: m.rows }, (_, i) => i).filter(() => rng.next() < 0.8);

  it('gives subsetAggregates bit for bit whatever order the blocks arrive in, and ignores a block delivered twice', () => {
    for (const parts of [{}, { max: true }, { argmax: true }, { max: true, argmax: true }]) {
      const local = subsetAggregates(m, rows, parts);
      const partials = workerPartials(m, rows, parts, 2);
      expect(partials.length).toBe(Math.ceil(rows.length / SUM_BLOCK));
      for (let seed = 1; seed <= 5; seed++) {
        const shuffled = shuffleInPlace([...partials, partials[seed % partials.length]], createRng(seed));
        expect(bits(combineBlockPartials(shuffled, parts, rows.length))).toEqual(bits(local));
      }
    }
  });

  it('adds in block order: sums that cancel differently in another order still give the in-order answer', () => {
    const block = (b: number, sum: number, count = SUM_BLOCK): BlockPartial => ({ block: b, count, sums: Float64Array.of(sum), maxes: null, argmaxCounts: null });
    const blocks = [block(0, 1), block(1, 1e16), block(2, -1e16, 1)];
    // In order: (1 + 1e16) − 1e16 = 0 (the 1 is lost); in reverse it would be (−1e16 + 1e16) + 1 = 1.
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
      expect(combineBlockPartials(order.map((i) => blocks[i]), {}).mean[0]).toBe(0);
    }
  });

  it('refuses an empty subset as the local scan does, and missing, short or conflicting blocks', () => {
    expect(() => subsetAggregates(m, new Int32Array(0))).toThrow(/empty subset/);
    expect(() => combineBlockPartials([])).toThrow(/empty subset/);
    const partials = workerPartials(m, rows, { max: true, argmax: true });
    expect(() => combineBlockPartials(partials.filter((p) => p.block !== 1))).toThrow(/block 1 of the subset's scan is missing/);
    expect(() => combineBlockPartials(partials, { max: true, argmax: true }, rows.length + 1)).toThrow(/cover \d+ rows but the subset has/);
    const short = workerPartials(m, rows.subarray(0, 100), {}).map((p) => ({ ...p, block: 0 }));
    expect(() => combineBlockPartials([...short, ...workerPartials(m, rows, {}).filter((p) => p.block === 1)], {})).toThrow(/block 0 holds 100 rows, not 2048/);
    const changed = { ...partials[0], sums: partials[0].sums.map((v) => v + 1) };
    expect(() => combineBlockPartials([...partials, changed])).toThrow(/block 0 was delivered twice with different numbers/);
    expect(() => combineBlockPartials([{ ...partials[0], block: -1 }])).toThrow(/blocks are numbered/);
  });

  it('refuses a NaN as the local scan does (the poisoned sum is caught)', () => {
    const bad: Matrix<Float32Array> = { rows: m.rows, cols: m.cols, data: m.data.slice() };
    bad.data[(SUM_BLOCK + 7) * m.cols + 2] = Number.NaN;
    const all = Int32Array.from({ length: bad.rows }, (_, i) => i);
    expect(() => subsetAggregates(bad, all, {})).toThrow(/non-finite value \(NaN\) at row 2055, column 2/);
    expect(() => combineBlockPartials(workerPartials(bad, all, {}), {})).toThrow(/non-finite activation/);
  });
});

describe('Q1, Q2, Q3 and the experiments\' ground truth from block partials equal the local answers', () => {
  const n = 3 * SUM_BLOCK + 321;
  const layer = randomMatrix(n, 11, 7);
  const rng = createRng(8);
  const trueLabel = Int32Array.from({ length: n }, () => rng.int(3));
  const predLabel = Int32Array.from(trueLabel, (t) => (rng.next() < 0.3 ? (t + 1) % 3 : t));
  const meta: ItemMeta = { trueLabel, predLabel };
  const remote = (plan: { subsets: Int32Array[]; parts: SubsetParts }) =>
    plan.subsets.map((s) => (s.length ? combineBlockPartials(shuffleInPlace(workerPartials(layer, s, plan.parts), createRng(s.length)), plan.parts, s.length) : null));

  it('Q1 (one subset per class, over 2,048 items each, and an empty class)', () => {
    const plan = q1Plan(meta, { numClasses: 4 });
    expect(plan.subsets[0].length).toBeGreaterThan(SUM_BLOCK);
    const r = q1FromAggregates(remote(plan), 4, layer.cols);
    const local = q1PerClassMean(layer, meta, { numClasses: 4 });
    expect(Array.from(r.counts)).toEqual(Array.from(local.counts));
    expect(Array.from(r.means.data)).toEqual(Array.from(local.means.data)); // NaN row for class 3 on both sides
  });

  it('Q2 by mean and by max, with the argmax histogram; Q3', () => {
    for (const by of ['mean', 'max'] as const) {
      const plan = q2Plan(meta, { k: 4, by });
      const r = topFromAggregates(remote(plan), 4, by);
      const local = q2TopKIncorrect(layer, meta, { k: 4, by });
      expect([Array.from(r.top), Array.from(r.values), Array.from(r.histogram!)]).toEqual([Array.from(local.top), Array.from(local.values), Array.from(local.histogram!)]);
    }
    const r3 = q3FromAggregates(remote(q3Plan(meta, { classA: 1 })));
    expect(r3).toEqual(q3IncorrectVsCorrect(layer, meta, { classA: 1 }));
    expect(aggregatePlan(layer, q3Plan(meta, { classA: 5 }))).toEqual([null, null]);
  });

  it('prepareExactAnswers from cluster aggregates equals the local scan', () => {
    const correct = Uint8Array.from(trueLabel, (t, i) => (t === predLabel[i] ? 1 : 0));
    const input = { layers: [{ name: 'l', matrix: layer }], trueLabels: trueLabel, correct, numClasses: 3 };
    const subsets = combinationSubsets(trueLabel, correct, 3);
    const aggs = [remote({ subsets, parts: { max: true, argmax: true } })];
    const a = prepareExactAnswers(input, aggs);
    const b = prepareExactAnswers(input);
    expect([a.combinations, a.means, a.maxes, a.histograms]).toEqual([b.combinations, b.means, b.maxes, b.histograms]);
    expect(() => prepareExactAnswers(input, [aggs[0].slice(1)])).toThrow(/one entry per combination group \(6\)/);
  });
});
