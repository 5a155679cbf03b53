/**
 * Importing a TensorFlow.js LayersModel (model.json + weight shards) into a project: as a new
 * model with its first checkpoint, or as a further checkpoint of an existing model. The files are
 * copied into the project so it is self-contained, into the checkpoint's own folder
 * `models/<modelId>/<checkpointId>/` (registerCheckpoint: the name is reserved in the store first,
 * the files are copied after, and a failed import leaves neither row nor file). A TF.js
 * checkpoint whose layers ONNX can express is translated to `model.onnx` beside them and, once every
 * layer matches TF.js to 1e-4 on the split's first 64 images, runs on ONNX Runtime (engine choice
 * `auto`); its TF.js files stay for saliency. ONNX files import as native ONNX models.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadModelChecked, checkInputShape, nonFiniteWarning } from '../../engine/model-io.ts';
import { describeModel } from '../../engine/inspect.ts';
import { initBackend } from '../../engine/backend.ts';
import { getDataset, getSplit, listDatasets, type DatasetSummary } from '../../store/datasets.ts';
import { registerCheckpoint, listModels, getModel, type ModelDetail } from '../../store/models.ts';
import type { Store } from '../../store/project.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { ENGINE_CHOICES, type EngineChoice } from './model-engine.ts';
import { mappingText } from '../../onnx/layout.ts';
import type { TrainingEpochRecord } from '../../shared/api.ts';

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
  /**
   * Engine for a TF.js model: 'auto' translates it to ONNX when every layer is supported and the
   * check passes, else keeps it on TF.js with the reason; 'tfjs' never translates; 'onnxruntime'
   * translates or fails. Default: the model's recorded choice for a further checkpoint, else 'auto'.
   */
  engine?: EngineChoice;
  /** Saved by training: the epoch's logs, stored with the checkpoint in its registration transaction. */
  training?: TrainingEpochRecord;
}

export interface ModelImportResult {
  modelId: number;
  checkpointId: number;
  checkpoint: string;
  created: boolean;
  layers: number;
  totalParams: number;
  flopsPerItem: number;
  /** What the checkpoint runs on: 'onnxruntime' (native or translated) or 'tfjs'. */
  engine: 'tfjs' | 'onnxruntime';
  /** Why (translation check, or why it stays on TF.js); null for native ONNX. */
  engineNote: string | null;
  /** Seconds spent translating and checking (null when no translation was tried). */
  translationSeconds: number | null;
  /** ONNX imports: how the data set's images map onto the model's input, in words. */
  inputMapping: string | null;
  /** What the import found suspicious but did not refuse, e.g. NaN or infinite weights. */
  warnings: string[];
}

