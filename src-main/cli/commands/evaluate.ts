import { readFileSync } from 'node:fs';
import type { Command } from '../command.ts';
import { numberOption, requireOption } from '../command.ts';
import { progressPrinter, withProject } from '../project.ts';
import { MarginError } from '../../shared/errors.ts';
import { parseSamplerOptionsArg, type SamplerOptionsByMethod } from '../../shared/sampler-variants.ts';

const EXPERIMENTS = ['e1', 'e2', 'e3', 'e4', 'table4', 'all'] as const;

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: "Run the paper's experiments (E1–E4, Table IV) on a checkpoint: stored runs plus CSV, JSON and SVG figures",
  usage: 'margin evaluate --project DIR --model NAME [--checkpoint C] --experiment e1|e2|e3|e4|table4|all --out OUTDIR [--seeds 10] [--fractions 0.05,0.1,…] [--sampler-options defaults|paper|JSON|@FILE] [--force]\n'
    + '  [--cluster local:N|tcp://HOST:PORT [--shard-size K]]  compute the exact answers (the ground truth) on a Dask cluster\n'
    + '  --fractions LIST  E1\'s sampling fractions, comma-separated in (0, 1] (default 0.05,0.1,0.2,0.4,0.8)\n'
    + '  --sampler-options X  options per sampler for every experiment: "defaults" (Margin\'s, the default), "paper" (the paper\'s\n'
    + '      reading of its open choices: VAS median-pairwise bandwidth, latent grid split at the mean without top-up, SVM C = 1\n'
    + '      hinge unscaled, weighted per group, GMM variational), a JSON object such as \'{"vas":{"bandwidthRule":"median-pairwise"}}\'\n'
    + '      (option names as in `margin sample --help`, camelCase: svmC, svmLoss, svmScaling, ratioCap, weightedAllocation, …),\n'
    + '      or @FILE holding one. Stored with each run.',
  options: {
    project: { type: 'string' }, model: { type: 'string' }, checkpoint: { type: 'string' },
    experiment: { type: 'string' }, out: { type: 'string' }, seeds: { type: 'string' }, force: { type: 'boolean' },
    fractions: { type: 'string' }, 'sampler-options': { type: 'string' }, cluster: { type: 'string' }, 'shard-size': { type: 'string' },
  },
  async run({ values }) {
    const model = requireOption(values, 'model', this.usage);
    const experiment = requireOption(values, 'experiment', this.usage);
    if (!(EXPERIMENTS as readonly string[]).includes(experiment)) {
      throw new MarginError('BAD_REQUEST', `--experiment must be one of ${EXPERIMENTS.join(', ')}, got ${experiment}\nusage: ${this.usage}`);
    }
    const out = requireOption(values, 'out', this.usage);
    const seeds = numberOption(values, 'seeds', { fallback: 10, integer: true, min: 1, max: 50 })!;
    const fractions = typeof values.fractions === 'string' ? parseFractions(values.fractions) : undefined;
    const samplerOptions = typeof values['sampler-options'] === 'string' ? samplerOptionsArg(values['sampler-options']) : undefined;
    const { EXPERIMENT_NAMES, checkExperimentOutputs, runExperiment, summaryLine, writeExperimentFiles } = await import('../../app/services/evaluate.ts');
    const cluster = typeof values.cluster === 'string' ? values.cluster : undefined;
    const shardSize = numberOption(values, 'shard-size', { integer: true, min: 1 });
    if (!cluster && shardSize !== undefined) throw new MarginError('BAD_REQUEST', `--shard-size goes with --cluster\nusage: ${this.usage}`);
    let exactAggregates: import('../../app/services/queries.ts').ExactAggregates | undefined;
    // One cluster for the whole command (a Dask run per main layer): `local:N` starts once, on the
    // first run, and is shut down when the run ends (below), fails or is cancelled.
    let session: import('../../cluster/session.ts').ClusterSession | undefined;
    const clusterOptions: { cluster: string; session?: typeof session; shardSize?: number; signal?: AbortSignal } = { cluster: cluster ?? '', shardSize };
    if (cluster) {
      const { checkExactShardSize, clusterExactAggregates } = await import('../../cluster/exact.ts');
      const { ClusterSession, startedLine } = await import('../../cluster/session.ts');
      session = new ClusterSession(cluster, { onStarted: (s, seconds) => console.error(startedLine(cluster, s, seconds)) }); // checks the address
      if (shardSize !== undefined) checkExactShardSize(shardSize);
      clusterOptions.session = session;
      exactAggregates = clusterExactAggregates(clusterOptions); // its signal is set below, with Ctrl-C's
    }
    return withProject(values, this.usage, async (store) => {
      // The output folder is checked before the (minutes-long) run, and again when written.
      const safe = { overwrite: values.force === true, forceHint: '--force', projects: [store.dir] };
      await checkExperimentOutputs(experiment === 'all' ? EXPERIMENT_NAMES : [experiment as (typeof EXPERIMENT_NAMES)[number]], out, safe);
      const controller = new AbortController();
      clusterOptions.signal = controller.signal;
      const onSigint = () => {
        console.error('\ncancelling the evaluation (experiments already finished stay stored)…');
        controller.abort();
      };
      process.once('SIGINT', onSigint);
      let label = '';
      let print = progressPrinter('evaluate');
      const t0 = performance.now();
      try {
        const { runs } = await runExperiment(
          store,
          {
            model, checkpoint: typeof values.checkpoint === 'string' ? values.checkpoint : undefined, experiment: experiment as (typeof EXPERIMENTS)[number], seeds,
            ...(fractions ? { fractions } : {}), ...(samplerOptions ? { samplerOptions } : {}),
          },
          {
            signal: controller.signal,
            exactAggregates,
            onProgress: (done, total, message) => {
              // One printer per phase ("E1", "extracting …"), so each prints its own 10 % steps.
              const phase = (message ?? '').split(':')[0];
              if (phase !== label) { label = phase; print = progressPrinter(`evaluate ${phase}`); }
              print(Math.round(done * 10), Math.round(total * 10), message);
            },
          },
        );
        const files = await writeExperimentFiles(runs, out, safe);
        for (const run of runs) console.log(`${summaryLine(run)} [run ${run.id}]`);
        const fits = fitsLine(runs);
        if (fits) console.log(fits);
        console.log(`${files.length} files in ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        return 0;
      } finally {
        process.removeListener('SIGINT', onSigint);
        await session?.close();
      }
    });
  },
};

/**
 * How many MaxMargin / GMM fits the run read from the project's fit cache and how many it fitted,
 * e.g. "fits: 4 reused from the project's fit cache (cache/fits), 0 computed (e1 4/0)"; E4 is left
 * out (it fits every time: it times the samplers). Null when no experiment fitted anything.
 */
export function fitsLine(runs: ReadonlyArray<{ experiment: string; fits?: { reused: number; computed: number } }>): string | null {
  const counted = runs.filter((r) => r.experiment !== 'e4' && r.fits);
  const reused = counted.reduce((s, r) => s + r.fits!.reused, 0), computed = counted.reduce((s, r) => s + r.fits!.computed, 0);
  if (reused + computed === 0) return null;
  const per = counted.filter((r) => r.fits!.reused + r.fits!.computed > 0).map((r) => `${r.experiment} ${r.fits!.reused}/${r.fits!.computed}`).join(', ');
  return `fits: ${reused} reused from the project's fit cache (cache/fits), ${computed} computed (${per}; reused/computed)`;
}

/** `--fractions 0.05,0.1`: 1 to 20 numbers in (0, 1]. */
export function parseFractions(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.length > 20 || parts.some((p, i) => p === '' || !Number.isFinite(values[i]) || values[i] <= 0 || values[i] > 1)) {
    throw new MarginError('BAD_REQUEST', `--fractions must be 1 to 20 comma-separated numbers in (0, 1], e.g. 0.05 or 0.05,0.1; got ${JSON.stringify(text.slice(0, 60))}`);
  }
  return values;
}

/** `--sampler-options`: a variant name, a JSON object, or @FILE holding one (the file is named in errors, never quoted). */
export function samplerOptionsArg(text: string): SamplerOptionsByMethod {
  const t = text.trim();
  if (!t.startsWith('@')) return parseSamplerOptionsArg(t);
  const file = t.slice(1);
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MarginError('BAD_REQUEST', `--sampler-options: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); give a JSON file of sampler → options`);
  }
  const inner = body.trim();
  if (!inner.startsWith('{')) throw new MarginError('BAD_REQUEST', `--sampler-options: ${file} does not hold a JSON object; write e.g. {"vas":{"bandwidthRule":"median-pairwise"}}`);
  try {
    return parseSamplerOptionsArg(inner, `--sampler-options (${file})`);
  } catch (err) {
    // JSON.parse's message may quote the file's text: say where and what, not the contents.
    if (/not valid JSON/.test((err as Error).message)) throw new MarginError('BAD_REQUEST', `--sampler-options: ${file} is not valid JSON; write an object such as {"vas":{"bandwidthRule":"median-pairwise"}}`);
    throw err;
  }
}
