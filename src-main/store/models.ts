/**
 * Models, their checkpoints and their layer lists. Each checkpoint's files live in a folder of
 * their own under models/, named from the checkpoint's ids (`models/<modelId>/<checkpointId>/`)
 * and recorded in its row, so no other model or checkpoint can map to it (names never become paths).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { MarginError, badInput } from '../shared/errors.ts';
import type { LayerInfo } from '../core/extraction-types.ts';
import { inTransaction, queryOne, queryRows, toIso } from './db.ts';
import { assertWritable } from './project.ts';
import type { Store } from './project.ts';
import { insertTrainingEpoch, type TrainingEpochRecord } from './training-history.ts';

export interface NewModel {
  name: string;
  architecture: string; // e.g. 'lenet5-bn'
  sourcePath?: string | null;
  inputShape: number[]; // without the batch dimension, NHWC
  numClasses: number;
  latentLayer: string;
  engine: string;
  /** The engine asked for at import ('auto' | 'tfjs' | 'onnxruntime'); later checkpoints follow it. */
  engineChoice?: string | null;
  /** The data set (and its split) whose items the model is analysed on. */
  datasetId?: number | null;
  split?: string;
  layers?: LayerInfo[];
}

export interface ModelSummary {
  id: number;
  name: string;
  architecture: string;
  sourcePath: string | null;
  inputShape: number[];
  numClasses: number;
  latentLayer: string;
  engine: string;
  /** The engine asked for at import (null: not recorded, e.g. native ONNX models). */
  engineChoice: string | null;
  datasetId: number | null;
  split: string;
  created: string;
  checkpointCount: number;
}

export interface CheckpointInfo {
  id: number;
  modelId: number;
  label: string;
  ordinal: number;
  path: string | null;
  /** The translated model.onnx (relative to the project) when this TF.js checkpoint runs on ONNX Runtime. */
  onnxPath: string | null;
  /** Why the checkpoint runs where it runs (translation check result, or why it stays on TF.js). */
  engineNote: string | null;
  created: string;
  testAccuracy: number | null;
}

export interface ModelDetail extends ModelSummary {
  checkpoints: CheckpointInfo[];
  layers: LayerInfo[];
}

export interface NewCheckpoint {
  label: string; // e.g. 'epoch-3'
  ordinal: number; // order over training
  path?: string | null;
  /** A copy of the checkpoint's model.json (topology + weights manifest). */
  modelJson?: string | null;
  testAccuracy?: number | null;
  /** The translated model.onnx (relative to the project) when the checkpoint runs on ONNX Runtime. */
  onnxPath?: string | null;
  engineNote?: string | null;
  /** The model's layers; stored with the first checkpoint, checked against the stored list after. */
  layers?: LayerInfo[];
  /** Saved by training: the logs of its epoch, stored in the same transaction (store/training-history.ts). */
  training?: TrainingEpochRecord;
}

function validateLayers(where: string, layers: LayerInfo[]): void {
  if (!Array.isArray(layers)) throw badInput(`${where}: layers must be an array of LayerInfo`);
  const names = new Set<string>();
  layers.forEach((l, i) => {
    if (!l || typeof l.name !== 'string' || l.name === '') throw badInput(`${where}: layers[${i}].name must be a non-empty string`);
    if (names.has(l.name)) throw badInput(`${where}: layer name "${l.name}" appears twice`);
    names.add(l.name);
    if (!Array.isArray(l.shape) || l.shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw badInput(`${where}: layers[${i}] (${l.name}) shape must be positive integers, got ${JSON.stringify(l.shape)}`);
    }
    const prod = l.shape.reduce((a, b) => a * b, 1);
    if (l.units !== prod) throw badInput(`${where}: layers[${i}] (${l.name}) has units ${l.units} but shape ${JSON.stringify(l.shape)} holds ${prod}`);
    if (!(l.params >= 0) || !(l.flops >= 0)) throw badInput(`${where}: layers[${i}] (${l.name}) params and flops must be >= 0`);
  });
}

async function writeLayers(store: Store, modelId: number, layers: LayerInfo[]): Promise<void> {
  let k = 0;
  for (const l of layers) {
    await store.conn.run('INSERT INTO layers VALUES ($1, $2, $3, $4, $5::INTEGER[], $6, $7, $8)',
      [modelId, k++, l.name, String(l.className), JSON.stringify(l.shape), l.units, l.params, l.flops]);
  }
}

