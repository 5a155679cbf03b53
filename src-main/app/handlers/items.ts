/** items.*: the item grid (a filtered, sorted page of a checkpoint's items), one item's detail, export; compare.flips (items that changed between two checkpoints). */
import type { HandlerModule } from '../context.ts';
import { exportItems, itemDetail, listItemPage } from '../services/items.ts';
import { API_FORCE_HINT } from './reports.ts';
import { flipComparison } from '../services/flips.ts';
import { getItemScores } from '../services/item-scores.ts';

export const itemHandlers: HandlerModule = (ctx) => ({
  'items.list': (params) => listItemPage(ctx.workspace.requireStore(), params),
  'compare.flips': (params) => flipComparison(ctx.workspace.requireStore(), params),
  'items.detail': (params) => itemDetail(ctx.workspace.requireStore(), params),
  'items.export': (params) => {
    const store = ctx.workspace.requireStore();
    return exportItems(store, params, { forceHint: API_FORCE_HINT, projects: [store.dir] });
  },
  'scores.get': (params) => getItemScores(ctx.workspace.requireStore(), params),
});
