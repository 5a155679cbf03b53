/**
 * Damaged activation files: a file shorter than its index says (deleted, truncated, a disk
 * swapped under the project). The check is cheap — one index query (no item lists) and one
 * stat per file: a chunk is damaged when its file is missing or ends before the chunk does.
 * Files only ever grow past their committed bytes while a job writes (the bytes are durable
 * before the index rows commit), so a running extraction never looks damaged.
 *
 * What happens with a damaged chunk:
 *  - opening the project finds it (`store.damage`), `margin info` / project info report the
 *    layer as damaged with the items affected;
 *  - reads touching it fail with a clear error saying to run the extraction (damagedError);
 *  - an extraction of the checkpoint first drops the damaged chunks' index rows (repairDamage,
 *    under the checkpoint's writer lock, in one transaction), so those items count as missing and
 *    are computed again — exactly them — and the next append cuts the file back to its last
 *    intact chunk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import { inTransaction, queryOne, queryRows } from './db.ts';
import type { Store } from './project.ts';

export interface LayerDamage {
  checkpointId: number;
  layer: string;
  /** Items whose rows are lost (in damaged chunks). */
  items: number;
  /** Items the index lists for the layer. */
  indexed: number;
  /** The damaged files, relative to the project, and what is wrong with each. */
  files: Array<{ file: string; problem: 'missing' | 'truncated'; size: number; needed: number }>;
  /** chunk_no of each damaged chunk. */
  chunks: number[];
}

interface ChunkSpan { checkpointId: number; layer: string; chunkNo: number; file: string; end: number; rows: number }

/** Size of a project file, or -1 when it is missing (or not a regular file). */
function fileSize(dir: string, file: string): number {
  try {
    const st = fs.statSync(path.join(dir, file));
    return st.isFile() ? st.size : -1;
  } catch {
    return -1;
  }
}

/** Damage among the given chunks, per (checkpoint, layer). */
function damageOf(dir: string, spans: ChunkSpan[]): LayerDamage[] {
  const sizes = new Map<string, number>();
  const out = new Map<string, LayerDamage>();
  const indexed = new Map<string, number>();
  for (const s of spans) {
    const key = `${s.checkpointId}\u0000${s.layer}`;
    indexed.set(key, (indexed.get(key) ?? 0) + s.rows);
    let size = sizes.get(s.file);
    if (size === undefined) sizes.set(s.file, (size = fileSize(dir, s.file)));
    if (size >= s.end) continue;
    let d = out.get(key);
    if (!d) out.set(key, (d = { checkpointId: s.checkpointId, layer: s.layer, items: 0, indexed: 0, files: [], chunks: [] }));
    d.items += s.rows;
    d.chunks.push(s.chunkNo);
    const f = d.files.find((x) => x.file === s.file);
    if (f) f.needed = Math.max(f.needed, s.end);
    else d.files.push({ file: s.file, problem: size < 0 ? 'missing' : 'truncated', size: Math.max(0, size), needed: s.end });
  }
  for (const [key, d] of out) d.indexed = indexed.get(key)!;
  return [...out.values()].sort((a, b) => a.checkpointId - b.checkpointId || (a.layer < b.layer ? -1 : a.layer > b.layer ? 1 : 0));
}

async function spans(store: Store, checkpointId?: number, layer?: string): Promise<ChunkSpan[]> {
  const where: string[] = [];
  const params: Array<number | string> = [];
  if (checkpointId !== undefined) { params.push(checkpointId); where.push(`checkpoint_id = $${params.length}`); }
  if (layer !== undefined) { params.push(layer); where.push(`layer = $${params.length}`); }
  const rows = await queryRows(store.conn,
    `SELECT checkpoint_id, layer, chunk_no, file, (byte_offset + byte_length)::BIGINT AS e, row_count FROM activation_chunks
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY checkpoint_id, layer, chunk_no`, params.length ? params : undefined);
  return rows.map((r) => ({
    checkpointId: Number(r.checkpoint_id), layer: String(r.layer), chunkNo: Number(r.chunk_no), file: String(r.file), end: Number(r.e), rows: Number(r.row_count),
  }));
}

