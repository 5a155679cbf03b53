/**
 * A page of a checkpoint's predicted items, filtered and sorted in DuckDB (the item grid): true
 * class, prediction, correct/incorrect, a confidence range, a list of item ids, membership of a
 * sample; sorted by item id, confidence, true class or prediction (ties by item id, so pages are
 * stable). The total is counted with the same filter.
 */
import { queryOne, queryRows } from './db.ts';
import type { Store } from './project.ts';

export interface ItemListFilter {
  trueClass?: number;
  predClass?: number;
  outcome?: 'all' | 'correct' | 'incorrect';
  confidence?: [number, number];
  /** Only these item ids. */
  items?: readonly number[];
  /** A sample whose membership is reported per item (and filtered on with `membership`). */
  sampleId?: number;
  membership?: 'any' | 'members' | 'non-members';
}
export const ITEM_SORT_KEYS = ['item', 'confidence', 'trueClass', 'predicted'] as const;
export type ItemSortKey = (typeof ITEM_SORT_KEYS)[number];

export interface ItemListRow {
  itemId: number;
  trueLabel: number;
  predicted: number;
  confidence: number;
  correct: boolean;
  /** Member of the filter's sample; null without a sample. */
  inSample: boolean | null;
}

const SORT_SQL: Record<ItemSortKey, string> = { item: 'item_id', confidence: 'confidence', trueClass: 'label', predicted: 'predicted' };

export async function listItems(
  store: Store, checkpointId: number, f: ItemListFilter, sort: { by: ItemSortKey; dir: 'asc' | 'desc' }, offset: number, limit: number,
): Promise<{ total: number; rows: ItemListRow[] }> {
  const params: Array<number | string> = [checkpointId];
  const p = (v: number | string) => { params.push(v); return `$${params.length}`; };
  const where: string[] = ['p.checkpoint_id = $1'];
  if (f.trueClass !== undefined) where.push(`i.label = ${p(f.trueClass)}`);
  if (f.predClass !== undefined) where.push(`p.predicted = ${p(f.predClass)}`);
  if (f.outcome === 'correct') where.push('p.correct');
  if (f.outcome === 'incorrect') where.push('NOT p.correct');
  // Float32 confidences: compare against float32-rounded bounds (as the query service does).
  if (f.confidence) where.push(`p.confidence BETWEEN ${p(Math.fround(f.confidence[0]))}::FLOAT AND ${p(Math.fround(f.confidence[1]))}::FLOAT`);
  if (f.items) where.push(`p.item_id IN (SELECT unnest(${p(JSON.stringify(f.items.map((x) => x | 0)))}::INTEGER[]))`);
  let join = '';
  let member = 'NULL::BOOLEAN';
  if (f.sampleId !== undefined) {
    join = `LEFT JOIN (SELECT DISTINCT item_id FROM sample_members WHERE sample_id = ${p(f.sampleId)}) sm ON sm.item_id = p.item_id`;
    member = 'sm.item_id IS NOT NULL';
    if (f.membership === 'members') where.push('sm.item_id IS NOT NULL');
    if (f.membership === 'non-members') where.push('sm.item_id IS NULL');
  }
  const from = `FROM predictions p JOIN items i ON i.item_id = p.item_id ${join} WHERE ${where.join(' AND ')}`;
  const total = Number((await queryOne(store.conn, `SELECT count(*)::INTEGER AS n ${from}`, params))!.n);
  const order = `${SORT_SQL[sort.by]} ${sort.dir === 'desc' ? 'DESC' : 'ASC'}, item_id ASC`;
  const rows = await queryRows(store.conn,
    `SELECT * FROM (SELECT p.item_id, i.label, p.predicted, p.confidence, p.correct, ${member} AS in_sample ${from})
     ORDER BY ${order} LIMIT ${limit | 0} OFFSET ${offset | 0}`, params);
  return {
    total,
    rows: rows.map((r) => ({
      itemId: Number(r.item_id), trueLabel: Number(r.label), predicted: Number(r.predicted), confidence: Number(r.confidence),
      correct: Boolean(r.correct), inSample: r.in_sample == null ? null : Boolean(r.in_sample),
    })),
  };
}
