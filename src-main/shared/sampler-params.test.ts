import { describe, expect, it } from 'vitest';
import { formatSamplerSettings, samplerSettings } from './sampler-params.ts';

describe('sampler settings of a stored sample', () => {
  it('drops fraction, j, seed, diagnostics and non-scalar values, keeps the order', () => {
    const stored = { fraction: 0.05, seed: 1, gmmEstimator: 'variational', covariance: 'full', j: 0.7, weightConcentrationPrior: 0.1,
      diagnostics: { lowerBound: 3 }, list: [1, 2], nan: Number.NaN, gridTopUp: false };
    expect(samplerSettings(stored)).toEqual({ gmmEstimator: 'variational', covariance: 'full', weightConcentrationPrior: 0.1, gridTopUp: false });
    expect(Object.keys(samplerSettings(stored))).toEqual(['gmmEstimator', 'covariance', 'weightConcentrationPrior', 'gridTopUp']);
    expect(samplerSettings(null)).toEqual({});
    expect(samplerSettings('x')).toEqual({});
  });
  it('formats numbers to 4 significant digits and switches as on/off', () => {
    expect(formatSamplerSettings({ bandwidth: 4.832187, bandwidthRule: 'median-nn', svmC: 1, gridTopUp: true, p: -0.25 }))
      .toBe('bandwidth = 4.832, bandwidthRule = median-nn, svmC = 1, gridTopUp = on, p = -0.25');
    expect(formatSamplerSettings({})).toBe('');
    expect(formatSamplerSettings(undefined)).toBe('');
  });
});
