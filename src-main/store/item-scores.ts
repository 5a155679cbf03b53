/** Per-item scores of a checkpoint (table item_scores, schema v5): written once, read as aligned arrays. */
import { DOUBLE, INTEGER } from '@duckdb/node-api';
import { badInput } from '../shared/errors.ts';
import { appendRows, inTransaction, queryRows } from './db.ts';
import { assertWritable } from './project.ts';
import type { Store } from './project.ts';

export interface StoredItemScores {
  itemIds: Int32Array;
  hardness: Float64Array;
  mistakenness: Float64Array;
  uniqueness: Float64Array;
  representativeness: Float64Array;
  k: number;
}

/** Replaces the checkpoint's scores in one transaction (never half-written). */
export async function writeItemScores(store: Store, checkpointId: number, s: StoredItemScores): Promise<void> {
  assertWritable(store, 'writeItemScores');
  const n = s.itemIds.length;
  for (const key of ['hardness', 'mistakenness', 'uniqueness', 'representativeness'] as const) {
    if (s[key].length !== n) throw badInput(`writeItemScores: ${key} has ${s[key].length} values for ${n} items`);
  }
  const { conn } = store;
  await store.lock.run(() => inTransaction(conn, async () => {
    await conn.run('DELETE FROM item_scores WHERE checkpoint_id = $1', [checkpointId]);
    await appendRows(conn, 'item_scores', n, [
      { type: INTEGER, get: () => checkpointId },
      { type: INTEGER, get: (i) => s.itemIds[i] },
      { type: DOUBLE, get: (i) => s.hardness[i] },
      { type: DOUBLE, get: (i) => s.mistakenness[i] },
      { type: DOUBLE, get: (i) => s.uniqueness[i] },
      { type: DOUBLE, get: (i) => s.representativeness[i] },
      { type: INTEGER, get: () => s.k },
    ]);
  }));
}

/** The checkpoint's stored scores ascending by item id, or null when none are stored. */
export async function readItemScores(store: Store, checkpointId: number): Promise<StoredItemScores | null> {
  const rows = await queryRows(store.conn,
    'SELECT item_id, hardness, mistakenness, uniqueness, representativeness, k FROM item_scores WHERE checkpoint_id = $1 ORDER BY item_id', [checkpointId]);
  if (rows.length === 0) return null;
  return {
    itemIds: Int32Array.from(rows, (r) => Number(r.item_id)),
    hardness: Float64Array.from(rows, (r) => Number(r.hardness)),
    mistakenness: Float64Array.from(rows, (r) => Number(r.mistakenness)),
    uniqueness: Float64Array.from(rows, (r) => Number(r.uniqueness)),
    representativeness: Float64Array.from(rows, (r) => Number(r.representativeness)),
    k: Number(rows[0].k),
  };
}
