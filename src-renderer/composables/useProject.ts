import { computed, ref, shallowRef, watch, type ComputedRef, type Ref, type ShallowRef } from 'vue';
import type { AppInfo, ModelSummary, ProjectInfo } from '../../src-main/shared/api.ts';
import { getClient } from '../api/client.ts';
import { call } from './useApi.ts';

const info = shallowRef<ProjectInfo | null>(null);
const app = shallowRef<AppInfo | null>(null);
const modelName = ref<string | null>(null);
const checkpointLabel = ref<string | null>(null);
const loading = ref(false);
let started = false;

async function refresh(): Promise<void> {
  loading.value = true;
  try {
    app.value = (await call('app.info', {}, 'Could not read the app status')) ?? app.value;
    info.value = app.value?.project ? await call('project.info', {}, 'Could not read the project') : null;
  } finally {
    loading.value = false;
  }
}

// Keep the selection valid — when the project changes and when another model is chosen: default
// to the first model; keep the checkpoint label if the model has one of that name (epoch-5 of
// two models), else take the model's last checkpoint.
function reconcileSelection(): void {
  const models = info.value?.models ?? [];
  if (!models.find((m) => m.name === modelName.value)) modelName.value = models[0]?.name ?? null;
  const m = models.find((x) => x.name === modelName.value);
  if (m && !m.checkpoints.find((c) => c.label === checkpointLabel.value)) checkpointLabel.value = m.checkpoints.at(-1)?.label ?? null;
}
watch([info, modelName], reconcileSelection, { flush: 'sync' });

/** The open project, the app status, and the model/checkpoint the views work on. */
export function useProject(): {
  app: ShallowRef<AppInfo | null>;
  info: ShallowRef<ProjectInfo | null>;
  loading: Ref<boolean>;
  modelName: Ref<string | null>;
  checkpointLabel: Ref<string | null>;
  model: ComputedRef<ModelSummary | null>;
  refresh: () => Promise<void>;
} {
  if (!started) {
    started = true;
    getClient().onEvent(({ event }) => {
      if (event === 'project.changed' || event === 'job.finished') void refresh();
    });
    void refresh();
  }
  return {
    app,
    info,
    loading,
    modelName,
    checkpointLabel,
    model: computed(() => info.value?.models.find((m) => m.name === modelName.value) ?? null),
    refresh,
  };
}
