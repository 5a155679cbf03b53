import type { Command } from '../command.ts';
import { requireOption, numberOption } from '../command.ts';
import { withProject } from '../project.ts';
import { MarginError } from '../../shared/errors.ts';
import type { EngineChoice } from '../../app/services/model-engine.ts';

export const importModelCommand: Command = {
  name: 'import-model',
  summary: 'Import a TensorFlow.js LayersModel (model.json + weights) or an ONNX file as a model or a new checkpoint of one',
  usage: 'margin import-model --project DIR --name NAME --path model.json|model.onnx [--checkpoint LABEL] [--ordinal N] [--dataset NAME] [--split test] [--architecture A] [--latent-layer L] [--engine auto|tfjs|onnxruntime]',
  options: {
    project: { type: 'string' }, name: { type: 'string' }, path: { type: 'string' }, checkpoint: { type: 'string' }, ordinal: { type: 'string' },
    dataset: { type: 'string' }, split: { type: 'string' }, architecture: { type: 'string' }, 'latent-layer': { type: 'string' },
    // TF.js models: auto = translate to ONNX when possible (checked to 1e-4), tfjs = never, onnxruntime = translate or fail.
    engine: { type: 'string' },
  },
  async run({ values }) {
    const name = requireOption(values, 'name', this.usage);
    const path = requireOption(values, 'path', this.usage);
    const { importModel } = await import('../../app/services/model-import.ts');
    const { ENGINE_CHOICES } = await import('../../app/services/model-engine.ts');
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const engine = str('engine');
    if (engine !== undefined && !(ENGINE_CHOICES as readonly string[]).includes(engine)) {
      throw new MarginError('BAD_REQUEST', `--engine must be one of ${ENGINE_CHOICES.join(', ')}, got ${JSON.stringify(engine)}\nusage: ${this.usage}`);
    }
    const ordinal = numberOption(values, 'ordinal', { integer: true, min: 0, max: 2 ** 31 - 1 });
    return withProject(values, this.usage, async (store) => {
      const r = await importModel(store, {
        name, path, checkpoint: str('checkpoint'), ordinal, dataset: str('dataset'), split: str('split'),
        architecture: str('architecture'), latentLayer: str('latent-layer'), engine: engine as EngineChoice | undefined,
      });
      console.log(`${r.created ? 'Imported model' : 'Added checkpoint to model'} "${name}": checkpoint ${r.checkpoint}, ${r.layers} layers, ${r.totalParams.toLocaleString()} parameters, ${(r.flopsPerItem / 1e6).toFixed(2)} MFLOPs per item`);
      const tr = r.translationSeconds === null ? '' : ` (translation and check ${r.translationSeconds.toFixed(2)} s)`;
      console.log(`  engine: ${r.engine}${r.engineNote ? ` — ${r.engineNote}` : ''}${tr}`);
      if (r.inputMapping) console.log(`  ${r.inputMapping}`);
      for (const w of r.warnings) console.error(`warning: ${w}`);
      return 0;
    });
  },
};
