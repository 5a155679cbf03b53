import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { fitPlatt, plattProbability } from './platt.ts';

describe('Platt scaling', () => {
  it('recovers a known sigmoid and is calibrated on held-out data', () => {
    const rng = createRng(5);
    // Scores f ~ N(0, 2²); P(y = 1 | f) = 1 / (1 + exp(−1.5 f + 0.5)).
    const draw = (n: number) => {
      const f = new Float64Array(n), y = new Uint8Array(n);
      for (let i = 0; i < n; i++) { f[i] = 2 * rng.normal(); y[i] = rng.next() < 1 / (1 + Math.exp(-1.5 * f[i] + 0.5)) ? 1 : 0; }
      return { f, y };
    };
    const train = draw(4000);
    const m = fitPlatt(train.f, train.y);
    expect(m.a).toBeCloseTo(-1.5, 0);
    expect(m.b).toBeCloseTo(0.5, 0);
    const test = draw(20000);
    const bins = Array.from({ length: 10 }, () => ({ p: 0, y: 0, n: 0 }));
    for (let i = 0; i < test.f.length; i++) {
      const p = plattProbability(m, test.f[i]);
      const b = bins[Math.min(9, Math.floor(p * 10))];
      b.p += p; b.y += test.y[i]; b.n++;
    }
    for (const b of bins) if (b.n >= 300) expect(Math.abs(b.p / b.n - b.y / b.n)).toBeLessThan(0.05);
  });
  it('stays finite on perfectly separated scores', () => {
    const f = Float64Array.from([-3, -2, -1, 1, 2, 3]);
    const m = fitPlatt(f, Uint8Array.from([0, 0, 0, 1, 1, 1]));
    expect(Number.isFinite(m.a) && Number.isFinite(m.b)).toBe(true);
    expect(plattProbability(m, 3)).toBeGreaterThan(0.5);
    expect(plattProbability(m, 1e6)).toBeLessThanOrEqual(1);
  });
});
