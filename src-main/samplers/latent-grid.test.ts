import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { equalQuotas, fixedQuotas, gridCells, latentGridSampler } from './latent-grid.ts';
import { toF64 } from './linalg.ts';
import { small } from './test-data.ts';

describe('equalQuotas', () => {
  it('water-fills: small cells give everything, the rest share equally within one', () => {
    const q = equalQuotas(Int32Array.from([2, 50, 50, 0, 7]), 30, createRng(1));
    expect(q.reduce((a, b) => a + b, 0)).toBe(30);
    expect(q[0]).toBe(2);
    expect(q[3]).toBe(0);
    expect(q[4]).toBe(7);
    expect(Math.abs(q[1] - q[2])).toBeLessThanOrEqual(1);
  });
  it('caps at the number of items', () => {
    expect(Array.from(equalQuotas(Int32Array.from([1, 2]), 10, createRng(1)))).toEqual([1, 2]);
  });
});

describe('fixedQuotas (no top-up)', () => {
  it('gives every non-empty cell ⌊target / cells⌋, capped at its size, and redistributes nothing', () => {
    // 4 non-empty cells, target 30 → share ⌊7.5⌋ = 7.
    expect(Array.from(fixedQuotas(Int32Array.from([2, 50, 50, 0, 7]), 30))).toEqual([2, 7, 7, 0, 7]);
    expect(Array.from(fixedQuotas(Int32Array.from([0, 0]), 5))).toEqual([0, 0]);
  });
});

describe('latent-grid options', () => {
  it("gridSplit 'mean' cuts each PCA axis at its mean, not its median", () => {
    // One skewed dimension: 90 items at 0..89 (scaled) and 10 far out at 1000+; mean ≈ 145, median 49.5.
    const n = 100;
    const data = Float32Array.from({ length: n }, (_, i) => (i < 90 ? i : 1000 + i));
    let mean = 0;
    for (const v of data) mean += v / n;
    const above = Array.from(data).filter((v) => v > mean).length; // 10
    const cellsMean = gridCells(new Float64Array(data), n, 1, 1, 'mean');
    const cellsMedian = gridCells(new Float64Array(data), n, 1, 1, 'median');
    const count = (c: Int32Array) => c.reduce((s, v) => s + (v & 1), 0);
    // The PCA axis may point either way: the cut leaves 10 items on one side either way.
    expect([above, n - above]).toContain(count(cellsMean));
    expect(count(cellsMedian)).toBe(50);
  });

  it('without top-up takes min(share, |cell|) from every cell and records both choices', () => {
    const input = small(2, 1200);
    for (const gridSplit of ['median', 'mean'] as const) {
      const r = latentGridSampler.run(input, { fraction: 0.1, seed: 5, gridSplit, gridTopUp: false }, { rng: createRng(5) });
      expect(r.params).toMatchObject({ gridSplit, gridTopUp: false });
      const cells = gridCells(toF64(input.latent), 1200, 8, 5, gridSplit);
      const size = new Map<number, number>(), got = new Map<number, number>();
      for (const c of cells) size.set(c, (size.get(c) ?? 0) + 1);
      for (const i of r.members) got.set(cells[i], (got.get(cells[i]) ?? 0) + 1);
      const share = Math.floor(120 / size.size);
      let expected = 0;
      for (const [c, s] of size) { expect(got.get(c) ?? 0).toBe(Math.min(share, s)); expected += Math.min(share, s); }
      expect(r.members.length).toBe(expected);
      expect(new Set(r.members).size).toBe(r.members.length);
      for (let t = 1; t < r.members.length; t++) expect(r.members[t]).toBeGreaterThan(r.members[t - 1]);
    }
  });

  it('with top-up (default) reaches round(f·N) for either split; same seed → same sample', () => {
    const input = small(2, 1200);
    const a = latentGridSampler.run(input, { fraction: 0.1, seed: 5, gridSplit: 'mean' }, { rng: createRng(5) });
    const b = latentGridSampler.run(input, { fraction: 0.1, seed: 5, gridSplit: 'mean' }, { rng: createRng(5) });
    expect(a.members.length).toBe(120);
    expect(Array.from(a.members)).toEqual(Array.from(b.members));
    expect(a.params).toMatchObject({ gridSplit: 'mean', gridTopUp: true });
  });
});

describe('latent-grid sampler', () => {
  const input = small(2, 1200);
  it('uses 5 PCA dims split at the median (every dim halves the data)', () => {
    const cells = gridCells(toF64(input.latent), 1200, 8, 5);
    for (let b = 0; b < 5; b++) {
      let above = 0;
      for (const c of cells) if (c & (1 << b)) above++;
      expect(above).toBe(600);
    }
  });
  it('samples equally from the non-empty cells, total ≈ f·N', () => {
    const r = latentGridSampler.run(input, { fraction: 0.1, seed: 3 }, { rng: createRng(3) });
    expect(r.members.length).toBe(120);
    const cells = gridCells(toF64(input.latent), 1200, 8, 5);
    const size = new Map<number, number>(), got = new Map<number, number>();
    for (const c of cells) size.set(c, (size.get(c) ?? 0) + 1);
    for (const i of r.members) got.set(cells[i], (got.get(cells[i]) ?? 0) + 1);
    const per = r.diagnostics.perCell as number;
    for (const [c, s] of size) expect(got.get(c) ?? 0).toBeGreaterThanOrEqual(Math.min(s, per - 1));
  });
  it('uses fewer dims when the latent has fewer than 5', () => {
    const two = { ...input, latent: { rows: 1200, cols: 2, data: Float32Array.from({ length: 2400 }, (_, i) => Math.sin(i * 1.3)) } };
    const r = latentGridSampler.run(two, { fraction: 0.05, seed: 1 }, { rng: createRng(1) });
    expect(r.diagnostics.dims).toBe(2);
    expect(r.diagnostics.cells).toBeLessThanOrEqual(4);
    expect(r.members.length).toBe(60);
  });
});
