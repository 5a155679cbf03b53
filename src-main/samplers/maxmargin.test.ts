import { describe, it, expect } from 'vitest';
import { createRng } from '../core/rng.ts';
import { maxMarginSampler, maxMarginScores } from './maxmargin.ts';
import { makeBlobs } from './synthetic.ts';

describe('MaxMargin', () => {
  it('the SVM separates separable data and its Platt probabilities are calibrated on held-out data', () => {
    // Overlapping blobs so that probabilities are not all 0/1; the second half is held out.
    const all = makeBlobs({ n: 4000, d: 6, k: 3, seed: 2, separation: 1.2 });
    const train = { ...all, latent: { rows: 2000, cols: 6, data: all.latent.data.subarray(0, 12000) }, trueLabels: all.trueLabels.subarray(0, 2000), predLabels: all.predLabels.subarray(0, 2000) };
    const s = maxMarginScores(train);
    expect(s.trainAccuracy).toBeGreaterThan(0.4); // 3 overlapping classes: chance is 1/3
    // Held-out: apply the same pipeline to the full set and look only at the second half.
    const full = maxMarginScores(all);
    const bins = Array.from({ length: 5 }, () => ({ p: 0, y: 0, n: 0 }));
    for (let i = 2000; i < 4000; i++) for (let c = 0; c < 3; c++) {
      const p = full.probabilities[i * 3 + c];
      const b = bins[Math.min(4, Math.floor(p * 5))];
      b.p += p; b.y += all.trueLabels[i] === c ? 1 : 0; b.n++;
    }
    for (const b of bins) if (b.n >= 200) expect(Math.abs(b.p / b.n - b.y / b.n)).toBeLessThan(0.05);
  });
  it('100 % training accuracy on separable data; j = 0 / j = 1 pick opposite ends', () => {
    const input = makeBlobs({ n: 600, d: 8, k: 3, seed: 6, separation: 12 });
    const s = maxMarginScores(input);
    expect(s.trainAccuracy).toBe(1);
    const r0 = maxMarginSampler.run(input, { fraction: 0.1, j: 0, seed: 1 }, { rng: createRng(1) });
    const r1 = maxMarginSampler.run(input, { fraction: 0.1, j: 1, seed: 1 }, { rng: createRng(1) });
    expect(r0.members.length).toBe(60);
    expect(r1.members.length).toBe(60);
    expect(r0.diagnostics.trainAccuracy).toBe(1);
    const mean = (m: Int32Array) => Array.from(m).reduce((a, i) => a + s.logRatio[i], 0) / m.length;
    expect(mean(r0.members)).toBeGreaterThan(mean(r1.members));
    expect(r0.diagnostics.outliers).toBe(0);
    expect(r1.diagnostics.exemplars).toBe(0);
  });
  it('the fit does not depend on the seed: same members at any seed; the hinge loss (dual CD) path works too', () => {
    const input = makeBlobs({ n: 900, d: 6, k: 3, seed: 11, separation: 1.5 });
    const a = maxMarginSampler.run(input, { fraction: 0.1, j: 0.7, seed: 1 }, { rng: createRng(1) });
    const b = maxMarginSampler.run(input, { fraction: 0.1, j: 0.7, seed: 7 }, { rng: createRng(7) });
    expect(Array.from(a.members)).toEqual(Array.from(b.members));
    expect(a.diagnostics.solver).toBe('newton');
    const h = maxMarginScores(input, { svm: { loss: 'hinge' } });
    expect(h.solver).toBe('dual-cd');
    const s = maxMarginScores(input);
    // Different losses, similar classifiers: the predicted groups mostly agree.
    let agree = 0;
    for (let i = 0; i < 900; i++) if (h.group[i] === s.group[i]) agree++;
    expect(agree / 900).toBeGreaterThan(0.9);
  });
});
