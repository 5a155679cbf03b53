import type { Command } from '../command.ts';
import { numberOption, requireOption } from '../command.ts';
import { progressPrinter, withProject } from '../project.ts';
import { MarginError } from '../../shared/errors.ts';

const EXPERIMENTS = ['e1', 'e2', 'e3', 'e4', 'table4', 'all'] as const;

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: "Run the paper's experiments (E1–E4, Table IV) on a checkpoint: stored runs plus CSV, JSON and SVG figures",
  usage: 'margin evaluate --project DIR --model NAME [--checkpoint C] --experiment e1|e2|e3|e4|table4|all --out OUTDIR [--seeds 10] [--force]',
  options: {
    project: { type: 'string' }, model: { type: 'string' }, checkpoint: { type: 'string' },
    experiment: { type: 'string' }, out: { type: 'string' }, seeds: { type: 'string' }, force: { type: 'boolean' },
  },
  async run({ values }) {
    const model = requireOption(values, 'model', this.usage);
    const experiment = requireOption(values, 'experiment', this.usage);
    if (!(EXPERIMENTS as readonly string[]).includes(experiment)) {
      throw new MarginError('BAD_REQUEST', `--experiment must be one of ${EXPERIMENTS.join(', ')}, got ${experiment}\nusage: ${this.usage}`);
    }
    const out = requireOption(values, 'out', this.usage);
    const seeds = numberOption(values, 'seeds', { fallback: 10, integer: true, min: 1, max: 50 })!;
    const { EXPERIMENT_NAMES, checkExperimentOutputs, runExperiment, summaryLine, writeExperimentFiles } = await import('../../app/services/evaluate.ts');
    return withProject(values, this.usage, async (store) => {
      // The output folder is checked before the (minutes-long) run, and again when written.
      const safe = { overwrite: values.force === true, forceHint: '--force', projects: [store.dir] };
      await checkExperimentOutputs(experiment === 'all' ? EXPERIMENT_NAMES : [experiment as (typeof EXPERIMENT_NAMES)[number]], out, safe);
      const controller = new AbortController();
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
          { model, checkpoint: typeof values.checkpoint === 'string' ? values.checkpoint : undefined, experiment: experiment as (typeof EXPERIMENTS)[number], seeds },
          {
            signal: controller.signal,
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
        console.log(`${files.length} files in ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        return 0;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
  },
};
