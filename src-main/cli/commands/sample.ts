import type { Command } from '../command.ts';
import { SEED_RANGE, requireOption, numberOption } from '../command.ts';
import { withProject } from '../project.ts';
import { MarginError } from '../../shared/errors.ts';
import { formatSamplerSettings } from '../../shared/sampler-params.ts';
import { SAMPLER_METHODS, samplerOptionsSchema, type SamplerMethodName, type SamplerOptions } from '../../shared/api.ts';

/** `--svm-c 1` → options.svmC = 1: the advanced sampler options, kebab-case on the command line. */
const ADVANCED: Array<{ flag: string; key: keyof SamplerOptions; kind: 'number' | 'string' | 'switch'; help: string }> = [
  { flag: 'svm-c', key: 'svmC', kind: 'number', help: 'maxmargin/weighted: SVM C (default 1)' },
  { flag: 'svm-loss', key: 'svmLoss', kind: 'string', help: 'maxmargin/weighted: squared-hinge (default) | hinge' },
  { flag: 'svm-scaling', key: 'svmScaling', kind: 'string', help: 'maxmargin/weighted: zscore (default) | none' },
  { flag: 'ratio-cap', key: 'ratioCap', kind: 'number', help: 'weighted: likelihood-ratio cap (default 100)' },
  { flag: 'weighted-allocation', key: 'weightedAllocation', kind: 'string', help: 'weighted: per-group (default: f·|group| per predicted group) | global (one draw over all items)' },
  { flag: 'allocation-power', key: 'allocationPower', kind: 'number', help: 'query-strata: p of the N_g^p allocation (default -0.25)' },
  { flag: 'stratify-by', key: 'stratifyBy', kind: 'string', help: 'query-strata: confidence (default) | random' },
  { flag: 'balance-draws', key: 'balanceDraws', kind: 'number', help: 'query-strata: balancing draws per stratum (default 300; 1 = none)' },
  { flag: 'bandwidth', key: 'bandwidth', kind: 'number', help: 'vas: explicit kernel bandwidth in latent units (default: by --bandwidth-rule)' },
  { flag: 'bandwidth-rule', key: 'bandwidthRule', kind: 'string', help: 'vas: median-nn (default) | median-pairwise' },
  { flag: 'grid-split', key: 'gridSplit', kind: 'string', help: 'latent-grid: split each PCA axis at its median (default) | mean' },
  { flag: 'grid-top-up', key: 'gridTopUp', kind: 'switch', help: 'latent-grid: on (default: small cells\' share goes to the others, f·N items) | off' },
  { flag: 'gmm-estimator', key: 'gmmEstimator', kind: 'string', help: 'gmm-full: em-from-labels (default: maximum-likelihood EM from the predicted labels) | variational (the paper\'s)' },
  { flag: 'max-children', key: 'maxChildren', kind: 'number', help: 'boundary-tree: children per node (default unlimited)' },
];

export function advancedOptions(values: Record<string, unknown>): SamplerOptions | undefined {
  const raw: Record<string, unknown> = {};
  for (const a of ADVANCED) {
    const v = values[a.flag];
    if (v === undefined) continue;
    if (a.kind === 'number') {
      const n = Number(v);
      if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new MarginError('BAD_REQUEST', `--${a.flag} must be a number, got ${JSON.stringify(v)}`);
      raw[a.key] = n;
    } else if (a.kind === 'switch') {
      const t = String(v).trim().toLowerCase();
      if (['on', 'true', 'yes', '1'].includes(t)) raw[a.key] = true;
      else if (['off', 'false', 'no', '0'].includes(t)) raw[a.key] = false;
      else throw new MarginError('BAD_REQUEST', `--${a.flag} must be on or off, got ${JSON.stringify(v)}`);
    } else raw[a.key] = v;
  }
  if (Object.keys(raw).length === 0) return undefined;
  const parsed = samplerOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = ADVANCED.find((a) => a.key === issue.path[0])?.flag ?? String(issue.path[0]);
    throw new MarginError('BAD_REQUEST', `--${flag}: ${issue.message}`);
  }
  return parsed.data;
}

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'Create a sample of a checkpoint\'s items with one of the paper\'s samplers',
  usage: `margin sample --project DIR --model NAME [--checkpoint C] --method ${SAMPLER_METHODS.join('|')} --fraction F [--j J] [--seed S] [--name NAME] [--json]
  advanced (each for the methods named):
${ADVANCED.map((a) => `    --${a.flag} ${a.kind === 'number' ? 'N' : a.kind === 'switch' ? 'on|off' : 'X'}  ${a.help}`).join('\n')}`,
  options: {
    project: { type: 'string' }, model: { type: 'string' }, checkpoint: { type: 'string' }, method: { type: 'string' },
    fraction: { type: 'string' }, j: { type: 'string' }, seed: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' },
    ...Object.fromEntries(ADVANCED.map((a) => [a.flag, { type: 'string' as const }])),
  },
  async run({ values }) {
    const model = requireOption(values, 'model', this.usage);
    const method = requireOption(values, 'method', this.usage) as SamplerMethodName;
    if (!SAMPLER_METHODS.includes(method)) throw new MarginError('BAD_REQUEST', `--method must be one of ${SAMPLER_METHODS.join(', ')}, got ${method}`);
    const fraction = numberOption(values, 'fraction', { fallback: 0.05, min: 0, minExclusive: true, max: 1 })!;
    const j = numberOption(values, 'j', { min: 0, max: 1 });
    const seed = numberOption(values, 'seed', { ...SEED_RANGE, fallback: 1 })!;
    const options = advancedOptions(values);
    const { createSample } = await import('../../app/services/samples.ts');
    return withProject(values, this.usage, async (store) => {
      const s = await createSample(store, {
        model, checkpoint: typeof values.checkpoint === 'string' ? values.checkpoint : undefined, method, fraction, j, seed,
        name: typeof values.name === 'string' ? values.name : undefined,
        ...(options ? { options } : {}),
      });
      if (values.json) console.log(JSON.stringify(s, null, 2));
      else {
        console.log(`${s.name}: ${s.method}, ${s.size.toLocaleString()} items (${s.correct} correct, ${s.incorrect} incorrect) in ${s.seconds.toFixed(3)} s`);
        const settings = formatSamplerSettings(s.params);
        if (settings) console.log(`  ${settings}`);
      }
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
    const model = typeof values.model === 'string' ? values.model : undefined;
    const print = (list: Awaited<ReturnType<typeof sampleSummaries>>) => {
      if (values.json) {
        console.log(JSON.stringify(list, null, 2));
        return 0;
      }
      if (list.length === 0) console.log('No samples yet: create one with `margin sample`.');
      for (const s of list) {
        const settings = formatSamplerSettings(s.params);
        console.log(`${s.name.padEnd(32)} ${s.model}@${s.checkpoint}  ${s.method.padEnd(14)} ${String(s.size).padStart(6)} items  ${String(s.correct).padStart(6)} correct ${String(s.incorrect).padStart(5)} incorrect  ${s.seconds.toFixed(3)} s  ${s.created}${settings ? `\n    ${settings}` : ''}`);
      }
      return 0;
    };
    return withProject(values, this.usage, async (store) => print(await sampleSummaries(store, model)), {
      readOnly: true,
      viaWorkbench: async (call) => print(await call('sample.list', { model })),
    });
  },
};
