/**
 * Saving and loading Keras-style TF.js "layers" models on the local file system:
 * `model.json` (topology + weightsManifest) plus binary weight shards (`weights.bin`), the same
 * layout `tensorflowjs_converter` writes for a Keras model. Plain @tensorflow/tfjs has no file://
 * handler in Node, so both directions use custom IO handlers.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { badInput, MarginError } from '../shared/errors.ts';
import { checkInputFile, readInputFile } from '../system/input-file.ts';

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Writes model.json and weights.bin into `dir` (created if needed). Returns the model.json path. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const modelJsonPath = path.join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const json = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      };
      // Write to temporary names and rename, so a crash never leaves a half-written checkpoint.
      await fs.writeFile(path.join(dir, 'weights.bin.tmp'), new Uint8Array(weightData));
      await fs.writeFile(modelJsonPath + '.tmp', JSON.stringify(json));
      await fs.rename(path.join(dir, 'weights.bin.tmp'), path.join(dir, 'weights.bin'));
      await fs.rename(modelJsonPath + '.tmp', modelJsonPath);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(0), // not used; keeps the handler free of clocks
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    }),
  );
  return modelJsonPath;
}

/** model.json holds the topology and the manifest; a bigger one is not a model.json. */
const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;
/** Weights of one checkpoint, all shards together. */
export const MAX_WEIGHT_BYTES = 2 ** 31 - 1;

/** Bytes a weight takes in its shard, honouring quantisation; BAD_INPUT for a malformed entry. */
function specBytes(spec: tf.io.WeightsManifestEntry, modelJsonPath: string): number {
  const where = `model file ${modelJsonPath}: weightsManifest entry ${typeof spec?.name === 'string' ? printableName(spec.name) : '(unnamed)'}`;
  if (!spec || typeof spec !== 'object' || typeof spec.name !== 'string') throw badInput(`model file ${modelJsonPath}: a weightsManifest entry has no name; re-export the model`);
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw badInput(`${where} has a shape that is not a list of non-negative integers; re-export the model`);
  }
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = typeof dtype === 'string' ? BYTES[dtype] : undefined;
  if (per === undefined) throw badInput(`${where} has an unsupported dtype; TF.js weights are float32, int32, bool, or quantised uint8/uint16/float16`);
  return n * per;
}

/** A shard path from the manifest: relative, inside the model's folder. */
function shardPath(dir: string, p: unknown, modelJsonPath: string): string {
  if (typeof p !== 'string' || p === '' || p.length > 1000) throw badInput(`model file ${modelJsonPath}: a weightsManifest path is not a file name; re-export the model`);
  if (path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) throw badInput(`model file ${modelJsonPath}: weight path ${p} leaves the model folder; keep shards beside model.json`);
  return path.resolve(dir, p);
}

/**
 * Reads and validates model.json and its weight shards; returns the artifacts to build a model
 * from. Every file is opened through the safe input path (regular files only), and the shards'
 * sizes are checked against the manifest BEFORE any of them is read.
 */
export async function readModelArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  const text = (await readInputFile(modelJsonPath, 'TF.js model.json', { maxBytes: MAX_MODEL_JSON_BYTES })).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, so it is not passed on.
    throw badInput(`model file ${modelJsonPath} is not JSON; give the model.json written by tensorflowjs_converter or Margin`);
  }
  const mj = json as Partial<tf.io.ModelJSON> | null;
  if (!mj || typeof mj !== 'object' || !mj.modelTopology || typeof mj.modelTopology !== 'object') {
    throw badInput(`model file ${modelJsonPath} has no modelTopology; it is not a TF.js layers model.json (convert a Keras model with tensorflowjs_converter --output_format tfjs_layers_model)`);
  }
  const manifest = mj.weightsManifest;
  if (!Array.isArray(manifest) || !manifest.every((g) => g && Array.isArray(g.paths) && Array.isArray(g.weights))) {
    throw badInput(`model file ${modelJsonPath} has no valid weightsManifest (a list of {paths, weights}); re-export the model in TF.js layers format`);
  }
  const dir = path.dirname(modelJsonPath);
  // First the sizes: the manifest's bytes per group against the shards' sizes on disk.
  const plan: Array<{ files: string[]; sizes: number[]; expected: number }> = [];
  let total = 0;
  for (const group of manifest) {
    let expected = 0;
    for (const w of group.weights) expected += specBytes(w, modelJsonPath);
    const files = group.paths.map((p) => shardPath(dir, p, modelJsonPath));
    if (files.length === 0 && expected > 0) throw badInput(`model file ${modelJsonPath} lists ${expected} bytes of weights but no weight file; re-export the model`);
    const sizes: number[] = [];
    for (const file of files) {
      try {
        sizes.push(await checkInputFile(file, `weight file listed in ${modelJsonPath}`, { maxBytes: MAX_WEIGHT_BYTES }));
      } catch (err) {
        if (err instanceof MarginError && / not found\./.test(err.message)) {
          throw badInput(`weight file ${file} listed in ${modelJsonPath} is missing; copy it next to model.json`);
        }
        throw err;
      }
    }
    const got = sizes.reduce((a, b) => a + b, 0);
    if (got < expected) {
      throw badInput(`weight file ${files[files.length - 1] ?? dir} is truncated: ${modelJsonPath} lists ${expected} bytes of weights but the shards hold ${got}; re-export or re-copy the model`);
    }
    if (got > expected) {
      throw badInput(`weight files of ${modelJsonPath} hold ${got} bytes but its weightsManifest lists ${expected}: the manifest does not describe these shards; re-export or re-copy the model`);
    }
    total += expected;
    if (total > MAX_WEIGHT_BYTES) throw badInput(`model file ${modelJsonPath} lists ${total} bytes of weights, more than a model Margin loads (${MAX_WEIGHT_BYTES}); the manifest is corrupt`);
    plan.push({ files, sizes, expected });
  }
  // Then the bytes, straight into one buffer of the size checked above.
  const weightData = new Uint8Array(total);
  const specs: tf.io.WeightsManifestEntry[] = [];
  let off = 0;
  for (let g = 0; g < plan.length; g++) {
    for (let i = 0; i < plan[g].files.length; i++) {
      const bytes = await readInputFile(plan[g].files[i], `weight file listed in ${modelJsonPath}`, { maxBytes: plan[g].sizes[i] });
      if (bytes.length !== plan[g].sizes[i]) throw badInput(`weight file ${plan[g].files[i]} changed while it was read; try again`);
      weightData.set(bytes, off);
      off += bytes.length;
    }
    specs.push(...manifest[g].weights);
  }
  return {
    modelTopology: mj.modelTopology,
    weightSpecs: specs,
    weightData: weightData.buffer,
    format: mj.format,
    generatedBy: mj.generatedBy,
    convertedBy: mj.convertedBy ?? undefined,
    trainingConfig: mj.trainingConfig,
  };
}