function validateNewModel(m: NewModel): void {
  if (!m || typeof m.name !== 'string' || m.name.trim() === '') throw badInput('insertModel: name must be a non-empty string');
  if (typeof m.architecture !== 'string' || m.architecture === '') throw badInput('insertModel: architecture must be a non-empty string');
  if (!Array.isArray(m.inputShape) || m.inputShape.length === 0 || m.inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw badInput(`insertModel: inputShape must be positive integers (without the batch dimension), got ${JSON.stringify(m.inputShape)}`);
  }
  if (!Number.isInteger(m.numClasses) || m.numClasses < 2) throw badInput(`insertModel: numClasses must be an integer >= 2, got ${m.numClasses}`);
  if (typeof m.latentLayer !== 'string' || m.latentLayer === '') throw badInput('insertModel: latentLayer must name the last hidden layer');
  if (m.layers) {
    validateLayers('insertModel', m.layers);
    if (!m.layers.some((l) => l.name === m.latentLayer)) throw badInput(`insertModel: latentLayer "${m.latentLayer}" is not among the layers`);
  }
}

/** Inserts the model's row (and layers). Caller holds the store lock inside a transaction. */
async function insertModelRow(store: Store, m: NewModel): Promise<number> {
  const { conn } = store;
  const dup = await queryOne(conn, 'SELECT id FROM models WHERE name = $1', [m.name]);
  if (dup) throw new MarginError('CONFLICT', `a model named "${m.name}" already exists (id ${dup.id}): choose another name`);
  const id = Number((await queryOne(conn, `SELECT nextval('seq_models')::INTEGER AS id`))!.id);
  await conn.run(`INSERT INTO models (id, name, architecture, source_path, input_shape, num_classes, latent_layer, engine, created, dataset_id, split, engine_choice)
    VALUES ($1, $2, $3, $4, $5::INTEGER[], $6, $7, $8, epoch_ms($9), $10, $11, $12)`,
    [id, m.name, m.architecture, m.sourcePath ?? null, JSON.stringify(m.inputShape), m.numClasses, m.latentLayer,
      String(m.engine ?? ''), Math.round(store.now()), m.datasetId ?? null, m.split ?? 'test', m.engineChoice ?? null]);
  if (m.layers) await writeLayers(store, id, m.layers);
  return id;
}

export async function insertModel(store: Store, m: NewModel): Promise<number> {
  assertWritable(store, 'insertModel');
  validateNewModel(m);
  return store.lock.run(() => inTransaction(store.conn, () => insertModelRow(store, m)));
}

function validateNewCheckpoint(modelId: number, c: NewCheckpoint): void {
  if (!Number.isInteger(modelId)) throw badInput(`insertCheckpoint: modelId must be an integer, got ${modelId}`);
  if (!c || typeof c.label !== 'string' || c.label === '') throw badInput('insertCheckpoint: label must be a non-empty string');
  if (!Number.isInteger(c.ordinal)) throw badInput(`insertCheckpoint: ordinal must be an integer, got ${c.ordinal}`);
  if (c.testAccuracy != null && !(c.testAccuracy >= 0 && c.testAccuracy <= 1)) {
    throw badInput(`insertCheckpoint: testAccuracy must be in [0, 1], got ${c.testAccuracy}`);
  }
  if (c.layers) validateLayers('insertCheckpoint', c.layers);
}

/** Inserts the checkpoint's row (and the model's layers with its first one). Caller holds the lock in a transaction. */
async function insertCheckpointRow(store: Store, modelId: number, c: NewCheckpoint): Promise<number> {
  const { conn } = store;
  const model = await queryOne(conn, 'SELECT id, name FROM models WHERE id = $1', [modelId]);
  if (!model) throw new MarginError('NOT_FOUND', `model ${modelId} does not exist`);
  const dup = await queryOne(conn, 'SELECT id FROM checkpoints WHERE model_id = $1 AND label = $2', [modelId, c.label]);
  if (dup) throw new MarginError('CONFLICT', `model "${model.name}" already has a checkpoint labelled "${c.label}" (id ${dup.id}): choose another label`);
  if (c.layers) {
    const stored = await readLayers(store, modelId);
    if (stored.length === 0) await writeLayers(store, modelId, c.layers);
    else if (JSON.stringify(stored.map((l) => [l.name, l.shape])) !== JSON.stringify(c.layers.map((l) => [l.name, l.shape]))) {
      throw new MarginError('CONFLICT', `checkpoint "${c.label}" has a different layer list than model ${modelId}'s stored layers: register it as a new model`);
    }
  }
  const id = Number((await queryOne(conn, `SELECT nextval('seq_checkpoints')::INTEGER AS id`))!.id);
  await conn.run(`INSERT INTO checkpoints (id, model_id, label, ordinal, path, model_json, created, test_accuracy, onnx_path, engine_note)
    VALUES ($1, $2, $3, $4, $5, $6, epoch_ms($7), $8, $9, $10)`,
    [id, modelId, c.label, c.ordinal, c.path ?? null, c.modelJson ?? null, Math.round(store.now()), c.testAccuracy ?? null,
      c.onnxPath ?? null, c.engineNote ?? null]);
  if (c.training) await insertTrainingEpoch(conn, id, c.training);
  return id;
}

