/**
 * How many items a cluster shard holds. Pure: from the model's cost (FLOPs and stored bytes per
 * item), the number of items and workers, and the local extraction's batch and transaction sizes.
 *
 * A shard is a multiple of the transaction size (`commitItems`, itself a multiple of the compute
 * batch), so a shard's batches and index chunks fall exactly where a local extraction puts
 * them: the committed files and index are then byte for byte a local run's. Within that: ~4
 * shards per worker (a lost worker costs little, stragglers even out), but each ≥ ~10 s of
 * compute (a Node process start and model load per shard cost ~1–3 s) unless that would leave a
 * worker idle, ≤ ~5 min (a lost shard is cheap to redo), and ≤ `maxShardBytes` of layer output
 * (the workstation reads a shard's files whole to commit them).
 */
import { badInput } from '../shared/errors.ts';

export interface ShardCost {
  items: number;
  workers: number;
  /** Multiply-adds ×2 per item over the whole network (LayerInfo.flops summed). */
  flopsPerItem: number;
  /** Bytes stored per item: the chosen layers at their dtype plus the latent layer (float32). */
  bytesPerItem: number;
  commitItems: number;
  batchSize: number;
  /** Assumed compute rate of one worker, FLOP/s (default 2e9: one core running ONNX Runtime). */
  workerFlops?: number;
  /** Seconds of compute one shard should take at least (default 10) and at most (default 300). */
  minShardSeconds?: number;
  maxShardSeconds?: number;
  maxShardBytes?: number;
}

export function chooseShardSize(c: ShardCost): number {
  if (!(Number.isInteger(c.items) && c.items > 0)) throw badInput(`chooseShardSize: items must be a positive integer, got ${c.items}`);
  if (!(Number.isInteger(c.workers) && c.workers > 0)) throw badInput(`chooseShardSize: workers must be a positive integer, got ${c.workers}`);
  if (!(Number.isInteger(c.commitItems) && c.commitItems > 0 && c.commitItems % c.batchSize === 0)) {
    throw badInput(`chooseShardSize: commitItems (${c.commitItems}) must be a positive multiple of batchSize (${c.batchSize})`);
  }
  const unit = c.commitItems;
  const perItemSeconds = Math.max(c.flopsPerItem, 1) / (c.workerFlops ?? 2e9);
  const byBalance = Math.ceil(c.items / (4 * c.workers));
  // Not shorter than ~10 s of compute (unless that leaves a worker idle) …
  const lo = Math.min(Math.ceil((c.minShardSeconds ?? 10) / perItemSeconds), Math.ceil(c.items / c.workers));
  // … nor longer than ~5 min (a lost shard is cheap to redo), nor bigger than the bytes cap.
  const hi = Math.min(Math.floor((c.maxShardSeconds ?? 300) / perItemSeconds), Math.floor((c.maxShardBytes ?? 512 * 1024 ** 2) / Math.max(c.bytesPerItem, 1)));
  const size = Math.min(Math.max(byBalance, lo), hi);
  return Math.max(unit, Math.floor(size / unit) * unit);
}

/** Shards of `size` items over a work list of `items` (the last one shorter). */
export function planShards(items: number, size: number): Array<{ id: number; start: number; count: number }> {
  if (!(Number.isInteger(size) && size > 0)) throw badInput(`shard size must be a positive integer, got ${size}`);
  const out: Array<{ id: number; start: number; count: number }> = [];
  for (let s = 0, id = 0; s < items; s += size, id++) out.push({ id, start: s, count: Math.min(size, items - s) });
  return out;
}
