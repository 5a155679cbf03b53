import { VIEWS, type ViewId } from './useView.ts';

/** The view a key opens: 1 … 8 in the sidebar's order; null for any other key. */
export function shortcutView(key: string): ViewId | null {
  if (!/^[1-9]$/.test(key)) return null;
  return VIEWS[Number(key) - 1]?.id ?? null;
}
