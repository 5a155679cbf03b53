/** items.*: the item grid (a filtered, sorted page of a checkpoint's items) and one item's detail. */
import type { HandlerModule } from '../context.ts';
import { itemDetail, listItemPage } from '../services/items.ts';

export const itemHandlers: HandlerModule = (ctx) => ({
  'items.list': (params) => listItemPage(ctx.workspace.requireStore(), params),
  'items.detail': (params) => itemDetail(ctx.workspace.requireStore(), params),
});
