/**
 * Training a built-in architecture on a project's data set (`margin train`): the engine's
 * trainModel on one split, validation on another, and after every epoch the checkpoint saved in
 * TF.js layers format and registered as a checkpoint `epoch-<n>` of the model (files in the
 * checkpoint's own folder `models/<modelId>/<checkpointId>/`). Registration goes through
 * importModel, which validates and copies the files; the engine first writes each epoch to a
 * staging folder of this run alone (`.training/<name>-XXXXXX/`, removed at the end) so source and
 * copy are never the same file and two trainings never share a staging folder.
 *
 * Cancelling (signal) stops after the current batch: epochs already finished stay registered,
 * and the error (CANCELLED) says which.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ARCHITECTURES, LATENT_LAYER, type Architecture } from '../../engine/architectures.ts';
import { initBackend } from '../../engine/backend.ts';
import { trainModel, type EpochLogs } from '../../engine/train.ts';
import { getDataset, getSplit, listDatasets, listModels } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { MarginError, badInput } from '../../shared/errors.ts';
import { importModel } from './model-import.ts';
import { architectureMismatch } from '../../shared/architecture-fit.ts';
import type { TrainingRunSettings } from '../../shared/api.ts';

export interface TrainRequest {
  arch: Architecture;
  /** Data-set name in the project. */
  data: string;
  /** Split to train on (default 'train'). */
  split?: string;
  /** Split to validate on after each epoch and to analyse the model on (default 'test' when it exists; null = none). */
  evalSplit?: string | null;
  epochs: number;
  batchSize?: number; // default 64
  seed?: number; // default 1
  learningRate?: number; // default 1e-3 (Adam)
  /** Model name (default: the architecture's name). */
  name?: string;
  /** Who trains, recorded with the history: 'margin train' (default) or 'workbench'. */
  source?: string;
}

export interface TrainEpoch extends EpochLogs {
  /** Label of the registered checkpoint. */
  label: string;
  checkpointId: number;
}

export interface TrainOutcome {
  model: string;
  modelId: number;
  arch: Architecture;
  trainItems: number;
  evalItems: number;
  epochs: TrainEpoch[];
  backend: string;
  seconds: number;
}

export interface TrainDeps {
  onEpoch?: (e: TrainEpoch) => void;
  onBatch?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Clock in ms (default performance.now), for throughput and seconds. */
  now?: () => number;
}

const SAFE = /[^A-Za-z0-9._-]+/g;

/**
 * Everything about a training request that can be refused before training starts (arguments,
 * data set, splits, the architecture against the images, the model name), so the workbench's
 * model.train refuses it as the request's own error instead of a failed job.
 */
export async function checkTrainRequest(store: Store, r: TrainRequest) {
  if (!ARCHITECTURES.includes(r.arch)) throw badInput(`arch: unknown architecture ${JSON.stringify(r.arch)}; choose one of ${ARCHITECTURES.join(', ')}`);
  if (!Number.isInteger(r.epochs) || r.epochs < 1 || r.epochs > 1000) throw badInput(`epochs: must be an integer in 1…1000, got ${r.epochs}`);
  const batchSize = r.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 65536) throw badInput(`batch: must be an integer in 1…65536, got ${batchSize}`);
  const seed = r.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0) throw badInput(`seed: must be a non-negative integer, got ${seed}`);
  const name = (r.name ?? r.arch).trim();
  if (name === '') throw badInput('name: the model name must not be empty');

  const datasets = await listDatasets(store);
  if (!datasets.some((d) => d.name === r.data)) {
    throw new MarginError('NOT_FOUND', `data: no data set "${r.data}" in this project${datasets.length ? `; choose one of ${datasets.map((d) => d.name).join(', ')}` : '; import one first (Import data in the Projects view, or margin import-data)'}`);
  }
  const ds = await getDataset(store, r.data);
  // Before anything is built: an architecture that cannot take these images says what would.
  const mismatch = architectureMismatch(r.arch, ds, ds.name);
  if (mismatch) throw badInput(`arch: ${mismatch}`, { arch: r.arch, dataset: ds.name, shape: [ds.height, ds.width, ds.channels] });
  const splitNames = Object.keys(ds.splits);
  // default: 'train', or the data set's only split (e.g. UCI digits imported without a test fraction)
  const split = r.split ?? (ds.splits.train === undefined && splitNames.length === 1 ? splitNames[0] : 'train');
  if (!(split in ds.splits)) throw badInput(`split: data set "${ds.name}" has no split "${split}"; choose one of ${splitNames.join(', ')}`);
  const evalSplit = r.evalSplit === undefined ? (ds.splits.test !== undefined && split !== 'test' ? 'test' : null) : r.evalSplit;
  if (evalSplit !== null && !(evalSplit in ds.splits)) throw badInput(`eval-split: data set "${ds.name}" has no split "${evalSplit}"; choose one of ${splitNames.join(', ')}`);
  if ((await listModels(store)).some((m) => m.name === name)) {
    throw new MarginError('CONFLICT', `a model named "${name}" exists already in this project: choose another model name`);
  }
  return { ds, split, evalSplit, batchSize, seed, name };
}

