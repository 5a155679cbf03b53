import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { vasInterchange } from './vas.ts';
import { directGeometry, pairwiseGeometry } from './vas-geometry.ts';
import { small } from './test-data.ts';

describe('vas geometry', () => {
  const input = small(4, 203); // odd N: exercises the tile edges of the table
  const { latent } = input;
  const rows = Int32Array.from({ length: latent.rows }, (_, i) => i);

  it('the table and the on-demand distances agree exactly and match ‖a − b‖²', () => {
    const direct = directGeometry(latent);
    const table = pairwiseGeometry(latent);
    const a = new Float64Array(latent.rows), b = new Float64Array(latent.rows);
    for (const i of [0, 1, 57, 202]) {
      direct.sqDistances(i, rows, 0, rows.length, a);
      table.sqDistances(i, rows, 0, rows.length, b);
      for (let j = 0; j < rows.length; j++) {
        if (j === i) continue;
        expect(b[j]).toBe(a[j]);
        let d2 = 0;
        for (let c = 0; c < latent.cols; c++) d2 += (latent.data[i * latent.cols + c] - latent.data[j * latent.cols + c]) ** 2;
        expect(a[j]).toBeCloseTo(d2, 3);
      }
    }
  });

  it('only fills the asked range', () => {
    const out = new Float64Array(rows.length).fill(-1);
    pairwiseGeometry(latent).sqDistances(3, rows, 10, 20, out);
    expect(out[9]).toBe(-1);
    expect(out[20]).toBe(-1);
    expect(out[10]).toBeGreaterThan(0);
  });

  it('VAS picks the same sample with either geometry, at small and large fractions', () => {
    for (const k of [10, 160]) {
      const a = vasInterchange(directGeometry(latent), k, createRng(5));
      const b = vasInterchange(pairwiseGeometry(latent), k, createRng(5));
      expect(b.members).toEqual(a.members);
      expect(b.diagnostics.swaps).toBe(a.diagnostics.swaps);
    }
  });

  it('refuses a table above the memory limit and honours cancellation', () => {
    expect(() => pairwiseGeometry(latent, { maxBytes: 1000 })).toThrow(/pairwiseGeometry: 203 items need a 0 MB distance table, above the 0 MB limit: use directGeometry/);
    const ac = new AbortController();
    ac.abort();
    expect(() => pairwiseGeometry(latent, { signal: ac.signal })).toThrow(/cancelled/);
  });
});
