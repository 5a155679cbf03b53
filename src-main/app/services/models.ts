/** Resolving the names a user types (model, checkpoint label) to store records, with errors that list the valid names. */
import { MarginError } from '../../shared/errors.ts';
import { getModel, listModels, type CheckpointInfo, type ModelDetail } from '../../store/models.ts';
import type { Store } from '../../store/project.ts';

export async function resolveModel(store: Store, name: string): Promise<ModelDetail> {
  const models = await listModels(store);
  const m = models.find((x) => x.name === name);
  if (!m) {
    const names = models.map((x) => x.name);
    throw new MarginError('NOT_FOUND', `no model "${name}" in this project${names.length ? `: choose one of ${names.join(', ')}` : ': import one first'}`);
  }
  return getModel(store, m.id);
}

/** The named checkpoint, or the model's last one (highest ordinal) when no label is given. */
export async function resolveCheckpoint(store: Store, modelName: string, label?: string): Promise<{ model: ModelDetail; checkpoint: CheckpointInfo }> {
  const model = await resolveModel(store, modelName);
  if (model.checkpoints.length === 0) throw new MarginError('NOT_FOUND', `model "${modelName}" has no checkpoint: import its weights first`);
  if (label === undefined) return { model, checkpoint: model.checkpoints.reduce((a, b) => (b.ordinal >= a.ordinal ? b : a)) };
  const c = model.checkpoints.find((x) => x.label === label);
  if (!c) throw new MarginError('NOT_FOUND', `model "${modelName}" has no checkpoint "${label}": choose one of ${model.checkpoints.map((x) => x.label).join(', ')}`);
  return { model, checkpoint: c };
}
