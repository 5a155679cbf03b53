import type { Command } from '../command.ts';
import { SEED_RANGE, numberOption, requireOption } from '../command.ts';
import { progressPrinter, withProject } from '../project.ts';
import { MarginError } from '../../shared/errors.ts';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train lenet5-bn or mlp on a data set of the project, registering a checkpoint per epoch (TF.js layers format)',
  usage: 'margin train --project DIR --arch lenet5-bn|mlp --data NAME [--split train] [--eval-split test|none] --epochs N [--batch 64] [--seed S] [--lr 0.001] [--name MODEL] [--json]',
  options: {
    project: { type: 'string' }, arch: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' }, 'eval-split': { type: 'string' },
    epochs: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, lr: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' },
  },
  async run({ values }) {
    const arch = requireOption(values, 'arch', this.usage);
    if (arch !== 'lenet5-bn' && arch !== 'mlp') throw new MarginError('BAD_REQUEST', `--arch must be lenet5-bn or mlp, got ${arch}`);
    const data = requireOption(values, 'data', this.usage);
    const epochs = numberOption(values, 'epochs', { integer: true, min: 1, max: 1000 });
    const batchSize = numberOption(values, 'batch', { integer: true, min: 1, max: 65536 });
    const seed = numberOption(values, 'seed', SEED_RANGE);
    const learningRate = numberOption(values, 'lr', { min: 0, minExclusive: true, max: 10 });
    if (epochs === undefined) throw new MarginError('BAD_REQUEST', `--epochs is required\nusage: ${this.usage}`);
    const evalSplit = values['eval-split'] === 'none' ? null : typeof values['eval-split'] === 'string' ? values['eval-split'] : undefined;
    const { trainIntoProject } = await import('../../app/services/training.ts');
    return withProject(values, this.usage, async (store) => {
      const controller = new AbortController();
      const onSigint = () => {
        console.error('\ncancelling after the current batch (finished epochs stay registered)…');
        controller.abort();
      };
      process.once('SIGINT', onSigint);
      // One progress line per epoch, so each ends (with its newline) before the epoch summary.
      let epoch = 1;
      let print = progressPrinter(`train ${arch} epoch 1/${epochs}`);
      try {
        const r = await trainIntoProject(store, {
          arch, data, epochs,
          split: typeof values.split === 'string' ? values.split : undefined,
          evalSplit,
          batchSize,
          seed,
          learningRate,
          name: typeof values.name === 'string' ? values.name : undefined,
        }, {
          signal: controller.signal,
          onBatch: (done, total) => {
            const perEpoch = total / epochs;
            print(done - (epoch - 1) * perEpoch, perEpoch, 'batches');
          },
          onEpoch: (e) => {
            epoch = e.epoch + 1;
            print = progressPrinter(`train ${arch} epoch ${epoch}/${epochs}`);
            if (values.json) return;
            const val = e.valAccuracy !== undefined ? `, val accuracy ${e.valAccuracy.toFixed(4)} (val loss ${e.valLoss!.toFixed(4)})` : '';
            console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, accuracy ${e.accuracy.toFixed(4)}${val}, ${Math.round(e.imagesPerSecond)} images/s, ${e.seconds.toFixed(1)} s → checkpoint ${e.label}`);
          },
        });
        if (values.json) console.log(JSON.stringify(r, null, 2));
        else console.log(`model "${r.model}" (${r.arch}, ${r.backend}): ${r.epochs.length} checkpoints registered from ${r.trainItems.toLocaleString()} training items in ${r.seconds.toFixed(1)} s; next: margin extract --project ${store.dir} --model ${JSON.stringify(r.model)}`);
        return 0;
      } catch (err) {
        if (err instanceof MarginError && err.code === 'CANCELLED') {
          console.error(err.message);
          return 130;
        }
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
  },
};
