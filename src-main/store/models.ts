/** Models, their checkpoints and their layer lists. */
import { MarginError, badInput } from '../shared/errors.ts';
import type { LayerInfo } from '../core/extraction-types.ts';
import { inTransaction, queryOne, queryRows, toIso } from './db.ts';
import { assertWritable } from './project.ts';
import type { Store } from './project.ts';

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

export async function insertModel(store: Store, m: NewModel): Promise<number> {
  assertWritable(store, 'insertModel');
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
  const { conn } = store;
  return store.lock.run(() => inTransaction(conn, async () => {
    const dup = await queryOne(conn, 'SELECT id FROM models WHERE name = $1', [m.name]);
    if (dup) throw new MarginError('CONFLICT', `a model named "${m.name}" already exists (id ${dup.id}): choose another name`);
    const id = Number((await queryOne(conn, `SELECT nextval('seq_models')::INTEGER AS id`))!.id);
    await conn.run(`INSERT INTO models (id, name, architecture, source_path, input_shape, num_classes, latent_layer, engine, created, dataset_id, split, engine_choice)
      VALUES ($1, $2, $3, $4, $5::INTEGER[], $6, $7, $8, epoch_ms($9), $10, $11, $12)`,
      [id, m.name, m.architecture, m.sourcePath ?? null, JSON.stringify(m.inputShape), m.numClasses, m.latentLayer,
        String(m.engine ?? ''), Math.round(store.now()), m.datasetId ?? null, m.split ?? 'test', m.engineChoice ?? null]);
    if (m.layers) await writeLayers(store, id, m.layers);
    return id;
  }));
}

export async function insertCheckpoint(store: Store, modelId: number, c: NewCheckpoint): Promise<number> {
  assertWritable(store, 'insertCheckpoint');
  if (!Number.isInteger(modelId)) throw badInput(`insertCheckpoint: modelId must be an integer, got ${modelId}`);
  if (!c || typeof c.label !== 'string' || c.label === '') throw badInput('insertCheckpoint: label must be a non-empty string');
  if (!Number.isInteger(c.ordinal)) throw badInput(`insertCheckpoint: ordinal must be an integer, got ${c.ordinal}`);
  if (c.testAccuracy != null && !(c.testAccuracy >= 0 && c.testAccuracy <= 1)) {
    throw badInput(`insertCheckpoint: testAccuracy must be in [0, 1], got ${c.testAccuracy}`);
  }
  if (c.layers) validateLayers('insertCheckpoint', c.layers);
  const { conn } = store;
  return store.lock.run(() => inTransaction(conn, async () => {
    const model = await queryOne(conn, 'SELECT id FROM models WHERE id = $1', [modelId]);
    if (!model) throw new MarginError('NOT_FOUND', `model ${modelId} does not exist`);
    const dup = await queryOne(conn, 'SELECT id FROM checkpoints WHERE model_id = $1 AND label = $2', [modelId, c.label]);
    if (dup) throw new MarginError('CONFLICT', `model ${modelId} already has a checkpoint labelled "${c.label}" (id ${dup.id})`);
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
    return id;
  }));
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
