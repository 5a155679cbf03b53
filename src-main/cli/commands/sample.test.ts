import { describe, expect, it } from 'vitest';
import { SAMPLER_OPTION_METHODS, samplerOptionsSchema } from '../../shared/api.ts';
import { checkSamplerOptions } from '../../app/services/samples.ts';
import { advancedOptions, sampleCommand } from './sample.ts';

describe('margin sample advanced options', () => {
  it('turns the kebab-case flags into typed sampler options', () => {
    expect(advancedOptions({ 'bandwidth-rule': 'median-pairwise' })).toEqual({ bandwidthRule: 'median-pairwise' });
    expect(advancedOptions({ 'grid-split': 'mean', 'grid-top-up': 'off' })).toEqual({ gridSplit: 'mean', gridTopUp: false });
    expect(advancedOptions({ 'grid-top-up': 'on' })).toEqual({ gridTopUp: true });
    expect(advancedOptions({ 'svm-c': '0.1', 'svm-loss': 'hinge', 'svm-scaling': 'none' })).toEqual({ svmC: 0.1, svmLoss: 'hinge', svmScaling: 'none' });
    expect(advancedOptions({ 'ratio-cap': '50', 'weighted-allocation': 'per-group' })).toEqual({ ratioCap: 50, weightedAllocation: 'per-group' });
    expect(advancedOptions({ 'gmm-estimator': 'variational' })).toEqual({ gmmEstimator: 'variational' });
    expect(advancedOptions({})).toBeUndefined();
  });

  it('refuses bad values naming the flag', () => {
    expect(() => advancedOptions({ 'grid-top-up': 'maybe' })).toThrow(/--grid-top-up must be on or off/);
    expect(() => advancedOptions({ 'grid-split': 'mode' })).toThrow(/--grid-split/);
    expect(() => advancedOptions({ 'bandwidth-rule': 'silverman' })).toThrow(/--bandwidth-rule/);
    expect(() => advancedOptions({ bandwidth: '2', 'bandwidth-rule': 'median-nn' })).toThrow(/--bandwidth-rule: give either bandwidth/);
    expect(() => advancedOptions({ 'svm-c': 'x' })).toThrow(/--svm-c must be a number/);
  });

  it('lists every API option in --help, and each option applies only to its methods', () => {
    for (const key of Object.keys(samplerOptionsSchema.shape)) expect(Object.keys(SAMPLER_OPTION_METHODS)).toContain(key);
    for (const flag of ['--svm-c', '--svm-loss', '--svm-scaling', '--ratio-cap', '--weighted-allocation', '--bandwidth ', '--bandwidth-rule', '--grid-split', '--grid-top-up', '--gmm-estimator']) {
      expect(sampleCommand.usage).toContain(flag);
    }
    expect(() => checkSamplerOptions('latent-grid', { gridSplit: 'mean', gridTopUp: false })).not.toThrow();
    expect(() => checkSamplerOptions('vas', { gridSplit: 'mean' })).toThrow(/options.gridSplit applies to latent-grid, not vas/);
    expect(() => checkSamplerOptions('latent-grid', { bandwidthRule: 'median-pairwise' })).toThrow(/applies to vas/);
    expect(() => checkSamplerOptions('gmm-spherical', { gmmEstimator: 'variational' })).toThrow(/applies to gmm-full, not gmm-spherical/);
  });
});
