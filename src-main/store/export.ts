/**
 * Export stored data for use outside Margin: tables through DuckDB's COPY … TO (Parquet, CSV),
 * matrices (latents, activations, probabilities) as .npy. For npy exports a sibling
 * `<out>.item_ids.npy` holds the item id of each row. Every file goes through the safe output
 * path (./safe-output.ts): never into a project's own files, never over an existing file unless
 * `overwrite` is set, written to a temporary file and renamed into place.
 */
import path from 'node:path';
import { badInput, MarginError } from '../shared/errors.ts';
import { INTEGER } from '@duckdb/node-api';
import { appendRows, floatArrayColumn, sqlString } from './db.ts';
import { readActivations } from './activations.ts';
import { getLatent, getPredictions } from './predictions.ts';
import { writeNpyFile } from './npy.ts';
import { checkOutputs, writeOutputWith, type SafeOutputOptions } from './safe-output.ts';
import type { Store } from './project.ts';

export type ExportWhat = 'predictions' | 'latent' | 'activations' | 'samples';
export type ExportFormat = 'parquet' | 'csv' | 'npy';

export interface ExportOptions {
  what: ExportWhat;
  checkpointId?: number;
  layer?: string;
  /** For what: 'samples': one sample's members (default: all samples of the checkpoint's model). */
  sampleId?: number;
  format: ExportFormat;
  out: string;
  /** Replace existing files (default false); `forceHint` says how in the refusal. */
  overwrite?: boolean;
  forceHint?: string;
}

export interface ExportResult { files: string[]; rows: number }

/** Writes the rows of `sql` to `file` (CSV with a header, or Parquet) by DuckDB's COPY; returns the row count. */
export async function copyQueryTo(store: Store, sql: string, file: string, format: 'csv' | 'parquet'): Promise<number> {
  const r = await store.conn.runAndReadAll(`COPY (${sql}) TO ${sqlString(file)} (FORMAT ${format === 'csv' ? 'csv, HEADER true' : 'parquet'})`);
  return Number(r.getRowsJS()[0]?.[0] ?? 0);
}

export async function exportData(store: Store, o: ExportOptions): Promise<ExportResult> {
  const whats: ExportWhat[] = ['predictions', 'latent', 'activations', 'samples'];
  if (!whats.includes(o.what)) throw badInput(`exportData: what must be one of ${whats.join(', ')}, got ${String(o.what)}`);
  if (!['parquet', 'csv', 'npy'].includes(o.format)) throw badInput(`exportData: format must be parquet, csv or npy, got ${String(o.format)}`);
  if (typeof o.out !== 'string' || o.out === '') throw badInput('exportData: out must be a file path');
  const needsCk = o.what !== 'samples' || o.sampleId === undefined;
  if (needsCk && !Number.isInteger(o.checkpointId)) throw badInput(`exportData: checkpointId is required to export ${o.what}`);
  const ck = o.checkpointId!;
  if (o.what === 'activations' && !o.layer) throw badInput('exportData: layer is required to export activations');
  if (o.format === 'npy' && o.what === 'samples') throw badInput('exportData: samples are a table; export them as parquet or csv');
  const safe: SafeOutputOptions = { overwrite: o.overwrite, forceHint: o.forceHint, projects: [store.dir] };
  const out = path.resolve(o.out);
  const idsFile = out.replace(/\.npy$/i, '') + '.item_ids.npy';
  // Every file checked before any is written.
  const targets = await checkOutputs(o.format === 'npy' ? [out, idsFile] : [out], safe);

  if (o.format === 'npy') {
    const m = o.what === 'latent' ? await getLatent(store, ck)
      : o.what === 'activations' ? await readActivations(store, ck, o.layer!)
        : await predictionMatrix(store, ck);
    await writeOutputWith(targets[0], (tmp) => writeNpyFile(tmp, m.data, [m.rows, m.cols]));
    await writeOutputWith(targets[1], (tmp) => writeNpyFile(tmp, m.itemIds, [m.itemIds.length]));
    return { files: [out, idsFile], rows: m.rows };
  }

  let sql: string;
  if (o.what === 'predictions') {
    // Per-item scores (schema v5) when computed: empty (NULL) otherwise.
    sql = `SELECT p.item_id, i.dataset_id, i.split, i.split_index, i.label AS true_label, p.predicted, p.correct, p.confidence, p.probs, p.logits,
             s.hardness, s.mistakenness, s.uniqueness, s.representativeness
           FROM predictions p JOIN items i USING (item_id)
           LEFT JOIN item_scores s ON s.checkpoint_id = p.checkpoint_id AND s.item_id = p.item_id
           WHERE p.checkpoint_id = ${ck} ORDER BY p.item_id`;
  } else if (o.what === 'latent') {
    // Latent vectors live in the latent layer's files (getLatent): staged like activations.
    const m = await getLatent(store, ck);
    await store.conn.run(`CREATE OR REPLACE TEMP TABLE export_latent (item_id INTEGER, vector FLOAT[${Math.max(1, m.cols)}])`);
    await appendRows(store.conn, 'export_latent', m.rows, [{ type: INTEGER, get: (i) => m.itemIds[i] }, floatArrayColumn(m.data, m.cols)]);
    sql = 'SELECT item_id, vector::FLOAT[] AS vector FROM export_latent ORDER BY item_id';
  } else if (o.what === 'samples') {
    const where = o.sampleId !== undefined ? `s.id = ${Number(o.sampleId)}`
      : `s.model_id = (SELECT model_id FROM checkpoints WHERE id = ${ck})`;
    sql = `SELECT s.id AS sample_id, s.name, s.method, s.fraction, s.j, s.seed, m.position, m.item_id, m.weight
           FROM samples s JOIN sample_members m ON m.sample_id = s.id WHERE ${where} ORDER BY s.id, m.position`;
  } else {
    // Activations live in raw files, not in DuckDB: stage them in a temporary table first.
    const m = await readActivations(store, ck, o.layer!);
    await store.conn.run(`CREATE OR REPLACE TEMP TABLE export_activations (item_id INTEGER, activations FLOAT[${m.cols}])`);
    await appendRows(store.conn, 'export_activations', m.rows, [{ type: INTEGER, get: (i) => m.itemIds[i] }, floatArrayColumn(m.data, m.cols)]);
    sql = 'SELECT item_id, activations::FLOAT[] AS activations FROM export_activations ORDER BY item_id';
  }
  // CSV has no list type: DuckDB writes lists as list literals "[0.1, 0.2]", which read_csv parses back.
  // DuckDB writes the temporary file beside the target; it is renamed into place when complete.
  const rows = await writeOutputWith(targets[0], async (tmp) => {
    const n = await copyQueryTo(store, sql, tmp, o.format === 'csv' ? 'csv' : 'parquet'); // npy never gets here
    if (o.what === 'activations') await store.conn.run('DROP TABLE IF EXISTS export_activations');
    if (o.what === 'latent') await store.conn.run('DROP TABLE IF EXISTS export_latent');
    if (n === 0 && o.what !== 'samples') {
      throw new MarginError('NOT_FOUND', `nothing to export: checkpoint ${ck} has no stored ${o.what}`);
    }
    return n;
  });
  return { files: [out], rows };
}

async function predictionMatrix(store: Store, ck: number) {
  const p = await getPredictions(store, ck);
  return { ...p.probs, itemIds: p.itemIds };
}
