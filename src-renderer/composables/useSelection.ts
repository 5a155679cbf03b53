import { computed, effectScope, ref, watch, type ComputedRef, type Ref } from 'vue';
import { useProject } from './useProject.ts';

/** Most items a query subset may list (the contract's `subset.items` limit). */
export const MAX_SELECTION = 100_000;

const selected = ref<number[]>([]);
const source = ref<string | null>(null);
/** The project folder, model and checkpoint the selection was made on ("dir|model|checkpoint"). */
const owner = ref<string | null>(null);
let current: ComputedRef<string | null> | null = null;

/** The key a selection belongs to: the open project's folder, the model and the checkpoint. */
export function selectionOwner(dir: string | null | undefined, model: string | null | undefined, checkpoint: string | null | undefined): string | null {
  return dir && model ? `${dir}|${model}|${checkpoint ?? ''}` : null;
}

function clear() {
  selected.value = [];
  source.value = null;
  owner.value = null;
}

/**
 * The ad-hoc subset shared between views: item ids brushed in the latent space (or picked
 * elsewhere). While it is not empty it IS the subset the Queries view answers over, until the
 * user clears it. It belongs to the project, model and checkpoint it was made on: opening another
 * project or choosing another model or checkpoint clears it (its ids mean nothing there).
 */
export function useSelection(): {
  selected: Ref<number[]>;
  /** Where the selection came from, e.g. "latent space (pca) of lenet/e10". */
  source: Ref<string | null>;
  count: ComputedRef<number>;
  set: (ids: readonly number[], from: string) => void;
  clear: () => void;
} {
  if (!current) {
    // Detached from the calling component: the watch must outlive the view that first asked.
    effectScope(true).run(() => {
      const p = useProject();
      current = computed(() => selectionOwner(p.info.value?.project.dir, p.modelName.value, p.checkpointLabel.value));
      watch(current, (now) => {
        if (owner.value !== null && owner.value !== now) clear();
      }, { flush: 'sync' });
    });
  }
  const now = current!;
  return {
    selected,
    source,
    count: computed(() => selected.value.length),
    set(ids, from) {
      selected.value = [...new Set(ids)].slice(0, MAX_SELECTION);
      source.value = ids.length ? from : null;
      owner.value = ids.length ? now.value : null;
    },
    clear,
  };
}
