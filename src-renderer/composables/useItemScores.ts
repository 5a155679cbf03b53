import type { ItemScoreName, ItemScoresResult } from '../../src-main/shared/api.ts';
import { call } from './useApi.ts';

/** Per-item scores (scores.get: computed once and stored per checkpoint), fetched once per checkpoint in this window. */
const cache = new Map<string, Promise<Map<number, Record<ItemScoreName, number>> | null>>();

export function itemScores(model: string, checkpoint?: string): Promise<Map<number, Record<ItemScoreName, number>> | null> {
  const key = `${model}/${checkpoint ?? ''}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = call('scores.get', { model, checkpoint }, 'Could not compute the item scores').then((r: ItemScoresResult | null) => {
      if (!r) { cache.delete(key); return null; }
      const out = new Map<number, Record<ItemScoreName, number>>();
      r.itemIds.forEach((id, i) => out.set(id, { hardness: r.hardness[i], mistakenness: r.mistakenness[i], uniqueness: r.uniqueness[i], representativeness: r.representativeness[i] }));
      return out;
    });
    cache.set(key, hit);
  }
  return hit;
}
