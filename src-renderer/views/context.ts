/**
 * What every workbench view derives from the open project: the selected model's data set,
 * class names and checkpoint, the request fragment `{ model, checkpoint }`, and a cached
 * thumbnail loader (dataset.items accepts at most 500 ids per call).
 */
import { computed, type ComputedRef } from 'vue';
import type { CheckpointSummary, DatasetSummary, ItemView, ModelSummary, ProjectInfo } from '../../src-main/shared/api.ts';
import { call } from '../composables/useApi.ts';
import { useProject } from '../composables/useProject.ts';

export interface ModelRef {
  model: string;
  checkpoint?: string;
}

export function datasetOf(info: ProjectInfo | null, model: ModelSummary | null): DatasetSummary | null {
  const ds = info?.datasets ?? [];
  return ds.find((d) => d.id === model?.datasetId) ?? ds[0] ?? null;
}

export function useModelContext() {
  const p = useProject();
  const dataset = computed(() => datasetOf(p.info.value, p.model.value));
  const classNames = computed(() => dataset.value?.classNames ?? []);
  const checkpoint: ComputedRef<CheckpointSummary | null> = computed(() => p.model.value?.checkpoints.find((c) => c.label === p.checkpointLabel.value) ?? null);
  const modelRef: ComputedRef<ModelRef | null> = computed(() => (p.modelName.value ? { model: p.modelName.value, checkpoint: p.checkpointLabel.value ?? undefined } : null));
  /** Changes whenever the model or checkpoint does: views reload on it. */
  const key = computed(() => (modelRef.value ? `${modelRef.value.model}/${modelRef.value.checkpoint ?? ''}` : ''));
  return { ...p, dataset, classNames, checkpoint, modelRef, key };
}

const MAX_PER_CALL = 500;
const cache = new Map<string, ItemView>();

/** Thumbnails (with the model's predictions) of some items, cached per data set and checkpoint. */
export async function loadItems(dataset: string, ids: readonly number[], ref: ModelRef | null): Promise<ItemView[]> {
  const prefix = `${dataset}|${ref?.model ?? ''}|${ref?.checkpoint ?? ''}|`;
  const missing = [...new Set(ids)].filter((id) => !cache.has(prefix + id));
  for (let i = 0; i < missing.length; i += MAX_PER_CALL) {
    const got = await call('dataset.items', { dataset, items: missing.slice(i, i + MAX_PER_CALL), model: ref?.model, checkpoint: ref?.checkpoint }, 'Could not load the thumbnails');
    if (!got) break;
    for (const it of got) cache.set(prefix + it.itemId, it);
  }
  return ids.map((id) => cache.get(prefix + id)).filter((x): x is ItemView => !!x);
}

/** A cached item, if it was loaded before (for synchronous tooltips). */
export function cachedItem(dataset: string, id: number, ref: ModelRef | null): ItemView | undefined {
  return cache.get(`${dataset}|${ref?.model ?? ''}|${ref?.checkpoint ?? ''}|${id}`);
}
