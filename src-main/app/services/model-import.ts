/**
 * Importing a TensorFlow.js LayersModel (model.json + weight shards) into a project: as a new
 * model with its first checkpoint, or as a further checkpoint of an existing model. The files are
 * copied into the project (`models/<model>/<checkpoint>/`) so the project is self-contained.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadModel, checkInputShape } from '../../engine/model-io.ts';
import { describeModel } from '../../engine/inspect.ts';
import { initBackend } from '../../engine/backend.ts';
import { getDataset, listDatasets } from '../../store/datasets.ts';
import { insertCheckpoint, insertModel, listModels, getModel, type NewModel } from '../../store/models.ts';
import type { Store } from '../../store/project.ts';
import { MarginError, badInput } from '../../shared/errors.ts';

export interface ModelImportRequest {
  name: string;
  /** Path of model.json. */
  path: string;
  /** Checkpoint label; default `ckpt-<n>`. */
  checkpoint?: string;
  /** Order of the checkpoint in training; default after the last one. */
  ordinal?: number;
  /** The data set the model is analysed on; default: the project's only data set. */
  dataset?: string;
  /** The split whose items are analysed; default 'test' when the data set has one. */
  split?: string;
  architecture?: string;
  latentLayer?: string;
}

export interface ModelImportResult {
  modelId: number;
  checkpointId: number;
  checkpoint: string;
  created: boolean;
  layers: number;
  totalParams: number;
  flopsPerItem: number;
}

function safeSegment(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'x';
}

/** Copies model.json and its weight shards into dir; returns the new model.json path. */
async function copyModelFiles(modelJsonPath: string, dir: string): Promise<string> {
  const json = JSON.parse(await fs.readFile(modelJsonPath, 'utf8')) as { weightsManifest?: Array<{ paths: string[] }> };
  await fs.mkdir(dir, { recursive: true });
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      if (path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) throw badInput(`weight path ${p} in ${modelJsonPath} leaves the model folder; keep shards beside model.json`);
      await fs.mkdir(path.dirname(path.join(dir, p)), { recursive: true });
      await fs.copyFile(path.resolve(path.dirname(modelJsonPath), p), path.join(dir, p));
    }
  }
  const target = path.join(dir, 'model.json');
  await fs.copyFile(modelJsonPath, target);
  return target;
}

export async function importModel(store: Store, r: ModelImportRequest): Promise<ModelImportResult> {
  if (/\.onnx$/i.test(r.path)) return importOnnxModel(store, r);
  await initBackend();
  const src = path.resolve(r.path);
  const model = await loadModel(src); // validates model.json and weights, with errors naming the file
  try {
    const desc = describeModel(model, { latentLayer: r.latentLayer });
    const { ds, split, classNames } = await resolveDataset(store, r.dataset, r.split);
    checkInputShape(model, ds);
    checkClassCount(src, desc.numClasses, ds.name, classNames.length);
    const { modelId, ordinal, created } = await targetModel(store, r, ds.id, 'tfjs', () => ({
      name: r.name,
      architecture: r.architecture ?? (model.name || 'custom'),
      sourcePath: src,
      inputShape: desc.inputShape,
      numClasses: desc.numClasses,
      latentLayer: desc.latentLayer,
      engine: 'tfjs',
      datasetId: ds.id,
      split,
    }));
    const label = r.checkpoint ?? `ckpt-${ordinal}`;
    const dir = path.join(store.dir, 'models', safeSegment(r.name), safeSegment(label));
    const copied = await copyModelFiles(src, dir);
    const checkpointId = await insertCheckpoint(store, modelId, {
      label,
      ordinal,
      path: path.relative(store.dir, copied),
      modelJson: await fs.readFile(copied, 'utf8'),
      layers: desc.layers,
    });
    return { modelId, checkpointId, checkpoint: label, created, layers: desc.layers.length, totalParams: desc.totalParams, flopsPerItem: desc.flopsPerItem };
  } finally {
    model.dispose();
  }
}

/** Absolute path of a checkpoint's model.json inside the project. */
export function checkpointModelPath(store: Store, storedPath: string | null): string {
  if (!storedPath) throw new MarginError('NOT_FOUND', 'this checkpoint has no model file recorded: re-import it with `margin import-model`');
  return path.isAbsolute(storedPath) ? storedPath : path.join(store.dir, storedPath);
}

