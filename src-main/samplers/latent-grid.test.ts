import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { equalQuotas, gridCells, latentGridSampler } from './latent-grid.ts';
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
