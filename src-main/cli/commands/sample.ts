import type { Command } from '../command.ts';
import { SEED_RANGE, requireOption, numberOption } from '../command.ts';
import { withProject } from '../project.ts';
import { MarginError } from '../../shared/errors.ts';
import { SAMPLER_METHODS, type SamplerMethodName } from '../../shared/api.ts';

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'Create a sample of a checkpoint\'s items with one of the paper\'s samplers',
  usage: `margin sample --project DIR --model NAME [--checkpoint C] --method ${SAMPLER_METHODS.join('|')} --fraction F [--j J] [--seed S] [--name NAME] [--json]`,
  options: {
    project: { type: 'string' }, model: { type: 'string' }, checkpoint: { type: 'string' }, method: { type: 'string' },
    fraction: { type: 'string' }, j: { type: 'string' }, seed: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' },
  },
  async run({ values }) {
    const model = requireOption(values, 'model', this.usage);
    const method = requireOption(values, 'method', this.usage) as SamplerMethodName;
    if (!SAMPLER_METHODS.includes(method)) throw new MarginError('BAD_REQUEST', `--method must be one of ${SAMPLER_METHODS.join(', ')}, got ${method}`);
    const fraction = numberOption(values, 'fraction', { fallback: 0.05, min: 0, minExclusive: true, max: 1 })!;
    const j = numberOption(values, 'j', { min: 0, max: 1 });
    const seed = numberOption(values, 'seed', { ...SEED_RANGE, fallback: 1 })!;
    const { createSample } = await import('../../app/services/samples.ts');
    return withProject(values, this.usage, async (store) => {
      const s = await createSample(store, {
        model, checkpoint: typeof values.checkpoint === 'string' ? values.checkpoint : undefined, method, fraction, j, seed,
        name: typeof values.name === 'string' ? values.name : undefined,
      });
      if (values.json) console.log(JSON.stringify(s, null, 2));
      else console.log(`${s.name}: ${s.method}, ${s.size.toLocaleString()} items (${s.correct} correct, ${s.incorrect} incorrect) in ${s.seconds.toFixed(3)} s`);
      return 0;
    });
  },
};

export const samplesCommand: Command = {
  name: 'samples',
  summary: 'List the samples of a project',
  usage: 'margin samples --project DIR [--model NAME] [--json]',
  options: { project: { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }) {
    const { sampleSummaries } = await import('../../app/services/project-info.ts');
    return withProject(values, this.usage, async (store) => {
      const list = await sampleSummaries(store, typeof values.model === 'string' ? values.model : undefined);
      if (values.json) {
        console.log(JSON.stringify(list, null, 2));
        return 0;
      }
      if (list.length === 0) console.log('No samples yet: create one with `margin sample`.');
      for (const s of list) {
        console.log(`${s.name.padEnd(32)} ${s.model}@${s.checkpoint}  ${s.method.padEnd(14)} ${String(s.size).padStart(6)} items  ${String(s.correct).padStart(6)} correct ${String(s.incorrect).padStart(5)} incorrect  ${s.seconds.toFixed(3)} s  ${s.created}`);
      }
      return 0;
    }, { readOnly: true });
  },
};