export async function insertCheckpoint(store: Store, modelId: number, c: NewCheckpoint): Promise<number> {
  assertWritable(store, 'insertCheckpoint');
  validateNewCheckpoint(modelId, c);
  return store.lock.run(() => inTransaction(store.conn, () => insertCheckpointRow(store, modelId, c)));
}

/** What `place` put into a checkpoint's folder: file names relative to that folder. */
export interface PlacedFiles {
  /** The file the checkpoint runs from (model.json or model.onnx). */
  modelFile: string;
  /** The translated model.onnx beside a TF.js model.json, if any. */
  onnxFile?: string | null;
  /** Stored with the checkpoint (a copy of model.json, or the ONNX input mapping). */
  modelJson?: string | null;
}

/**
 * Folder prefix of an import in progress (removed when it fails, and when a project opens after a
 * crash). '@' never appears in the folders older versions named after models, so no model's folder starts with it.
 */
export const IMPORT_TMP_PREFIX = '@importing-';

/**
 * Registers a checkpoint (and its model, when `target` is a new model) and places its files,
 * all or nothing. In one transaction under the store lock: the model name (or the model's
 * checkpoint label) is reserved first — a taken one fails here with a CONFLICT naming it, before
 * any file is written; then `place` writes the files into a temporary folder under models/,
 * which is renamed to the checkpoint's own folder `models/<modelId>/<checkpointId>/` and
 * recorded in the row. Any failure rolls the rows back and removes the folder, so a failed
 * import leaves neither a row nor a file.
 */
export async function registerCheckpoint(
  store: Store,
  target: { modelId: number } | { model: NewModel },
  c: Omit<NewCheckpoint, 'path' | 'onnxPath' | 'modelJson'>,
  place: (dir: string) => Promise<PlacedFiles>,
): Promise<{ modelId: number; checkpointId: number; dir: string }> {
  assertWritable(store, 'registerCheckpoint');
  if ('model' in target) validateNewModel(target.model);
  validateNewCheckpoint('modelId' in target ? target.modelId : 0, c);
  const models = path.join(store.dir, 'models');
  let tmp: string | null = null;
  let final: string | null = null;
  let newModelDir: string | null = null;
  try {
    return await store.lock.run(() => inTransaction(store.conn, async () => {
      const modelId = 'modelId' in target ? target.modelId : await insertModelRow(store, target.model);
      const checkpointId = await insertCheckpointRow(store, modelId, c);
      // the names are reserved (uncommitted, but this transaction holds the store lock): now the files
      tmp = path.join(models, `${IMPORT_TMP_PREFIX}${checkpointId}`);
      await fs.rm(tmp, { recursive: true, force: true }); // a crashed import's leftover
      await fs.mkdir(tmp, { recursive: true });
      const files = await place(tmp);
      const modelDir = path.join(models, String(modelId));
      if ('model' in target) newModelDir = modelDir;
      await fs.mkdir(modelDir, { recursive: true });
      final = await freeFolder(path.join(modelDir, String(checkpointId)));
      await fs.rename(tmp, final);
      tmp = null;
      const rel = (f: string) => path.relative(store.dir, path.join(final!, f));
      await store.conn.run('UPDATE checkpoints SET path = $2, onnx_path = $3, model_json = $4 WHERE id = $1',
        [checkpointId, rel(files.modelFile), files.onnxFile ? rel(files.onnxFile) : null, files.modelJson ?? null]);
      return { modelId, checkpointId, dir: final };
    }));
  } catch (err) {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
    if (final) await fs.rm(final, { recursive: true, force: true });
    if (newModelDir) await fs.rmdir(newModelDir).catch(() => undefined); // only when empty
    throw err;
  }
}

