import type { Command } from '../command.ts';
import { requireOption, numberOption } from '../command.ts';
import { progressPrinter, withProject } from '../project.ts';
import { MarginError } from '../../shared/errors.ts';

export const extractCommand: Command = {
  name: 'extract',
  summary: 'Run a checkpoint over its data set: predictions and latent vectors always, activations of chosen layers (resumable)',
  usage: 'margin extract --project DIR --model NAME [--checkpoint C|--all-checkpoints] [--layers main|all|a,b] [--sample NAME] [--dtype float32|float16] [--workers N]\n'
    + '       [--cluster local:N|tcp://HOST:PORT [--shard-size K] [--shared-dir DIR]]   run it as Dask tasks, one per shard of items (docs/cluster.md)',
  options: {
    project: { type: 'string' }, model: { type: 'string' }, checkpoint: { type: 'string' }, 'all-checkpoints': { type: 'boolean' },
    layers: { type: 'string' }, sample: { type: 'string' }, dtype: { type: 'string' }, workers: { type: 'string' },
    cluster: { type: 'string' }, 'shard-size': { type: 'string' }, 'shared-dir': { type: 'string' },
  },
  async run({ values }) {
    const model = requireOption(values, 'model', this.usage);
    const dtype = (values.dtype ?? 'float32') as string;
    if (dtype !== 'float32' && dtype !== 'float16') throw new MarginError('BAD_REQUEST', `--dtype must be float32 or float16, got ${dtype}`);
    const l = typeof values.layers === 'string' ? values.layers : 'main';
    const layers = l === 'all' || l === 'main' ? l : l.split(',').map((s) => s.trim()).filter(Boolean);
    const cluster = typeof values.cluster === 'string' ? values.cluster : undefined;
    if (!cluster && (values['shard-size'] !== undefined || values['shared-dir'] !== undefined)) {
      throw new MarginError('BAD_REQUEST', `--shard-size and --shared-dir go with --cluster\nusage: ${this.usage}`);
    }
    if (cluster && typeof values.sample === 'string') throw new MarginError('BAD_REQUEST', '--cluster extracts a whole split; a sample\'s members are extracted locally (drop --cluster)');
    const workers = numberOption(values, 'workers', { integer: true, min: 0 }); // more than the cores: clamped by the extraction, with a note
    const shardSize = numberOption(values, 'shard-size', { integer: true, min: 1 });
    const sharedDir = typeof values['shared-dir'] === 'string' ? values['shared-dir'] : undefined;
    if (sharedDir !== undefined) {
      // Checked before any work: never one of a project's own folders (activations/, models/, …).
      const { assertNotInProjectFiles } = await import('../../store/safe-output.ts');
      await assertNotInProjectFiles(sharedDir, { projects: typeof values.project === 'string' ? [values.project] : [] });
    }
    const { extract } = await import('../../app/services/extraction.ts');
    const { resolveModel } = await import('../../app/services/models.ts');
    return withProject(values, this.usage, async (store) => {
      const labels = values['all-checkpoints'] ? (await resolveModel(store, model)).checkpoints.map((c) => c.label) : [typeof values.checkpoint === 'string' ? values.checkpoint : undefined];
      const controller = new AbortController();
      process.once('SIGINT', () => {
        console.error('\ncancelling after the current batch (run the same command again to resume)…');
        controller.abort();
      });
      for (const checkpoint of labels) {
        const print = progressPrinter(`extract ${model}${checkpoint ? ` @ ${checkpoint}` : ''}`);
        const r = await extract(
          store,
          {
            model, checkpoint, layers, sample: typeof values.sample === 'string' ? values.sample : undefined, dtype, workers,
            cluster, shardSize, sharedDir,
          },
          { signal: controller.signal, onProgress: (p) => print(p.done, p.total, [p.itemsPerSecond ? `${Math.round(p.itemsPerSecond)} items/s` : '', p.etaSeconds > 0 && Number.isFinite(p.etaSeconds) ? `ETA ${Math.ceil(p.etaSeconds)} s` : '', p.message ?? ''].filter(Boolean).join(', ')) },
        );
        for (const n of r.notes) console.error(`note: ${n}`);
        for (const d of r.repaired) console.log(`repaired layer ${d.layer} of ${r.model} @ ${r.checkpoint}: ${d.damage}; those items were extracted again`);
        console.log(`${r.model} @ ${r.checkpoint}: ${r.computed.toLocaleString()} items computed, ${r.skipped.toLocaleString()} already stored, layers ${r.layers.join(', ')} (${r.engine}, ${r.seconds.toFixed(1)} s${r.seconds > 0 && r.computed > 0 ? `, ${Math.round(r.computed / r.seconds)} items/s` : ''})`);
      }
      return 0;
    });
  },
};
