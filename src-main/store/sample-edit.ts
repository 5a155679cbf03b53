/** Renaming and deleting a sample (its row and its members, in one transaction). */
import { MarginError, badInput } from '../shared/errors.ts';
import { inTransaction, queryOne } from './db.ts';
import type { Store } from './project.ts';

function writable(store: Store, what: string): void {
  if (store.readOnly) throw new MarginError('CONFLICT', `${what}: the project is open read-only; open it for writing to change its samples`);
}

export async function renameSample(store: Store, modelId: number, from: string, to: string): Promise<number> {
  writable(store, 'rename sample');
  if (!to.trim()) throw badInput('name: give the sample a non-empty name');
  return store.lock.run(() => inTransaction(store.conn, async () => {
    const s = await queryOne(store.conn, 'SELECT id FROM samples WHERE model_id = $1 AND name = $2', [modelId, from]);
    if (!s) throw new MarginError('NOT_FOUND', `sample: there is no sample "${from}" of this model`);
    if (from !== to && await queryOne(store.conn, 'SELECT id FROM samples WHERE model_id = $1 AND name = $2', [modelId, to])) {
      throw new MarginError('CONFLICT', `name: the model already has a sample named "${to}": choose another name`);
    }
    await store.conn.run('UPDATE samples SET name = $1 WHERE id = $2', [to, Number(s.id)]);
    return Number(s.id);
  }));
}

export async function deleteSample(store: Store, modelId: number, name: string): Promise<{ id: number; members: number }> {
  writable(store, 'delete sample');
  return store.lock.run(() => inTransaction(store.conn, async () => {
    const s = await queryOne(store.conn, 'SELECT id FROM samples WHERE model_id = $1 AND name = $2', [modelId, name]);
    if (!s) throw new MarginError('NOT_FOUND', `sample: there is no sample "${name}" of this model`);
    const id = Number(s.id);
    const n = Number((await queryOne(store.conn, 'SELECT count(*)::INTEGER AS n FROM sample_members WHERE sample_id = $1', [id]))!.n);
    await store.conn.run('DELETE FROM sample_members WHERE sample_id = $1', [id]);
    await store.conn.run('DELETE FROM samples WHERE id = $1', [id]);
    return { id, members: n };
  }));
}