/**
 * `want`, or `want-2`, `want-3` … when a folder of that name exists already: a project made
 * before folders were named by id may hold a model named like an id, and a crashed import may
 * have left its folder (ids of rolled-back rows can come again). Neither is ever overwritten.
 */
async function freeFolder(want: string): Promise<string> {
  for (let k = 1; ; k++) {
    const candidate = k === 1 ? want : `${want}-${k}`;
    try {
      await fs.access(candidate);
    } catch {
      return candidate;
    }
  }
}

/** Removes the temporary folders of imports a crash interrupted (none of them is in the store). */
export async function removeInterruptedImports(storeDir: string): Promise<number> {
  const models = path.join(storeDir, 'models');
  let names: string[];
  try {
    names = await fs.readdir(models);
  } catch {
    return 0;
  }
  const stale = names.filter((n) => n.startsWith(IMPORT_TMP_PREFIX));
  for (const n of stale) await fs.rm(path.join(models, n), { recursive: true, force: true });
  return stale.length;
}

async function readLayers(store: Store, modelId: number): Promise<LayerInfo[]> {
  const rows = await queryRows(store.conn, 'SELECT * FROM layers WHERE model_id = $1 ORDER BY ordinal', [modelId]);
  return rows.map((r) => ({
    name: String(r.name), className: String(r.class_name), shape: (r.shape as number[]).map(Number),
    units: Number(r.units), params: Number(r.params), flops: Number(r.flops),
  }));
}

function toModelSummary(r: Record<string, unknown>): ModelSummary {
  return {
    id: Number(r.id), name: String(r.name), architecture: String(r.architecture),
    sourcePath: r.source_path == null ? null : String(r.source_path), inputShape: (r.input_shape as number[]).map(Number),
    numClasses: Number(r.num_classes), latentLayer: String(r.latent_layer), engine: String(r.engine),
    engineChoice: r.engine_choice == null ? null : String(r.engine_choice),
    datasetId: r.dataset_id == null ? null : Number(r.dataset_id), split: String(r.split ?? 'test'),
    created: toIso(r.created), checkpointCount: Number(r.n ?? 0),
  };
}

export async function listModels(store: Store): Promise<ModelSummary[]> {
  const rows = await queryRows(store.conn,
    `SELECT m.*, (SELECT count(*) FROM checkpoints c WHERE c.model_id = m.id)::INTEGER AS n FROM models m ORDER BY m.id`);
  return rows.map(toModelSummary);
}

/** A model by id or name, with its checkpoints (by ordinal) and layers. */
export async function getModel(store: Store, idOrName: number | string): Promise<ModelDetail> {
  const rows = await queryRows(store.conn,
    `SELECT m.*, (SELECT count(*) FROM checkpoints c WHERE c.model_id = m.id)::INTEGER AS n FROM models m
     WHERE ${typeof idOrName === 'number' ? 'm.id' : 'm.name'} = $1`, [idOrName]);
  if (rows.length === 0) throw new MarginError('NOT_FOUND', `model ${JSON.stringify(idOrName)} does not exist`);
  const m = toModelSummary(rows[0]);
  const cps = await queryRows(store.conn, 'SELECT * FROM checkpoints WHERE model_id = $1 ORDER BY ordinal, id', [m.id]);
  return {
    ...m,
    checkpoints: cps.map(toCheckpoint),
    layers: await readLayers(store, m.id),
  };
}

function toCheckpoint(r: Record<string, unknown>): CheckpointInfo {
  return {
    id: Number(r.id), modelId: Number(r.model_id), label: String(r.label), ordinal: Number(r.ordinal),
    path: r.path == null ? null : String(r.path), created: toIso(r.created),
    onnxPath: r.onnx_path == null ? null : String(r.onnx_path), engineNote: r.engine_note == null ? null : String(r.engine_note),
    testAccuracy: r.test_accuracy == null ? null : Number(r.test_accuracy),
  };
}

export async function getCheckpoint(store: Store, checkpointId: number): Promise<CheckpointInfo & { modelJson: string | null }> {
  const r = await queryOne(store.conn, 'SELECT * FROM checkpoints WHERE id = $1', [checkpointId]);
  if (!r) throw new MarginError('NOT_FOUND', `checkpoint ${checkpointId} does not exist`);
  return { ...toCheckpoint(r), modelJson: r.model_json == null ? null : String(r.model_json) };
}