/**
 * Weights that hold NaN or ±Infinity, with how many such values each has. Quantised weights
 * are integers and cannot be non-finite; float16 is decoded by its exponent bits.
 */
export function nonFiniteWeights(artifacts: tf.io.ModelArtifacts): Array<{ name: string; count: number; total: number }> {
  const out: Array<{ name: string; count: number; total: number }> = [];
  const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  let off = 0;
  for (const spec of artifacts.weightSpecs ?? []) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const bytes = n * (BYTES[dtype] ?? 0);
    let count = 0;
    if (dtype === 'float32' && !spec.quantization) {
      const v = new Float32Array(data.slice(off, off + bytes));
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) count++;
    } else if (dtype === 'float16') {
      const v = new Uint16Array(data.slice(off, off + bytes));
      for (let i = 0; i < v.length; i++) if ((v[i] & 0x7c00) === 0x7c00) count++;
    }
    if (count > 0) out.push({ name: spec.name, count, total: n });
    off += bytes;
  }
  return out;
}

/** A tensor name for a message: itself when short and printable, else a placeholder. */
function printableName(name: string): string {
  return name.length <= 120 && /^[\x20-\x7e]*$/.test(name) ? name : '(a tensor with a long or unprintable name)';
}

/** The warning an import carries for non-finite weights (empty when every weight is finite). */
export function nonFiniteWarning(file: string, bad: Array<{ name: string; count: number; total: number }>): string[] {
  if (bad.length === 0) return [];
  const count = bad.reduce((a, b) => a + b.count, 0);
  const names = bad.slice(0, 3).map((b) => `${printableName(b.name)} (${b.count.toLocaleString('en-US')} of ${b.total.toLocaleString('en-US')})`).join(', ');
  return [
    `${file}: ${count.toLocaleString('en-US')} weight value(s) are NaN or infinite, in ${bad.length} tensor(s): ${names}${bad.length > 3 ? ', …' : ''}. ` +
      'The model\'s outputs will be non-finite and its accuracy at chance; check the training run that produced it.',
  ];
}

/** Loads a TF.js layers model from the path of its model.json. */
export async function loadModel(modelJsonPath: string): Promise<tf.LayersModel> {
  return (await loadModelChecked(modelJsonPath)).model;
}

/** Loads a TF.js layers model, with warnings about its weights (non-finite values) for an import to pass on. */
export async function loadModelChecked(modelJsonPath: string): Promise<{ model: tf.LayersModel; warnings: string[] }> {
  const artifacts = await readModelArtifacts(modelJsonPath);
  const warnings = nonFiniteWarning(modelJsonPath, nonFiniteWeights(artifacts));
  return { model: await buildModel(modelJsonPath, artifacts), warnings };
}

async function buildModel(modelJsonPath: string, artifacts: tf.io.ModelArtifacts): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel({ load: async () => artifacts });
  } catch (err) {
    throw badInput(`model file ${modelJsonPath} could not be built into a model: ${(err as Error).message}`);
  }
}

/** Throws BAD_INPUT unless the model's input is [batch, height, width, channels] of the data set. */
export function checkInputShape(model: tf.LayersModel, data: { height: number; width: number; channels: number }): void {
  const shape = model.inputs[0]?.shape ?? [];
  const want = [data.height, data.width, data.channels];
  const fits = model.inputs.length === 1 && shape.length === 4 && shape.slice(1).every((d, i) => d === null || d === want[i]);
  if (!fits) {
    throw badInput(
      `model ${model.name} expects input of shape [${shape.map((d) => d ?? 'batch').join(', ')}] but the data set has images of ` +
        `${data.height}×${data.width}×${data.channels} (height×width×channels). What would fit: a model whose input is ${data.height}×${data.width}×${data.channels}, ` +
        `or one trained here on this data set (Model view → Train a model, or margin train --arch ${data.height >= 16 && data.width >= 16 ? 'lenet5-bn|mlp' : 'mlp'}), ` +
        'or the images resized to the model\'s input and imported again',
    );
  }
}