/** The data set (and split) a model is analysed on: the named one, or the project's only one. */
async function resolveDataset(store: Store, name: string | undefined, splitWanted: string | undefined) {
  const datasets = await listDatasets(store);
  if (datasets.length === 0) throw new MarginError('CONFLICT', 'this project has no data set yet: import the data set the model was trained for first');
  if (!name && datasets.length > 1) throw badInput(`dataset: this project has several data sets (${datasets.map((d) => d.name).join(', ')}); say which one the model is for`);
  const ds = datasets.find((d) => d.name === (name ?? datasets[0].name));
  if (!ds) throw new MarginError('NOT_FOUND', `dataset: no data set "${name}" in this project; choose one of ${datasets.map((d) => d.name).join(', ')}`);
  const split = splitWanted ?? (ds.splits.test ? 'test' : Object.keys(ds.splits)[0]);
  if (!(split in ds.splits)) throw badInput(`split: data set "${ds.name}" has no split "${split}"; choose one of ${Object.keys(ds.splits).join(', ')}`);
  return { ds, split, classNames: (await getDataset(store, ds.id)).classNames };
}

/**
 * An ONNX model (torch.onnx.export, tf2onnx, or Margin's own translation): its node outputs become
 * the layers, run through ONNX Runtime. The input mapping (layout, scaling) is checked against the
 * data set's images here and recorded with the model.
 */
async function importOnnxModel(store: Store, r: ModelImportRequest): Promise<ModelImportResult> {
  const { describeOnnxModel } = await import('../../onnx/index.ts');
  const src = path.resolve(r.path);
  const { ds, split, classNames } = await resolveDataset(store, r.dataset, r.split);
  const desc = await describeOnnxModel(src, { height: ds.height, width: ds.width, channels: ds.channels, pixelScale: ds.pixelScale, latentLayer: r.latentLayer });
  checkClassCount(src, desc.numClasses, ds.name, classNames.length);
  const { modelId, ordinal, created } = await targetModel(store, r, ds.id, 'onnxruntime', () => ({
    name: r.name,
    architecture: r.architecture ?? `onnx (${desc.producer || 'unknown producer'}, opset ${desc.opset})`,
    sourcePath: src,
    inputShape: desc.mapping.itemShape,
    numClasses: desc.numClasses,
    latentLayer: desc.latentLayer,
    engine: 'onnxruntime',
    datasetId: ds.id,
    split,
  }));
  const label = r.checkpoint ?? `ckpt-${ordinal}`;
  const dir = path.join(store.dir, 'models', safeSegment(r.name), safeSegment(label));
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, 'model.onnx');
  await fs.copyFile(src, target);
  const checkpointId = await insertCheckpoint(store, modelId, {
    label,
    ordinal,
    path: path.relative(store.dir, target),
    // how the data set's NHWC images map onto the model's input, shown with the model
    modelJson: JSON.stringify({ format: 'onnx', mapping: desc.mapping, inputName: desc.inputName, opset: desc.opset, producer: desc.producer }),
    layers: desc.layers,
  });
  return { modelId, checkpointId, checkpoint: label, created, layers: desc.layers.length, totalParams: desc.totalParams, flopsPerItem: desc.flopsPerItem };
}

/**
 * The model a new checkpoint goes to: the existing model of that name (same engine and data set;
 * its next ordinal; the label must be new), or a model created from `create()`.
 */
async function targetModel(
  store: Store, r: ModelImportRequest, datasetId: number, engine: string, create: () => NewModel,
): Promise<{ modelId: number; ordinal: number; created: boolean }> {
  const existing = (await listModels(store)).find((m) => m.name === r.name);
  if (!existing) return { modelId: await insertModel(store, create()), ordinal: r.ordinal ?? 1, created: true };
  const d = await getModel(store, existing.id);
  if (d.engine !== engine) throw badInput(`model "${r.name}" runs on ${d.engine}, this file on ${engine}: import it under another name`);
  if (d.datasetId !== null && d.datasetId !== datasetId) throw badInput(`model "${r.name}" is analysed on another data set; import this file under another name`);
  if (r.checkpoint && d.checkpoints.some((c) => c.label === r.checkpoint)) {
    throw new MarginError('CONFLICT', `model "${r.name}" has a checkpoint "${r.checkpoint}" already: choose another label`);
  }
  return { modelId: existing.id, ordinal: r.ordinal ?? Math.max(0, ...d.checkpoints.map((c) => c.ordinal)) + 1, created: false };
}

function checkClassCount(file: string, modelClasses: number, dataset: string, datasetClasses: number): void {
  if (modelClasses !== datasetClasses) {
    throw badInput(`model ${file} predicts ${modelClasses} classes but data set "${dataset}" has ${datasetClasses}; choose a model trained on this data set`);
  }
}
