/**
 * Saved answers (schema v6 `saved_answers`): the answers a user chose to keep, to browse,
 * re-open, pin for the report and delete. Each write is one statement or one transaction under
 * the store's lock; the request's params and the answer are stored as JSON as given (the API
 * validated them against the contract before they arrive here).
 */
import { MarginError, badInput } from '../shared/errors.ts';
import { inTransaction, queryOne, queryRows, toIso, type Row } from './db.ts';
import { assertWritable, type Store } from './project.ts';

export interface SavedAnswerRow {
  id: number;
  kind: string;
  title: string;
  model: string;
  checkpoint: string | null;
  pinned: boolean;
  created: string;
}

export interface SavedAnswerFull extends SavedAnswerRow {
  params: unknown;
  result: unknown;
}

export interface NewSavedAnswer {
  kind: string;
  title: string;
  model: string;
  checkpoint?: string | null;
  params: unknown;
  result: unknown;
  pinned?: boolean;
}

const COLUMNS = 'id, kind, title, model, checkpoint, pinned, created';

function toRow(r: Row): SavedAnswerRow {
  return {
    id: Number(r.id), kind: String(r.kind), title: String(r.title), model: String(r.model),
    checkpoint: r.checkpoint == null ? null : String(r.checkpoint), pinned: Boolean(r.pinned), created: toIso(r.created),
  };
}

export async function insertSavedAnswer(store: Store, a: NewSavedAnswer): Promise<SavedAnswerRow> {
  assertWritable(store, 'save an answer');
  if (!a.kind) throw badInput('kind: say which request the answer came from');
  if (!a.title.trim()) throw badInput('title: give the answer a non-empty title');
  return store.lock.run(() => inTransaction(store.conn, async () => {
    const id = Number((await queryOne(store.conn, `SELECT nextval('seq_saved_answers')::INTEGER AS id`))!.id);
    await store.conn.run('INSERT INTO saved_answers VALUES ($1, $2, $3, $4, $5, $6, $7, $8, epoch_ms($9))', [
      id, a.kind, a.title.trim(), a.model, a.checkpoint ?? null, JSON.stringify(a.params ?? {}), JSON.stringify(a.result ?? null),
      a.pinned === true, Math.round(store.now()),
    ]);
    return toRow((await queryOne(store.conn, `SELECT ${COLUMNS} FROM saved_answers WHERE id = $1`, [id]))!);
  }));
}

/** Saved answers, newest first; of one model when given; only the pinned ones with `pinned: true`. */
export async function listSavedAnswers(store: Store, filter: { model?: string; pinned?: boolean } = {}): Promise<SavedAnswerRow[]> {
  const where: string[] = [];
  const args: Array<string | boolean> = [];
  if (filter.model !== undefined) { args.push(filter.model); where.push(`model = $${args.length}`); }
  if (filter.pinned !== undefined) { args.push(filter.pinned); where.push(`pinned = $${args.length}`); }
  const rows = await queryRows(store.conn, `SELECT ${COLUMNS} FROM saved_answers${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`, args);
  return rows.map(toRow);
}

export async function getSavedAnswer(store: Store, id: number): Promise<SavedAnswerFull> {
  const r = await queryOne(store.conn, `SELECT ${COLUMNS}, params, result FROM saved_answers WHERE id = $1`, [id]);
  if (!r) throw new MarginError('NOT_FOUND', `id: there is no saved answer ${id} (it may have been deleted); list them with answers.list`);
  return { ...toRow(r), params: JSON.parse(String(r.params)), result: JSON.parse(String(r.result)) };
}

/** Pin/unpin or rename a saved answer (one transaction); returns the row after the change. */
export async function updateSavedAnswer(store: Store, id: number, change: { pinned?: boolean; title?: string }): Promise<SavedAnswerRow> {
  assertWritable(store, 'change a saved answer');
  if (change.title !== undefined && !change.title.trim()) throw badInput('title: give the answer a non-empty title');
  return store.lock.run(() => inTransaction(store.conn, async () => {
    if (!await queryOne(store.conn, 'SELECT id FROM saved_answers WHERE id = $1', [id])) {
      throw new MarginError('NOT_FOUND', `id: there is no saved answer ${id} (it may have been deleted); list them with answers.list`);
    }
    if (change.pinned !== undefined) await store.conn.run('UPDATE saved_answers SET pinned = $1 WHERE id = $2', [change.pinned, id]);
    if (change.title !== undefined) await store.conn.run('UPDATE saved_answers SET title = $1 WHERE id = $2', [change.title.trim(), id]);
    return toRow((await queryOne(store.conn, `SELECT ${COLUMNS} FROM saved_answers WHERE id = $1`, [id]))!);
  }));
}

export async function deleteSavedAnswer(store: Store, id: number): Promise<void> {
  assertWritable(store, 'delete a saved answer');
  await store.lock.run(() => inTransaction(store.conn, async () => {
    if (!await queryOne(store.conn, 'SELECT id FROM saved_answers WHERE id = $1', [id])) {
      throw new MarginError('NOT_FOUND', `id: there is no saved answer ${id} (it may have been deleted already)`);
    }
    await store.conn.run('DELETE FROM saved_answers WHERE id = $1', [id]);
  }));
}
