import path from 'node:path';
import type { Command } from '../command.ts';
import { numberOption, requireOption } from '../command.ts';
import { withProject } from '../project.ts';
import { MarginError } from '../../shared/errors.ts';

export const saliencyCommand: Command = {
  name: 'saliency',
  summary: 'Saliency maps (|gradient of the true-class logit w.r.t. the input|) of items as PNGs; stored in the project for the workbench',
  usage: 'margin saliency --project DIR --model NAME [--checkpoint C] --items 1,2,3 --out DIR [--size 56] [--recompute] [--force]',
  options: {
    project: { type: 'string' }, model: { type: 'string' }, checkpoint: { type: 'string' }, items: { type: 'string' },
    out: { type: 'string' }, size: { type: 'string' }, recompute: { type: 'boolean' }, force: { type: 'boolean' },
  },
  async run({ values }) {
    const model = requireOption(values, 'model', this.usage);
    const itemsText = requireOption(values, 'items', this.usage);
    const items = itemsText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
    if (items.length === 0 || items.some((i) => !Number.isInteger(i) || i < 0)) {
      throw new MarginError('BAD_REQUEST', `--items must be a comma-separated list of item ids (non-negative integers), got ${JSON.stringify(itemsText)}`);
    }
    const out = path.resolve(requireOption(values, 'out', this.usage));
    const size = numberOption(values, 'size', { fallback: 56, integer: true, min: 8, max: 1024, unit: 'pixels' })!;
    const { saliencyMaps, saliencyPng, disposeSaliencyModels } = await import('../../app/services/saliency.ts');
    const { resolveCheckpoint } = await import('../../app/services/models.ts');
    const { checkOutputs, prepareOutputDir, writeOutput } = await import('../../store/safe-output.ts');
    return withProject(values, this.usage, async (store) => {
      // Every PNG's path is checked before any map is computed or written.
      const safe = { overwrite: values.force === true, forceHint: '--force', projects: [store.dir] };
      const ids = [...new Set(items)];
      const dir = await prepareOutputDir(out, { ...safe, make: false });
      const targets = await checkOutputs(ids.map((id) => path.join(dir, `item-${id}.png`)), safe);
      const { model: m, checkpoint } = await resolveCheckpoint(store, model, typeof values.checkpoint === 'string' ? values.checkpoint : undefined);
      const t0 = performance.now();
      try {
        const maps = await saliencyMaps(store, checkpoint.id, ids, { recompute: values.recompute === true });
        await prepareOutputDir(out, safe);
        for (const map of maps) {
          const file = path.join(out, `item-${map.itemId}.png`);
          await writeOutput(targets[ids.indexOf(map.itemId)], saliencyPng(map, size));
          console.log(`${file}${map.computed ? '' : ' (stored map)'}`);
        }
        const computed = maps.filter((x) => x.computed).length;
        console.log(`${m.name} @ ${checkpoint.label}: ${maps.length} saliency maps (${computed} computed, ${maps.length - computed} read from the project) in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
        return 0;
      } finally {
        await disposeSaliencyModels(store);
      }
    });
  },
};
