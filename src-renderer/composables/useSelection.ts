import { computed, ref, type ComputedRef, type Ref } from 'vue';

/** Most items a query subset may list (the contract's `subset.items` limit). */
export const MAX_SELECTION = 100_000;

const selected = ref<number[]>([]);
const source = ref<string | null>(null);

/**
 * The ad-hoc subset shared between views: item ids brushed in the latent space (or picked
 * elsewhere), which the Queries view can use as `subset.items`. One selection per window.
 */
export function useSelection(): {
  selected: Ref<number[]>;
  /** Where the selection came from, e.g. "latent space (pca) of lenet/e10". */
  source: Ref<string | null>;
  count: ComputedRef<number>;
  set: (ids: readonly number[], from: string) => void;
  clear: () => void;
} {
  return {
    selected,
    source,
    count: computed(() => selected.value.length),
    set(ids, from) {
      selected.value = [...new Set(ids)].slice(0, MAX_SELECTION);
      source.value = ids.length ? from : null;
    },
    clear() {
      selected.value = [];
      source.value = null;
    },
  };
}
