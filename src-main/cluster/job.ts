/**
 * A cluster job on shared storage: `<shared>/<key>/job.json` says what every shard task needs
 * (no DuckDB: workers read only plain files — the model file and the split's pixel-cache file),
 * `shard-000003/` is a finished shard (layer files + predictions.bin + manifest.json), written
 * under a temporary name and renamed, so a folder with a manifest is always whole.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MarginError } from '../shared/errors.ts';
import type { RunnerPlan } from '../app/services/extraction.ts';
import type { ActivationDtype } from '../store/activation-files.ts';

export const JOB_FORMAT = 'margin-cluster-job';

export interface ExtractJobSpec {
  format: typeof JOB_FORMAT;
  version: 1;
  kind: 'extract';
  key: string;
  checkpointId: number;
  plan: RunnerPlan;
  latentLayer: string;
  numClasses: number;
  layers: string[];
  dtype: ActivationDtype;
  /** The split's pixels: the project's pixel-cache file (16-byte header, then NHWC items). */
  pixels: { file: string; headerBytes: number; type: 'uint8' | 'float32'; height: number; width: number; channels: number; pixelScale: number; items: number };
  /** The job's work list in split order: item ids, split indices, true labels. */
  itemIds: number[];
  splitIndex: number[];
  labels: number[];
  shardSize: number;
  shards: Array<{ id: number; start: number; count: number }>;
}

export interface ShardManifest {
  key: string;
  shard: number;
  count: number;
  firstItem: number;
  lastItem: number;
  /** One file per stored layer (the latent layer always float32), rows in work-list order. */
  layers: Array<{ name: string; units: number; dtype: ActivationDtype; file: string; bytes: number }>;
  /** predicted (int32 × count), probs and logits (float32 × count × numClasses), in that order. */
  predictions: { file: string; numClasses: number; bytes: number };
  engine: string;
  seconds: number;
  host: string;
  pid: number;
}

export function jobKey(parts: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export function shardDirName(id: number): string {
  return `shard-${String(id).padStart(6, '0')}`;
}

export function readJob(file: string): ExtractJobSpec {
  let spec: ExtractJobSpec;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8')) as ExtractJobSpec;
  } catch (err) {
    throw new MarginError('BAD_INPUT', `--job: cannot read ${file} (${(err as Error).message}): is the shared folder mounted on this worker?`);
  }
  if (spec?.format !== JOB_FORMAT || spec.version !== 1) throw new MarginError('BAD_INPUT', `--job: ${file} is not a Margin cluster job of version 1`);
  return spec;
}

/** The manifest of a finished shard folder, or null when the folder is not (yet) there. */
export function readManifest(dir: string): ShardManifest | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ShardManifest;
  } catch {
    return null;
  }
}

export function writeFileSynced(file: string, bytes: Uint8Array | string): void {
  const fd = fs.openSync(file, 'w');
  try {
    if (typeof bytes === 'string') fs.writeSync(fd, bytes);
    else for (let o = 0; o < bytes.byteLength; o += 1 << 20) fs.writeSync(fd, bytes, o, Math.min(1 << 20, bytes.byteLength - o));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
