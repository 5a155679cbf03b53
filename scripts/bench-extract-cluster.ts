/**
 * `npm run bench:extract -- --cluster local:2 [--shard-size K] [--data DIR] [--layers main]`:
 * the onnxruntime lenet5-bn of the demo over Fashion-MNIST train (60,000) and test (10,000) — one
 * model per split, 70,000 items — extracted into a fresh project through the local path, then
 * into another through the cluster; one JSON line each (items/s, seconds, per-shard compute
 * seconds) and a last line with the overhead ratio measured in this run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProject } from '../src-main/store/project.ts';
import { importIntoProject } from '../src-main/app/services/datasets.ts';
import { importModel } from '../src-main/app/services/model-import.ts';
import { extract } from '../src-main/app/services/extraction.ts';
import { DEMO_RESOURCES } from '../src-main/app/services/demo.ts';

export async function benchCluster(o: { cluster: string; shardSize?: number; data: string; layers: string; dtype: 'float32' | 'float16' }): Promise<void> {
  const layers = o.layers === 'all' || o.layers === 'main' ? o.layers : o.layers.split(',');
  const lines: Array<{ path: string; items: number; seconds: number }> = [];
  const keep: string[] = [];
  for (const where of ['local', o.cluster]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-cluster-'));
    keep.push(dir);
    const store = await createProject(path.join(dir, 'p'));
    try {
      await importIntoProject(store, { name: 'fashion-mnist', format: 'idx', path: o.data, classNames: 'fashion-mnist' });
      for (const split of ['train', 'test']) {
        await importModel(store, { name: `lenet5-bn-${split}`, path: path.join(DEMO_RESOURCES, 'onnx', 'lenet5-bn.onnx'), dataset: 'fashion-mnist', split });
      }
      const t0 = performance.now();
      let items = 0;
      const shardSeconds: number[] = [];
      let shards = 0;
      for (const split of ['train', 'test']) {
        const r = await extract(store, { model: `lenet5-bn-${split}`, layers, dtype: o.dtype, ...(where === 'local' ? {} : { cluster: where, shardSize: o.shardSize }) });
        items += r.computed;
        const c = r as unknown as { shardSeconds?: number[]; shards?: number };
        if (c.shardSeconds) { shardSeconds.push(...c.shardSeconds); shards += c.shards ?? 0; }
      }
      const seconds = (performance.now() - t0) / 1000;
      lines.push({ path: where, items, seconds });
      console.log(JSON.stringify({
        bench: 'extract', path: where === 'local' ? 'local (one process)' : `Dask ${where}`, model: 'lenet5-bn (onnxruntime)', items,
        items_per_s: Math.round(items / seconds), seconds: +seconds.toFixed(1),
        ...(shards ? { shards, shard_items: o.shardSize ?? 'auto', shard_compute_seconds: shardSeconds.map((s) => +s.toFixed(1)) } : {}),
        loadavg: os.loadavg().map((x) => +x.toFixed(1)),
      }));
    } finally {
      await store.close();
    }
  }
  const [local, cluster] = lines;
  console.log(JSON.stringify({
    bench: 'extract', compare: `Dask ${o.cluster} vs local`, items: local.items,
    cluster_over_local_seconds: +(cluster.seconds / local.seconds).toFixed(2),
    cluster_items_per_s_over_local: +((cluster.items / cluster.seconds) / (local.items / local.seconds)).toFixed(2),
    note: 'measured in one run, one after the other, on a machine shared with other jobs (see loadavg)',
  }));
  for (const d of keep) fs.rmSync(d, { recursive: true, force: true });
}