export async function trainIntoProject(store: Store, r: TrainRequest, deps: TrainDeps = {}): Promise<TrainOutcome> {
  const now = deps.now ?? (() => performance.now());
  const t0 = now();
  const { ds, split, evalSplit, batchSize, seed, name } = await checkTrainRequest(store, r);

  const backend = await initBackend();
  const train = await getSplit(store, ds.id, split);
  const val = evalSplit ? await getSplit(store, ds.id, evalSplit) : null;
  await fs.mkdir(path.join(store.dir, '.training'), { recursive: true });
  const staging = await fs.mkdtemp(path.join(store.dir, '.training', `${name.replace(SAFE, '_').slice(0, 60)}-`));
  const epochs: TrainEpoch[] = [];
  let modelId = -1;
  const run: TrainingRunSettings = {
    source: r.source ?? 'margin train', arch: r.arch, dataset: ds.name, split, evalSplit, epochs: r.epochs, batchSize, seed,
    learningRate: r.learningRate ?? 1e-3, trainItems: train.labels.length, evalItems: val?.labels.length ?? 0,
  };
  try {
    const { model } = await trainModel({
      arch: r.arch,
      pixels: train.pixels,
      labels: train.labels,
      height: ds.height,
      width: ds.width,
      channels: ds.channels,
      pixelScale: ds.pixelScale,
      numClasses: ds.classNames.length,
      epochs: r.epochs,
      batchSize,
      seed,
      learningRate: r.learningRate,
      validation: val ? { pixels: val.pixels, labels: val.labels } : undefined,
      checkpointDir: staging,
      signal: deps.signal,
      now,
      onBatch: deps.onBatch,
      onEpoch: async (epoch, logs) => {
        const label = `epoch-${epoch}`;
        const res = await importModel(store, {
          name,
          path: logs.checkpoint!,
          checkpoint: label,
          ordinal: epoch,
          dataset: ds.name,
          split: evalSplit ?? split,
          architecture: r.arch,
          latentLayer: LATENT_LAYER[r.arch],
          training: {
            epoch, loss: logs.loss, accuracy: logs.accuracy, valLoss: logs.valAccuracy !== undefined ? logs.valLoss ?? null : null,
            valAccuracy: logs.valAccuracy ?? null, seconds: logs.seconds, imagesPerSecond: logs.imagesPerSecond, run,
          },
        });
        modelId = res.modelId;
        await fs.rm(path.dirname(logs.checkpoint!), { recursive: true, force: true });
        const e: TrainEpoch = { ...logs, label, checkpointId: res.checkpointId };
        delete e.checkpoint; // the staging path is gone; the registered copy is what counts
        epochs.push(e);
        deps.onEpoch?.(e);
      },
    });
    model.dispose();
  } catch (err) {
    if (err instanceof MarginError && err.code === 'CANCELLED') {
      const kept = epochs.length === 0 ? 'no epoch had finished, so nothing was registered'
        : `${epochs.map((e) => e.label).join(', ')} ${epochs.length === 1 ? 'stays registered as a checkpoint' : 'stay registered as checkpoints'} of "${name}"`;
      throw new MarginError('CANCELLED', `training of "${name}" cancelled in epoch ${epochs.length + 1}; ${kept}`, { registered: epochs.map((e) => e.label) });
    }
    throw err;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
    await fs.rmdir(path.dirname(staging)).catch(() => {}); // only when no other training is staging
  }
  return {
    model: name,
    modelId,
    arch: r.arch,
    trainItems: train.labels.length,
    evalItems: val?.labels.length ?? 0,
    epochs,
    backend: backend.name,
    seconds: (now() - t0) / 1000,
  };
}
