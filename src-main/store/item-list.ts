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

/** Finite number as SQL text (every value of the filter is a validated number). */
function num(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`item filter: ${v} is not a finite number`);
  return String(v);
}

/** FROM … WHERE … of the filtered items, and the membership column (values inlined: all numbers). */
function filterSql(checkpointId: number, f: ItemListFilter, extraJoin = ''): { from: string; member: string } {
  const where: string[] = [`p.checkpoint_id = ${num(checkpointId | 0)}`];
  if (f.trueClass !== undefined) where.push(`i.label = ${num(f.trueClass | 0)}`);
  if (f.predClass !== undefined) where.push(`p.predicted = ${num(f.predClass | 0)}`);
  if (f.outcome === 'correct') where.push('p.correct');
  if (f.outcome === 'incorrect') where.push('NOT p.correct');
  // Float32 confidences: compare against float32-rounded bounds (as the query service does).
  if (f.confidence) where.push(`p.confidence BETWEEN ${num(Math.fround(f.confidence[0]))}::FLOAT AND ${num(Math.fround(f.confidence[1]))}::FLOAT`);
  if (f.items) where.push(f.items.length ? `p.item_id IN (SELECT unnest([${f.items.map((x) => num(x | 0)).join(',')}]::INTEGER[]))` : 'false');
  let join = '';
  let member = 'NULL::BOOLEAN';
  if (f.sampleId !== undefined) {
    join = `LEFT JOIN (SELECT DISTINCT item_id FROM sample_members WHERE sample_id = ${num(f.sampleId | 0)}) sm ON sm.item_id = p.item_id`;
    member = 'sm.item_id IS NOT NULL';
    if (f.membership === 'members') where.push('sm.item_id IS NOT NULL');
    if (f.membership === 'non-members') where.push('sm.item_id IS NULL');
  }
  return { from: `FROM predictions p JOIN items i ON i.item_id = p.item_id ${join} ${extraJoin} WHERE ${where.join(' AND ')}`, member };
}

export async function listItems(
  store: Store, checkpointId: number, f: ItemListFilter, sort: { by: ItemSortKey; dir: 'asc' | 'desc' }, offset: number, limit: number,
): Promise<{ total: number; rows: ItemListRow[] }> {
  const { from, member } = filterSql(checkpointId, f);
  const total = Number((await queryOne(store.conn, `SELECT count(*)::INTEGER AS n ${from}`))!.n);
  const order = `${SORT_SQL[sort.by]} ${sort.dir === 'desc' ? 'DESC' : 'ASC'}, item_id ASC`;
  const rows = await queryRows(store.conn,
    `SELECT * FROM (SELECT p.item_id, i.label, p.predicted, p.confidence, p.correct, ${member} AS in_sample ${from})
     ORDER BY ${order} LIMIT ${limit | 0} OFFSET ${offset | 0}`);
  return {
    total,
    rows: rows.map((r) => ({
      itemId: Number(r.item_id), trueLabel: Number(r.label), predicted: Number(r.predicted), confidence: Number(r.confidence),
      correct: Boolean(r.correct), inSample: r.in_sample == null ? null : Boolean(r.in_sample),
    })),
  };
}

/**
 * The filtered items as one SELECT for DuckDB's COPY … TO: item id, true and predicted class
 * (index and name), confidence, correct, sample membership; ordered by item id.
 */
export function itemExportSql(checkpointId: number, datasetId: number, f: ItemListFilter): string {
  const ds = num(datasetId | 0);
  const names = `LEFT JOIN classes tc ON tc.dataset_id = ${ds} AND tc.label = i.label LEFT JOIN classes pc ON pc.dataset_id = ${ds} AND pc.label = p.predicted`;
  const { from, member } = filterSql(checkpointId, f, names);
  return `SELECT p.item_id, i.label AS true_label, tc.name AS true_class, p.predicted AS predicted_label, pc.name AS predicted_class,
      p.confidence, p.correct, ${member} AS in_sample ${from} ORDER BY p.item_id`;
}
