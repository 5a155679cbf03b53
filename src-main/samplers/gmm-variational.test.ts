import { describe, expect, it } from 'vitest';
import { defaultPrior, fitVariationalGmm, logRhoOffsets, posteriorFromStats } from './gmm-variational.ts';
import { digamma } from './special-functions.ts';

const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
  expect(got.length).toBe(want.length);
  for (let t = 0; t < want.length; t++) expect(Math.abs(got[t] - want[t])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[t])));
};

describe('variational GMM: one update by hand (1-D, x = 0, 1, 3, 4; labels 0, 0, 1, 1)', () => {
  const x = Float64Array.from([0, 1, 3, 4]);
  // Priors: m₀ = 2, W₀⁻¹ = var(x, n − 1) = 10/3, ν₀ = d = 1, β₀ = 1, α₀ = 1/k = 1/2.
  const prior = defaultPrior(x, 4, 1, 2);
  it("has scikit-learn's default priors", () => {
    expect(prior.mean[0]).toBeCloseTo(2, 12);
    expect(prior.covariance[0]).toBeCloseTo(10 / 3, 12);
    expect(prior).toMatchObject({ weightConcentration: 0.5, meanPrecision: 1, degreesOfFreedom: 1 });
  });
  it('updates the posterior from N_c = 2, x̄ = 0.5 / 3.5, S_c = 0.25', () => {
    const post = posteriorFromStats(prior, 2, 1, Float64Array.from([2, 2]), Float64Array.from([0.5, 3.5]), Float64Array.from([0.25, 0.25]));
    // α = ½ + 2, β = 1 + 2, m = (1·2 + 2·0.5)/3 = 1 and (2 + 7)/3 = 3, ν = 1 + 2,
    // W⁻¹ = 10/3 + 2·0.25 + (2·1/3)·1.5² = 16/3, C = W⁻¹/ν = 16/9.
    near(post.weightConcentration, [2.5, 2.5], 1e-12);
    near(post.meanPrecision, [3, 3], 1e-12);
    near(post.means, [1, 3], 1e-12);
    near(post.degreesOfFreedom, [3, 3], 1e-12);
    near(post.covariances, [16 / 9, 16 / 9], 1e-12);
    // Bishop (10.64)–(10.67) in 1-D, W = 3/16, ν = 3, β = 3:
    // log ρ = ψ(2.5) − ψ(5) + ½(ψ(3/2) + log 2 + log W) − ½ log 2π − ½(1/β + νW(x − m)²).
    const off = logRhoOffsets(post);
    const logN = (v: number, m: number) => -0.5 * Math.log(2 * Math.PI) - 0.5 * Math.log(16 / 9) - 0.5 * (v - m) ** 2 / (16 / 9);
    const bishop = (v: number, m: number) =>
      digamma(2.5) - digamma(5) + 0.5 * (digamma(1.5) + Math.log(2) + Math.log(3 / 16)) - 0.5 * Math.log(2 * Math.PI) - 0.5 * (1 / 3 + (9 / 16) * (v - m) ** 2);
    for (const v of [0, 1, 3, 4]) {
      expect(off[0] + logN(v, 1)).toBeCloseTo(bishop(v, 1), 12);
      expect(off[1] + logN(v, 3)).toBeCloseTo(bishop(v, 3), 12);
    }
  });
  it("scores the items by log ρ at the start posterior: log ρ₀ − log ρ₁ = ½(9/16)((x − 3)² − (x − 1)²)", () => {
    const fit = fitVariationalGmm(x, 4, 1, 2, Int32Array.from([0, 0, 1, 1]), { regCovar: 0, maxIter: 0 });
    const diffs = [0, 1, 3, 4].map((_, i) => fit.logJoint[i * 2] - fit.logJoint[i * 2 + 1]);
    near(diffs, [2.25, 1.125, -1.125, -2.25], 1e-12);
  });
});

/**
 * scikit-learn 1.2.1 BayesianGaussianMixture(n_components=4, covariance_type='full',
 * weight_concentration_prior_type='dirichlet_distribution', reg_covar=1e-6, tol=1e-3) started
 * from the same one-hot labels: printed by `/usr/bin/python3 scripts/python/vbgmm_reference.py`.
 */