/** Every damaged layer of the project (or of one checkpoint / layer): index vs file sizes. */
export async function findDamage(store: Store, checkpointId?: number, layer?: string): Promise<LayerDamage[]> {
  return damageOf(store.dir, await spans(store, checkpointId, layer));
}

/**
 * Drops the index rows of a checkpoint's damaged chunks (one transaction) so that an extraction
 * computes their items again. Call it holding the checkpoint's writer lock. Returns what was dropped.
 */
export async function repairDamage(store: Store, checkpointId: number): Promise<LayerDamage[]> {
  return store.lock.run(() => inTransaction(store.conn, async () => {
    const damage = await findDamage(store, checkpointId);
    for (const d of damage) {
      await store.conn.run(`DELETE FROM activation_chunks WHERE checkpoint_id = $1 AND layer = $2 AND chunk_no IN (SELECT unnest($3::INTEGER[]))`,
        [checkpointId, d.layer, JSON.stringify(d.chunks)]);
    }
    return damage;
  }));
}

/** One line about a damaged layer: "relu1: 2,048 of 10,000 items lost (activations/ckpt-5/relu1.f32 truncated at 1.0 MB of 4.0 MB)". */
export function describeDamage(d: LayerDamage): string {
  const files = d.files.map((f) => f.problem === 'missing' ? `${f.file} missing` : `${f.file} truncated: ${f.size.toLocaleString('en-US')} of ${f.needed.toLocaleString('en-US')} bytes`).join('; ');
  return `${d.items.toLocaleString('en-US')} of ${d.indexed.toLocaleString('en-US')} items lost (${files})`;
}

/**
 * The error a read touching damaged rows fails with: what is lost and how to get it back
 * (the CLI's extract command, the workbench's Extract in the Model view).
 */
export async function damagedError(store: Store, d: LayerDamage): Promise<MarginError> {
  const r = await queryOne(store.conn,
    'SELECT m.name, c.label FROM checkpoints c JOIN models m ON m.id = c.model_id WHERE c.id = $1', [d.checkpointId]);
  const model = r ? String(r.name) : `checkpoint ${d.checkpointId}`;
  const label = r ? String(r.label) : '';
  return new MarginError('CONFLICT',
    `activations of layer ${d.layer} of model "${model}"${label ? ` @ ${label}` : ''} are damaged: ${describeDamage(d)}. `
    + `Recompute the lost items with \`margin extract --model ${JSON.stringify(model)}${label ? ` --checkpoint ${JSON.stringify(label)}` : ''}\` `
    + '(in the workbench: Extract in the Model view), then run this again',
    { checkpointId: d.checkpointId, layer: d.layer, damagedItems: d.items, files: d.files.map((f) => f.file),
      ui: `activations of layer ${d.layer} of model "${model}"${label ? ` @ ${label}` : ''} are damaged: ${describeDamage(d)}. `
        + 'Recompute the lost items with "Extract activations" in the Model view, then try again' });
}

/** Throws damagedError when any of the given chunks of a layer is damaged. */
export async function assertIntact(store: Store, checkpointId: number, layer: string, chunks: Array<{ chunkNo: number; file: string; byteOffset: number; byteLength: number; itemIds: Int32Array }>): Promise<void> {
  const d = damageOf(store.dir, chunks.map((c) => ({ checkpointId, layer, chunkNo: c.chunkNo, file: c.file, end: c.byteOffset + c.byteLength, rows: c.itemIds.length })));
  if (d.length > 0) {
    // count against the whole layer's index, so the message says how much of the layer is lost
    const all = await findDamage(store, checkpointId, layer);
    throw await damagedError(store, all[0] ?? d[0]);
  }
}
