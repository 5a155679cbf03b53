import { describe, expect, it } from 'vitest';
import { MarginError } from './errors.ts';
import { samplerOptionsByMethodSchema } from './api.ts';
import { checkSamplerOptionsByMethod, PAPER_READING, parseSamplerOptionsArg, SAMPLER_VARIANTS } from './sampler-variants.ts';

function message(fn: () => unknown): string {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(MarginError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('sampler options per method', () => {
  it('the named variants: defaults is empty, paper is the paper\'s reading and valid', () => {
    expect(parseSamplerOptionsArg('defaults')).toEqual({});
    expect(parseSamplerOptionsArg(' paper ')).toBe(PAPER_READING);
    expect(samplerOptionsByMethodSchema.safeParse(SAMPLER_VARIANTS.paper).success).toBe(true);
    expect(PAPER_READING.vas).toEqual({ bandwidthRule: 'median-pairwise' });
    expect(PAPER_READING['latent-grid']).toEqual({ gridSplit: 'mean', gridTopUp: false });
    expect(PAPER_READING.weighted).toMatchObject({ weightedAllocation: 'per-group', svmC: 1, svmLoss: 'hinge', svmScaling: 'none' });
    expect(PAPER_READING.maxmargin).toEqual({ svmC: 1, svmLoss: 'hinge', svmScaling: 'none' });
    expect(PAPER_READING['gmm-full']).toEqual({ gmmEstimator: 'variational' });
  });
  it('a JSON object is validated per method', () => {
    expect(parseSamplerOptionsArg('{"vas":{"bandwidth":2.5},"maxmargin":{"svmC":0.1}}')).toEqual({ vas: { bandwidth: 2.5 }, maxmargin: { svmC: 0.1 } });
    expect(checkSamplerOptionsByMethod({})).toEqual({});
  });
  it('refuses what does not apply or is not valid, naming the method and the option', () => {
    expect(message(() => parseSamplerOptionsArg('{"vas":{"svmC":1}}'))).toMatch(/--sampler-options\.vas\.svmC: svmC does not apply to vas \(it applies to maxmargin, weighted\)/);
    expect(message(() => parseSamplerOptionsArg('{"vass":{}}'))).toMatch(/--sampler-options: unknown sampler "vass" \(samplers: uniform, stratified, latent-grid, vas/);
    expect(message(() => parseSamplerOptionsArg('{"maxmargin":{"svmC":-1}}'))).toMatch(/--sampler-options\.maxmargin\.svmC: must be > 0/);
    expect(message(() => parseSamplerOptionsArg('{"vas":{"bandwidth":1,"bandwidthRule":"median-nn"}}'))).toMatch(/not both/);
    expect(message(() => parseSamplerOptionsArg('{"vas":{"colour":"red"}}'))).toMatch(/--sampler-options\.vas: unknown option "colour" \(options: svmC, /);
    expect(message(() => parseSamplerOptionsArg('{"vas":'))).toMatch(/--sampler-options is not valid JSON .*quote it for the shell/);
    expect(message(() => parseSamplerOptionsArg('papers'))).toMatch(/--sampler-options must be defaults or paper, a JSON object/);
    expect(message(() => checkSamplerOptionsByMethod([1, 2], 'samplerOptions'))).toMatch(/^samplerOptions: .*give an object of sampler name → options/);
  });
});
