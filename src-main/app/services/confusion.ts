/** Confusion matrix and accuracy of a checkpoint from its stored predictions. */
import type { ConfusionResult } from '../../shared/api.ts';
import { getPredictions } from '../../store/predictions.ts';
import { getDataset } from '../../store/datasets.ts';
import type { Store } from '../../store/project.ts';
import { MarginError } from '../../shared/errors.ts';
import { resolveCheckpoint } from './models.ts';
import { modelDataset } from './extraction.ts';

export function confusionCounts(trueLabels: Int32Array, predicted: Int32Array, numClasses: number): number[][] {
  if (trueLabels.length !== predicted.length) throw new RangeError(`trueLabels (${trueLabels.length}) and predicted (${predicted.length}) differ in length`);
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < trueLabels.length; i++) counts[trueLabels[i]][predicted[i]]++;
  return counts;
}

export async function confusion(store: Store, modelName: string, checkpointLabel?: string): Promise<ConfusionResult> {
  const { model, checkpoint } = await resolveCheckpoint(store, modelName, checkpointLabel);
  const p = await getPredictions(store, checkpoint.id);
  if (p.itemIds.length === 0) {
    throw new MarginError('NOT_FOUND', `checkpoint ${checkpoint.label} of "${model.name}" has no predictions yet: run the extraction (\`margin extract\` or Extract in the Model view)`,
      { ui: `checkpoint ${checkpoint.label} of "${model.name}" has no predictions yet: extract it first ("Extract activations" in the Model view)` });
  }
  const ds = await getDataset(store, modelDataset(model).datasetId);
  const counts = confusionCounts(p.trueLabels, p.predicted, model.numClasses);
  let correct = 0;
  for (let c = 0; c < model.numClasses; c++) correct += counts[c][c];
  return { model: model.name, checkpoint: checkpoint.label, classNames: ds.classNames, counts, accuracy: correct / p.itemIds.length, items: p.itemIds.length };
}