/** Knobs for tests: the translation check's tolerance and batch (defaults 1e-4 and 64 images). */
export interface ModelImportOptions {
  translationTolerance?: number;
  checkItems?: number;
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

function checkEngineChoice(engine: unknown): void {
  if (engine !== undefined && !ENGINE_CHOICES.includes(engine as EngineChoice)) {
    throw badInput(`engine: must be one of ${ENGINE_CHOICES.join(', ')}, got ${JSON.stringify(engine)}`);
  }
}

export async function importModel(store: Store, r: ModelImportRequest, opts: ModelImportOptions = {}): Promise<ModelImportResult> {
  checkEngineChoice(r.engine);
  if (/\.onnx$/i.test(r.path)) {
    if (r.engine === 'tfjs') throw badInput(`engine: ${r.path} is an ONNX file, which runs on ONNX Runtime only; engine tfjs needs a TF.js model.json`);
    return importOnnxModel(store, r);
  }
  await initBackend();
  const src = path.resolve(r.path);
  const { model, warnings } = await loadModelChecked(src); // validates model.json and weights, with errors naming the file
  const architecture = r.architecture ?? (model.name || 'custom');
  let desc: ReturnType<typeof describeModel>;
  let resolved: Awaited<ReturnType<typeof resolveDataset>>;
  try {
    desc = describeModel(model, { latentLayer: r.latentLayer });
    resolved = await resolveDataset(store, r.dataset, r.split);
    checkInputShape(model, resolved.ds);
  } finally {
    model.dispose();
  }
  const { ds, split, classNames } = resolved;
  checkClassCount(src, desc.numClasses, ds.name, classNames.length);
  const plan = await planTarget(store, r, ds.id, 'tfjs');
  const choice = engineChoiceFor(r, plan.existing);
  const label = r.checkpoint ?? `ckpt-${plan.ordinal}`;

  // Translate before anything is written, so a refused 'onnxruntime' import leaves no trace.
  const tr = choice === 'tfjs'
    ? { onnxTmp: null, note: 'stays on TF.js: engine tfjs chosen at import', seconds: null }
    : await tryTranslation(store, src, ds, split, choice, opts);
  try {
    const target = plan.existing ? { modelId: plan.existing.id } : {
      model: {
        name: r.name,
        architecture,
        sourcePath: src,
        inputShape: desc.inputShape,
        numClasses: desc.numClasses,
        latentLayer: desc.latentLayer,
        engine: 'tfjs',
        engineChoice: choice,
        datasetId: ds.id,
        split,
      },
    };
    const { modelId, checkpointId } = await registerCheckpoint(store, target,
      { label, ordinal: plan.ordinal, layers: desc.layers, engineNote: tr.note, training: r.training },
      async (dir) => {
        const copied = await copyModelFiles(src, dir);
        if (tr.onnxTmp) await fs.copyFile(tr.onnxTmp, path.join(dir, 'model.onnx'));
        return { modelFile: path.basename(copied), onnxFile: tr.onnxTmp ? 'model.onnx' : null, modelJson: await fs.readFile(copied, 'utf8') };
      });
    return {
      modelId, checkpointId, checkpoint: label, created: !plan.existing, layers: desc.layers.length, totalParams: desc.totalParams,
      flopsPerItem: desc.flopsPerItem, engine: tr.onnxTmp ? 'onnxruntime' : 'tfjs', engineNote: tr.note, translationSeconds: tr.seconds, inputMapping: null,
      warnings,
    };
  } finally {
    if (tr.onnxTmp) await fs.rm(path.dirname(tr.onnxTmp), { recursive: true, force: true });
  }
}

/** The engine a TF.js checkpoint is imported with: the request's, else the model's recorded one, else 'auto'. */
function engineChoiceFor(r: ModelImportRequest, existing: ModelDetail | null): EngineChoice {
  const recorded = existing?.engineChoice as EngineChoice | null | undefined;
  if (recorded && r.engine && r.engine !== recorded) {
    // Every checkpoint of a model is imported the same way, so checkpoints compare like with like.
    throw badInput(`engine: model "${r.name}" was imported with engine ${recorded}; add checkpoints with the same engine (or leave it out), or import this one under another name`);
  }
  return r.engine ?? recorded ?? 'auto';
}

/** Drops the "stays on TF.js" advice the translator appends; the caller says what happens instead. */
function reasonOnly(message: string): string {
  return message.replace(/(\. The model stays on TensorFlow\.js|; keep the model on TensorFlow\.js)$/, '');
}

/**
 * Translates a TF.js checkpoint into a temporary model.onnx, checked on every layer against TF.js
 * with the first images of the model's split. 'auto' turns a refusal into a note (the checkpoint
 * stays on TF.js); 'onnxruntime' turns it into an error naming the layer.
 */
async function tryTranslation(
  store: Store, src: string, ds: DatasetSummary, split: string, choice: 'auto' | 'onnxruntime', opts: ModelImportOptions,
): Promise<{ onnxTmp: string | null; note: string; seconds: number }> {
  const { translateModelFile } = await import('../../onnx/index.ts');
  const checkItems = opts.checkItems ?? 64;
  const tolerance = opts.translationTolerance ?? 1e-4;
  const per = ds.height * ds.width * ds.channels;
  const all = (await getSplit(store, ds.id, split)).pixels;
  const pixels = all.subarray(0, Math.min(all.length, checkItems * per));
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'margin-translate-'));
  const t0 = performance.now();
  try {
    const res = await translateModelFile({ modelJsonPath: src, outPath: path.join(tmpDir, 'model.onnx'), pixels, pixelScale: ds.pixelScale, checkItems, tolerance });
    const n = Math.min(checkItems, pixels.length / per);
    return {
      onnxTmp: res.outPath,
      note: `translated to ONNX at import: ${res.layerNames.length} layers checked against TF.js on ${n} images of ${split}, max |ONNX − TF.js| ${res.check.maxAbsDiff.toExponential(1)} (tolerance ${tolerance})`,
      seconds: (performance.now() - t0) / 1000,
    };
  } catch (err) {
    await fs.rm(tmpDir, { recursive: true, force: true });
    const refused = err instanceof MarginError && (err.code === 'UNSUPPORTED' || err.code === 'INTERNAL');
    if (!refused) throw err;
    if (choice === 'onnxruntime') {
      throw new MarginError('UNSUPPORTED', `engine onnxruntime: ${src} cannot run on ONNX Runtime: ${reasonOnly(err.message)}; import it with engine auto or tfjs to run it on TensorFlow.js`, err.details);
    }
    return { onnxTmp: null, note: `stays on TF.js: ${reasonOnly(err.message)}`, seconds: (performance.now() - t0) / 1000 };
  }
}

