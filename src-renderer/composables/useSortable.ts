/**
 * Sortable tables: click a column header to sort by it, again to reverse. `sortRows` is the pure
 * part (stable; numbers numerically, text by locale with numbers inside names in order — "conv2"
 * before "conv10"; empty values last in both directions); `useSortable` keeps the state of one
 * table and gives the sorted rows, a toggle and what `SortTh.vue` shows (aria-sort, ▲/▼).
 */
import { computed, ref, type ComputedRef, type Ref } from 'vue';

export type SortDir = 'asc' | 'desc';
export type SortValue = string | number | boolean | null | undefined;
export interface SortState<K extends string = string> { key: K | null; dir: SortDir }

const collator = typeof Intl !== 'undefined' ? new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }) : null;

function isEmpty(v: SortValue): boolean {
  return v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));
}

/** Compares two values of one column ascending; empty values compare equal here (placed by sortRows). */
export function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return collator ? collator.compare(x, y) : x < y ? -1 : x > y ? 1 : 0;
}

/** `rows` sorted by `value` (stable); empty values always last. Returns a new array. */
export function sortRows<T>(rows: readonly T[], value: (row: T) => SortValue, dir: SortDir): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, v: value(row) }))
    .sort((a, b) => {
      const ea = isEmpty(a.v);
      const eb = isEmpty(b.v);
      if (ea || eb) return ea && eb ? a.i - b.i : ea ? 1 : -1;
      return sign * compareValues(a.v, b.v) || a.i - b.i;
    })
    .map((x) => x.row);
}

export interface Sortable<T, K extends string> {
  state: Ref<SortState<K>>;
  rows: ComputedRef<T[]>;
  toggle: (key: K) => void;
  ariaSort: (key: K) => 'ascending' | 'descending' | 'none';
  indicator: (key: K) => string;
}

/**
 * One table's sorting. `columns` maps a column key to its value in a row; `firstDir` the
 * direction of a first click per column (default ascending; e.g. 'desc' for counts).
 */
export function useSortable<T, K extends string>(
  source: () => readonly T[],
  columns: Record<K, (row: T) => SortValue>,
  opts: { initial?: SortState<NoInfer<K>>; firstDir?: Partial<Record<NoInfer<K>, SortDir>> } = {},
): Sortable<T, K> {
  const state = ref(opts.initial ?? { key: null, dir: 'asc' }) as Ref<SortState<K>>;
  const rows = computed(() => {
    const list = source();
    const k = state.value.key;
    return k === null ? [...list] : sortRows(list, columns[k], state.value.dir);
  });
  return {
    state,
    rows,
    toggle(key) {
      const s = state.value;
      state.value = s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: opts.firstDir?.[key] ?? 'asc' };
    },
    ariaSort: (key) => (state.value.key !== key ? 'none' : state.value.dir === 'asc' ? 'ascending' : 'descending'),
    indicator: (key) => (state.value.key !== key ? '↕' : state.value.dir === 'asc' ? '▲' : '▼'),
  };
}