const SK = {"x": [1.691, 0.228, 0.033, 0.254, -0.789, -0.235, -0.001, -1.053, 1.018, 0.666, -0.625, -0.291, 0.505, -0.005, -0.243, -0.945, 0.555, 0.241, 0.274, -0.834, 1.651, 0.588, -0.387, 1.101, -0.045, -0.884, -0.405, -1.495, 1.049, 0.065, -0.743, 0.421, -1.651, -0.174, -2.064, -1.017, -1.204, 0.516, 1.766, 0.332, 4.841, 1.144, 4.568, 0.719, 2.292, -0.594, 4.383, 2.463, 4.269, 0.766, 5.912, 1.716, 4.101, 1.182, 3.868, 0.775, 2.565, 0.87, 3.905, 1.687, 3.631, -0.254, 3.9, 1.99, 3.617, 0.351, 2.806, 0.012, 3.7, 0.202, 5.498, 1.28, 4.109, 1.896, 5.503, 1.323, 4.332, 1.541, 3.807, -0.125, 1.655, 5.733, 1.416, 4.571, 0.804, 4.587, 0.7, 5.688, 2.53, 5.861, 1.549, 5.571, 0.988, 4.951, 0.326, 4.764, 3.26, 6.199, 0.658, 4.614, 0.136, 4.965, 1.392, 4.252, 1.486, 4.804, 2.427, 5.522, 2.718, 5.24, 0.712, 5.093, 2.056, 5.656, -0.234, 4.74, 1.022, 4.749, 0.352, 5.854], "labels": [0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], "weightConcentration": [19.7036194136183, 20.79469417005347, 20.250900218882425, 0.2507861974458259], "meanPrecision": [20.4536194136183, 21.54469417005347, 21.000900218882425, 1.0007861974458259], "means": [0.09862431557490005, -0.04599215253732295, 3.878948746306482, 0.9912831680452818, 1.321504825003485, 5.0193815060698705, 1.7991392298132238, 1.9968465407603204], "degreesOfFreedom": [21.4536194136183, 22.54469417005347, 22.000900218882425, 2.000786197445826], "covariances": [1.4082245038169872, 0.38330930645634576, 0.3833093064563458, 0.9081788706140921, 1.3611397166902681, 0.31444057188472196, 0.3144405718847219, 0.8629127623156844, 0.9380761425896905, 0.17017203715324913, 0.17017203715324913, 0.9600327726984096, 1.9249043219568311, 0.11879140083849314, 0.11879140083849314, 2.8962236260665932], "weights": [0.32301015432161134, 0.34089662573858137, 0.3319819708013511, 0.0041112491384561614], "lowerBound": -144.53237960442283, "iterations": 5, "converged": true, "proba5": [0.6894243435226565, 0.3105291969571799, 5.737596446758386e-06, 4.072192371679019e-05, 0.9949965161216363, 0.004983245182336006, 8.175849606615159e-06, 1.2062846421222785e-05, 0.9995191666698602, 0.0004759352763629636, 4.1220900509497855e-07, 4.485844771788285e-06, 0.9965775944415437, 0.0034152690140044823, 9.437632335112697e-09, 7.1271068194450576e-06, 0.9280271040893662, 0.0718586008592951, 7.70383073841495e-05, 3.7256743954568614e-05]};

describe('variational GMM against scikit-learn (2-D, 60 points, 4 components, one nearly empty)', () => {
  const n = 60, d = 2, k = 4;
  for (const pruneGap of [Infinity, 25]) {
    it(`converges to scikit-learn's posterior in the same number of iterations (pruning gap ${pruneGap})`, () => {
      const fit = fitVariationalGmm(Float64Array.from(SK.x), n, d, k, Int32Array.from(SK.labels), { regCovar: 1e-6, pruneGap });
      expect(fit.iterations).toBe(SK.iterations);
      expect(fit.converged).toBe(SK.converged);
      near(fit.posterior.weightConcentration, SK.weightConcentration, 1e-6);
      near(fit.posterior.meanPrecision, SK.meanPrecision, 1e-6);
      near(fit.posterior.degreesOfFreedom, SK.degreesOfFreedom, 1e-6);
      near(fit.posterior.means, SK.means, 1e-6);
      near(fit.posterior.covariances, SK.covariances, 1e-6);
      expect(Math.abs(fit.lowerBound - SK.lowerBound)).toBeLessThan(1e-6 * Math.abs(SK.lowerBound));
      // predict_proba of the first five points = the softmax of log ρ.
      const proba: number[] = [];
      for (let i = 0; i < 5; i++) {
        const row = Array.from(fit.logJoint.subarray(i * k, i * k + k));
        const top = Math.max(...row);
        const s = row.reduce((a, v) => a + Math.exp(v - top), 0);
        for (const v of row) proba.push(Math.exp(v - top) / s);
      }
      for (let t = 0; t < proba.length; t++) expect(Math.abs(proba[t] - SK.proba5[t])).toBeLessThan(1e-7);
      // The fourth (three-point) component is switched off: weight α₄/Σα ≈ 0.004.
      expect(fit.effectiveComponents).toBe(3);
      const alpha = fit.posterior.weightConcentration, sum = alpha.reduce((a, v) => a + v, 0);
      near(Array.from(alpha, (a) => a / sum), SK.weights, 1e-6);
    });
  }

  it('is deterministic and accepts the Float32 latent as stored', () => {
    const a = fitVariationalGmm(Float32Array.from(SK.x), n, d, k, Int32Array.from(SK.labels));
    const b = fitVariationalGmm(Float32Array.from(SK.x), n, d, k, Int32Array.from(SK.labels));
    expect(Array.from(a.logJoint)).toEqual(Array.from(b.logJoint));
    expect(Number.isFinite(a.lowerBound)).toBe(true);
  });
});
