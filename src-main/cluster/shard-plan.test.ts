import { describe, expect, it } from 'vitest';
import { chooseShardSize, planShards } from './shard-plan.ts';

const lenet = { flopsPerItem: 0.6e6, bytesPerItem: 27_000, commitItems: 2048, batchSize: 512 };

describe('chooseShardSize', () => {
  it('gives a small model ~4 shards per worker but ≥ 10 s each, in whole transactions', () => {
    // 10,000 items on 2 workers: 1,250 by balance, but 10 s of LeNet is more than a worker's share
    // (5,000), so one share per worker, rounded down to whole transactions of 2,048.
    expect(chooseShardSize({ ...lenet, items: 10_000, workers: 2 })).toBe(4096);
    expect(planShards(10_000, 2048).map((s) => s.count)).toEqual([2048, 2048, 2048, 2048, 1808]);
    const s = chooseShardSize({ ...lenet, items: 1_200_000, workers: 32 });
    expect(s % 2048).toBe(0);
    expect(Math.ceil(1_200_000 / s)).toBeGreaterThanOrEqual(64);
  });

  it('keeps a costly model\'s shards short in items but ≥ ~10 s, and caps the bytes', () => {
    // 4 GFLOP per item (a ResNet-50) at 2 GFLOP/s: 5 items/s → 10 s is 5 items → one transaction.
    expect(chooseShardSize({ ...lenet, flopsPerItem: 4e9, items: 1_200_000, workers: 32 })).toBe(2048);
    // 1 MB stored per item: at most 512 items per shard by bytes → rounded up to one transaction.
    expect(chooseShardSize({ ...lenet, bytesPerItem: 1024 ** 2, items: 100_000, workers: 2 })).toBe(2048);
    // A cheap model: the time floor does not push past a worker's share (10,000 → 8,192).
    expect(chooseShardSize({ ...lenet, flopsPerItem: 1e3, items: 20_000, workers: 2 })).toBe(8192);
  });

  it('names a bad argument', () => {
    expect(() => chooseShardSize({ ...lenet, items: 0, workers: 2 })).toThrow(/items/);
    expect(() => chooseShardSize({ ...lenet, commitItems: 1000, items: 10, workers: 2 })).toThrow(/multiple of batchSize/);
  });
});
