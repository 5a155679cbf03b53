import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { uniformSampler } from './uniform.ts';
import { vasInterchange } from './vas.ts';
import { directGeometry } from './vas-geometry.ts';
import { kdCells, vasLoss, vasPartitioned } from './vas-partitioned.ts';
import { small } from './test-data.ts';

describe('vas (scalable mode: interchange in kd cells)', () => {
  const input = small(4, 800);
  const { latent } = input;

  it('kd cells partition the rows, each at most cellSize, split at a median', () => {
    const cells = kdCells(latent, 100);
    const seen = new Int32Array(latent.rows);
    for (const c of cells) {
      expect(c.length).toBeLessThanOrEqual(100);
      expect(c.length).toBeGreaterThanOrEqual(50);
      for (const i of c) seen[i]++;
    }
    expect(Array.from(seen).every((v) => v === 1)).toBe(true);
    expect(cells.length).toBe(8); // 800 → 400 → 200 → 100
  });

  it('with one cell and a given bandwidth it is exactly the exact interchange', () => {
    const exact = vasInterchange(directGeometry(latent), 40, createRng(3), { bandwidth: 1.7 });
    const cells = vasPartitioned(latent, 40, createRng(3), { bandwidth: 1.7, cellSize: 10_000 });
    expect(Array.from(cells.members)).toEqual(Array.from(exact.members));
    expect(cells.diagnostics.cellLoss).toBeCloseTo(exact.diagnostics.loss as number, 9);
  });

  it('gives K distinct sorted members, the same for a seed, and a loss near the exact one and far below uniform', () => {
    const k = 40;
    const a = vasPartitioned(latent, k, createRng(5), { cellSize: 200 });
    const b = vasPartitioned(latent, k, createRng(5), { cellSize: 200 });
    expect(Array.from(a.members)).toEqual(Array.from(b.members));
    expect(a.members.length).toBe(k);
    expect(new Set(a.members).size).toBe(k);
    for (let t = 1; t < k; t++) expect(a.members[t]).toBeGreaterThan(a.members[t - 1]);
    expect(a.diagnostics.cells).toBe(4);
    const sigma = a.diagnostics.bandwidth as number;
    const exact = vasInterchange(directGeometry(latent), k, createRng(5), { bandwidth: sigma });
    const own = vasLoss(latent, a.members, sigma), best = vasLoss(latent, exact.members, sigma);
    expect(best).toBeCloseTo(exact.diagnostics.loss as number, 4); // vasLoss is the interchange's objective
    expect(own).toBeLessThan(2 * best);
    let uni = 0;
    for (let s = 0; s < 5; s++) uni += vasLoss(latent, uniformSampler.run(input, { fraction: 0.05, seed: s }, { rng: createRng(s) }).members, sigma);
    expect(own).toBeLessThan(0.6 * (uni / 5));
  });
});