/** Absolute path of a checkpoint's model.json inside the project. */
export function checkpointModelPath(store: Pick<Store, 'dir'>, storedPath: string | null): string {
  if (!storedPath) throw new MarginError('NOT_FOUND', 'this checkpoint has no model file recorded: re-import it with `margin import-model`',
    { ui: 'this checkpoint has no model file recorded: import the model file again as this checkpoint' });
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
  const { describeOnnxModel, readOnnxModel, nonFiniteInitializers } = await import('../../onnx/index.ts');
  const src = path.resolve(r.path);
  const { ds, split, classNames } = await resolveDataset(store, r.dataset, r.split);
  const warnings = nonFiniteWarning(src, nonFiniteInitializers(await readOnnxModel(src)));
  const desc = await describeOnnxModel(src, { height: ds.height, width: ds.width, channels: ds.channels, pixelScale: ds.pixelScale, latentLayer: r.latentLayer });
  checkClassCount(src, desc.numClasses, ds.name, classNames.length);
  const plan = await planTarget(store, r, ds.id, 'onnxruntime');
  const label = r.checkpoint ?? `ckpt-${plan.ordinal}`;
  const target = plan.existing ? { modelId: plan.existing.id } : {
    model: {
      name: r.name,
      architecture: r.architecture ?? `onnx (${desc.producer || 'unknown producer'}, opset ${desc.opset})`,
      sourcePath: src,
      inputShape: desc.mapping.itemShape,
      numClasses: desc.numClasses,
      latentLayer: desc.latentLayer,
      engine: 'onnxruntime',
      datasetId: ds.id,
      split,
    },
  };
  const { modelId, checkpointId } = await registerCheckpoint(store, target, { label, ordinal: plan.ordinal, layers: desc.layers, training: r.training },
    async (dir) => {
      await fs.copyFile(src, path.join(dir, 'model.onnx'));
      // how the data set's NHWC images map onto the model's input, shown with the model
      return { modelFile: 'model.onnx', modelJson: JSON.stringify({ format: 'onnx', mapping: desc.mapping, inputName: desc.inputName, opset: desc.opset, producer: desc.producer }) };
    });
  return {
    modelId, checkpointId, checkpoint: label, created: !plan.existing, layers: desc.layers.length, totalParams: desc.totalParams,
    flopsPerItem: desc.flopsPerItem, engine: 'onnxruntime', engineNote: null, translationSeconds: null,
    inputMapping: mappingText(desc.mapping, desc.inputName),
    warnings,
  };
}

/**
 * The model a new checkpoint goes to: the existing model of that name (same engine and data set;
 * its next ordinal; the label must be new), or none yet (the caller creates it once the files are in place).
 */
async function planTarget(
  store: Store, r: ModelImportRequest, datasetId: number, engine: string,
): Promise<{ existing: ModelDetail | null; ordinal: number }> {
  const found = (await listModels(store)).find((m) => m.name === r.name);
  if (!found) return { existing: null, ordinal: r.ordinal ?? 1 };
  const d = await getModel(store, found.id);
  if (d.engine !== engine) throw badInput(`model "${r.name}" runs on ${d.engine}, this file on ${engine}: import it under another name`);
  if (d.datasetId !== null && d.datasetId !== datasetId) throw badInput(`model "${r.name}" is analysed on another data set; import this file under another name`);
  if (r.checkpoint && d.checkpoints.some((c) => c.label === r.checkpoint)) {
    throw new MarginError('CONFLICT', `model "${r.name}" has a checkpoint "${r.checkpoint}" already: choose another label`);
  }
  return { existing: d, ordinal: r.ordinal ?? Math.max(0, ...d.checkpoints.map((c) => c.ordinal)) + 1 };
}

function checkClassCount(file: string, modelClasses: number, dataset: string, datasetClasses: number): void {
  if (modelClasses !== datasetClasses) {
    throw badInput(`model ${file} predicts ${modelClasses} classes but data set "${dataset}" has ${datasetClasses}; choose a model trained on this data set`);
  }
}
