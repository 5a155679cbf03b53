/**
 * Saving and loading Keras-style TF.js "layers" models on the local file system:
 * `model.json` (topology + weightsManifest) plus binary weight shards (`weights.bin`), the same
 * layout `tensorflowjs_converter` writes for a Keras model. Plain @tensorflow/tfjs has no file://
 * handler in Node, so both directions use custom IO handlers.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { badInput } from '../shared/errors.ts';

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

/** Bytes a weight takes in its shard, honouring quantisation. */
function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = BYTES[dtype];
  if (per === undefined) throw new Error(`unsupported weight dtype ${dtype}`);
  return n * per;
}

/** Reads and validates model.json and its weight shards; returns the artifacts to build a model from. */
export async function readModelArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  let text: string;
  try {
    text = await fs.readFile(modelJsonPath, 'utf8');
  } catch (err) {
    throw badInput(`model file ${modelJsonPath} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give the path of a TF.js model.json`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw badInput(`model file ${modelJsonPath} is not JSON (${(err as Error).message}); give the model.json written by tensorflowjs_converter or Margin`);
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
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of manifest) {
    let expected = 0;
    for (const w of group.weights) expected += specBytes(w);
    const shards: Uint8Array[] = [];
    for (const p of group.paths) {
      const file = path.resolve(dir, p);
      try {
        shards.push(new Uint8Array(await fs.readFile(file)));
      } catch {
        throw badInput(`weight file ${file} listed in ${modelJsonPath} is missing; copy it next to model.json`);
      }
    }
    const got = shards.reduce((a, s) => a + s.byteLength, 0);
    if (got < expected) {
      throw badInput(`weight file ${path.resolve(dir, group.paths[group.paths.length - 1] ?? '')} is truncated: ${modelJsonPath} lists ${expected} bytes of weights but the shards hold ${got}; re-export or re-copy the model`);
    }
    specs.push(...group.weights);
    buffers.push(...shards.map((s, i) => (i === shards.length - 1 ? s.subarray(0, s.byteLength - (got - expected)) : s)));
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const b of buffers) { weightData.set(b, off); off += b.byteLength; }
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

/** Loads a TF.js layers model from the path of its model.json. */
export async function loadModel(modelJsonPath: string): Promise<tf.LayersModel> {
  const artifacts = await readModelArtifacts(modelJsonPath);
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
        `${data.height}×${data.width}×${data.channels} (height×width×channels); choose a model trained on this data set`,
    );
  }
}
