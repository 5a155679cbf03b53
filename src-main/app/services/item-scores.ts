/**
 * Per-item scores of a checkpoint (issue 13.3): read from the store, or computed once from the
 * checkpoint's predictions and latent vectors (src-main/scores/item-scores.ts) and stored.
 * Recomputed when the stored rows no longer cover the checkpoint's predicted items.
 */
import { computeItemScores } from '../../scores/item-scores.ts';
import type { ItemScoresResult } from '../../shared/api.ts';
import { MarginError } from '../../shared/errors.ts';
import { readItemScores, writeItemScores, type StoredItemScores } from '../../store/item-scores.ts';
import { getLatent, getPredictions } from '../../store/predictions.ts';
import type { Store } from '../../store/project.ts';
import { resolveCheckpoint } from './models.ts';

export async function checkpointItemScores(store: Store, checkpointId: number, numClasses: number, label: string): Promise<StoredItemScores> {
  const pred = await getPredictions(store, checkpointId);
  const stored = await readItemScores(store, checkpointId);
  if (stored && stored.itemIds.length === pred.itemIds.length && stored.itemIds.every((id, i) => id === pred.itemIds[i])) return stored;
  const latent = await getLatent(store, checkpointId);
  if (latent.rows === 0 || pred.itemIds.length === 0) {
    throw new MarginError('NOT_FOUND', `checkpoint ${label} has no predictions or latent vectors yet: run \`margin extract\` on it first`,
      { ui: `checkpoint ${label} has no predictions or latent vectors yet: extract it first ("Extract activations" in the Model view)` });
  }
  if (latent.rows !== pred.itemIds.length || latent.itemIds.some((id, i) => id !== pred.itemIds[i])) {
    throw new MarginError('CONFLICT', `checkpoint ${label} has predictions for ${pred.itemIds.length} items but latent vectors for ${latent.rows}: re-run the extraction`);
  }
  const s = computeItemScores({ latent, probs: pred.probs, trueLabels: pred.trueLabels, predLabels: pred.predicted, numClasses });
  const out: StoredItemScores = { itemIds: pred.itemIds, ...s };
  if (!store.readOnly) await writeItemScores(store, checkpointId, out);
  return out;
}

export async function getItemScores(store: Store, r: { model: string; checkpoint?: string }): Promise<ItemScoresResult> {
  const { model, checkpoint } = await resolveCheckpoint(store, r.model, r.checkpoint);
  const s = await checkpointItemScores(store, checkpoint.id, model.numClasses, checkpoint.label);
  return {
    model: model.name,
    checkpoint: checkpoint.label,
    k: s.k,
    itemIds: Array.from(s.itemIds),
    hardness: Array.from(s.hardness),
    mistakenness: Array.from(s.mistakenness),
    uniqueness: Array.from(s.uniqueness),
    representativeness: Array.from(s.representativeness),
  };
}
