import type { Command } from '../command.ts';
import { requireOption, numberOption } from '../command.ts';
import { withProject } from '../project.ts';

export const importModelCommand: Command = {
  name: 'import-model',
  summary: 'Import a TensorFlow.js LayersModel (model.json + weights) as a model or a new checkpoint of one',
  usage: 'margin import-model --project DIR --name NAME --path model.json [--checkpoint LABEL] [--ordinal N] [--dataset NAME] [--split test] [--architecture A] [--latent-layer L]',
  options: {
    project: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' }, checkpoint: { type: 'string' }, ordinal: { type: 'string' },
    dataset: { type: 'string' }, split: { type: 'string' }, architecture: { type: 'string' }, 'latent-layer': { type: 'string' },
  },
  async run({ values }) {
    const name = requireOption(values, 'name', this.usage);
    const path = requireOption(values, 'path', this.usage);
    const { importModel } = await import('../../app/services/model-import.ts');
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    return withProject(values, this.usage, async (store) => {
      const r = await importModel(store, {
        name, path, checkpoint: str('checkpoint'), ordinal: numberOption(values, 'ordinal'), dataset: str('dataset'), split: str('split'),
        architecture: str('architecture'), latentLayer: str('latent-layer'),
      });
      console.log(`${r.created ? 'Imported model' : 'Added checkpoint to model'} "${name}": checkpoint ${r.checkpoint}, ${r.layers} layers, ${r.totalParams.toLocaleString()} parameters, ${(r.flopsPerItem / 1e6).toFixed(2)} MFLOPs per item`);
      return 0;
    });
  },
};
