import { ref, type Ref } from 'vue';
import type { ParamsIn } from '../../src-main/shared/api.ts';
import { useView } from './useView.ts';

export type ItemFilter = NonNullable<ParamsIn<'items.list'>['filter']>;

/** What the item grid was opened on: a label for the header and the filter it starts from. */
export interface ItemScope {
  label: string;
  filter: ItemFilter;
  /** The model and checkpoint whose predictions the grid shows (default: the top bar's). */
  modelRef?: { model: string; checkpoint?: string };
}

const scope = ref<ItemScope | null>(null);

/**
 * The item grid's starting point, shared between views: a selection, a sample, a confusion cell
 * or a query subset opens the grid on its items (`open`), which the Items view then filters further.
 */
export function useItemScope(): { scope: Ref<ItemScope | null>; open: (s: ItemScope) => void } {
  const { go } = useView();
  return {
    scope,
    open(s) {
      scope.value = { label: s.label, filter: { ...s.filter, items: s.filter.items ? [...s.filter.items] : undefined }, modelRef: s.modelRef };
      go('items');
    },
  };
}
