import { describe, expect, it } from 'vitest';
import { createRng, shuffleInPlace } from '../core/rng.ts';
import type { Matrix } from '../core/matrix.ts';
import { SUM_BLOCK, topK } from './aggregates.ts';
import { orderedBlocks } from './block-partials.ts';
import { linearCka } from './cka.ts';
import { q4LogitLayerSimilarity } from './named.ts';
import {
  blockCount, centreBlock, centredLogits, q4BlockMoments, q4CombineMoments, q4Form, q4FromMoments, q4LayerMean, q4Moments, q4PairSum, q4Pairs,
  type Q4BlockMoments,
} from './q4-blocked.ts';

function relu(rows: number, cols: number, seed: number): Matrix<Float32Array> {
  const rng = createRng(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => Math.max(0, 10 * (rng.normal() + 0.2))) };
}

/** Session 5's one-pass Q4 (plain means, one running sum per unit, linearCka): the reference. */
function oldQ4(x: Matrix, y: Float64Array) {
  const m = x.rows, p = x.cols;
  let ym = 0;
  for (let k = 0; k < m; k++) ym += y[k];
  ym /= m;
  let syy = 0;
  for (let k = 0; k < m; k++) syy += (y[k] - ym) ** 2;
  const xm = new Float64Array(p);
  for (let k = 0; k < m; k++) for (let j = 0; j < p; j++) xm[j] += x.data[k * p + j];
  for (let j = 0; j < p; j++) xm[j] /= m;
  const sxy = new Float64Array(p), sxx = new Float64Array(p);
  for (let k = 0; k < m; k++) {
    for (let j = 0; j < p; j++) {
      const dx = x.data[k * p + j] - xm[j];
      sxy[j] += dx * (y[k] - ym);
      sxx[j] += dx * dx;
    }
  }
  const correlation = Float64Array.from(sxy, (v, j) => (sxx[j] * syy > 0 ? v / Math.sqrt(sxx[j] * syy) : 0));
  return { correlation, cka: linearCka({ rows: m, cols: 1, data: y }, x) };
}

function logitsFor(x: Matrix, seed: number): Float64Array {
  const rng = createRng(seed);
  // Partly explained by the first units, so the correlations and the CKA are far from 0.
  return Float64Array.from({ length: x.rows }, (_, k) => x.data[k * x.cols] - 0.5 * x.data[k * x.cols + 1] + 3 * rng.normal());
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe('Q4 in blocks (q4-blocked.ts)', () => {
  it('equals the one-pass formula within 1e-12 relative, in the feature form over several blocks and in the gram form', () => {
    for (const [m, p] of [[2 * SUM_BLOCK + 300, 7], [300, 450]]) {
      const x = relu(m, p, m);
      const y = logitsFor(x, 5);
      expect(q4Form(m, p)).toBe(p > m ? 'gram' : 'feature');
      const got = q4FromMoments(q4Moments(x, undefined, y));
      const want = oldQ4(x, y);
      expect(rel(got.cka, want.cka), `CKA ${m}×${p}`).toBeLessThan(1e-12);
      expect(got.cka).toBeGreaterThan(0.01);
      for (let j = 0; j < p; j++) expect(Math.abs(got.correlation[j] - want.correlation[j]), `r[${j}]`).toBeLessThan(1e-12 * Math.max(1, Math.abs(want.correlation[j])));
      expect(Array.from(got.strongest.subarray(0, 3))).toEqual(Array.from(topK(Float64Array.from(got.correlation, Math.abs), 3)));
    }
  });

  it('gram form: the block-pair sums add up to ‖XᵀX‖²_F (blocks of any size, diagonal pairs counted once, the others twice)', () => {
    const x = relu(23, 31, 8);
    const mean = q4LayerMean(x, undefined);
    const cuts = [0, 5, 14, 23];
    const blocks = cuts.slice(1).map((to, i) => centreBlock(x, undefined, cuts[i], to, mean));
    let pairs = 0;
    for (const [a, b] of q4Pairs(3)) pairs += (a === b ? 1 : 2) * q4PairSum(blocks[a], blocks[a].length / 31, blocks[b], blocks[b].length / 31, 31, a === b);
    const all = centreBlock(x, undefined, 0, 23, mean);
    const c = q4BlockMoments(all, new Float64Array(23), 31, 'feature').cross!;
    let feature = 0, t = 0;
    for (let a = 0; a < 31; a++) for (let b = a; b < 31; b++, t++) feature += (a === b ? 1 : 2) * c[t] ** 2;
    expect(rel(pairs, feature)).toBeLessThan(1e-12);
    expect(q4Pairs(3)).toEqual([[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]);
  });

  it('from block shares arriving in any order and twice (as from cluster tasks): the local answer bit for bit', () => {
    const x = relu(3 * SUM_BLOCK + 77, 6, 2);
    const rng = createRng(9);
    const rows = Int32Array.from({ length: x.rows }, (_, i) => i).filter(() => rng.next() < 0.9);
    const y = logitsFor({ rows: rows.length, cols: 6, data: Float32Array.from(Array.from(rows).flatMap((r) => Array.from(x.data.subarray(r * 6, r * 6 + 6)))) }, 3);
    const local = q4Moments(x, rows, y);
    // What a worker does: its block's rows copied out of the files, centred by the mean it was sent.
    const mean = q4LayerMean(x, rows);
    const dy = centredLogits(y);
    const shares: Array<Q4BlockMoments & { block: number }> = [];
    for (let b = 0; b < blockCount(rows.length); b++) {
      const ids = rows.subarray(b * SUM_BLOCK, (b + 1) * SUM_BLOCK);
      const copy: Matrix<Float32Array> = { rows: ids.length, cols: 6, data: new Float32Array(ids.length * 6) };
      ids.forEach((r, i) => copy.data.set(x.data.subarray(r * 6, r * 6 + 6), i * 6));
      shares.push({ block: b, ...q4BlockMoments(centreBlock(copy, undefined, 0, ids.length, mean), dy.subarray(b * SUM_BLOCK, b * SUM_BLOCK + ids.length), 6, 'feature') });
    }
    const same = (a: Q4BlockMoments, b: Q4BlockMoments) => a.sxy.every((v, j) => Object.is(v, b.sxy[j]));
    for (let seed = 1; seed <= 4; seed++) {
      const arrived = [...shares, shares[seed % shares.length]];
      shuffleInPlace(arrived, createRng(seed));
      const ordered = orderedBlocks(arrived, blockCount(rows.length), same, 'Q4');
      const got = q4CombineMoments({ form: 'feature', units: 6, dy, block: (b) => ordered[b], pair: () => { throw new Error('feature form has no pairs'); } });
      expect(Array.from(got.sxy)).toEqual(Array.from(local.sxy));
      expect(Array.from(got.sxx)).toEqual(Array.from(local.sxx));
      expect([got.syy, got.selfSq]).toEqual([local.syy, local.selfSq]);
    }
    const blocks = blockCount(rows.length);
    expect(blocks).toBe(3);
    expect(() => orderedBlocks(shares.slice(1), blocks, same, 'Q4')).toThrow(/Q4: block 0 of 3 is missing/);
    const changed = { ...shares[1], sxy: Float64Array.from(shares[1].sxy, (v) => v + 1) };
    expect(() => orderedBlocks([...shares, changed], blocks, same, 'Q4')).toThrow(/block 1 was delivered twice with different numbers/);
  });

  it('refuses an empty or 1-item subset, a non-finite activation or logit, as the local query does', () => {
    const x = relu(5, 3, 1);
    const meta = { trueLabel: Int32Array.of(0, 1, 1, 2, 2), predLabel: Int32Array.of(0, 1, 1, 2, 2) };
    const logits = { rows: 5, cols: 3, data: Float32Array.from({ length: 15 }, (_, i) => i % 7) };
    expect(() => q4LogitLayerSimilarity(x, logits, meta, { classA: 0 })).toThrow(/Q4 needs at least 2 items of class 0, found 1/);
    expect(() => q4LogitLayerSimilarity(x, logits, meta, { classA: 1, within: Int32Array.of(3) })).toThrow(/found 0/);
    expect(() => q4CombineMoments({ form: 'feature', units: 3, dy: new Float64Array(1), block: () => { throw new Error('no'); }, pair: () => 0 })).toThrow(/at least 2 items, got 1/);
    expect(() => q4CombineMoments({ form: 'gram', units: 3, dy: new Float64Array(4), block: () => { throw new Error('no'); }, pair: () => 0 })).toThrow(/uses the feature form, not gram/);
    const bad = { ...x, data: Float32Array.from(x.data) };
    bad.data[1 * 3 + 2] = Number.NaN;
    expect(() => q4LogitLayerSimilarity(bad, logits, meta, { classA: 1 })).toThrow(/non-finite value \(NaN\) at row 1, column 2/);
    const badLogits = { ...logits, data: Float32Array.from(logits.data) };
    badLogits.data[2 * 3 + 1] = Number.POSITIVE_INFINITY;
    expect(() => q4LogitLayerSimilarity(x, badLogits, meta, { classA: 1 })).toThrow(/logits\[1\] is Infinity/);
    // A constant logit: correlations 0, CKA undefined (NaN), as before.
    const flat = q4FromMoments(q4Moments(x, undefined, new Float64Array(5).fill(2)));
    expect(Array.from(flat.correlation)).toEqual([0, 0, 0]);
    expect(flat.cka).toBeNaN();
  });
});
