/**
 * `npm run bench:extract`: extract the layers of the demo's lenet5-bn (last checkpoint) for the
 * 10,000 Fashion-MNIST test images into a fresh project, through the same path as `margin extract`
 * (runner → resumable store job), once per engine — TF.js on wasm (worker threads; imported with
 * engine tfjs), ONNX Runtime on the demo's lenet5-bn.onnx (a native ONNX import), and the same TF.js
 * checkpoint imported with engine auto, i.e. translated to ONNX and checked at import — and print one
 * JSON line per engine: backend, items/s, achieved GFLOP/s against the model's FLOPs, bytes stored,
 * extraction seconds (and, for the translated path, the translation+check seconds apart). Engine
 * `pytorch` runs the PyTorch-trained export resources/demo/onnx/lenet5-bn-pytorch.onnx (same
 * architecture, its own weights) the same way.
 *
 * A last line measures the floor the store cannot beat on this machine: writing the same number
 * of bytes into new files with plain fs writes from one reused buffer (+ fsync). New file pages
 * cost ~0.25–0.3 GB/s on this VM, so writing dominates extraction; `of_floor` says how close the
 * store gets. Projects are kept until the end so that no run reuses pages another run just freed.
 * Each engine runs `--passes` times into fresh projects: pass 1 pays the process's warm-up for
 * that engine (runtime initialisation, JIT, first use of its memory), later passes show what a
 * long-running workbench sees.
 *
 *   npm run bench:extract [-- --layers main|all|a,b --engine tfjs,onnxruntime,translated,pytorch --dtype float32 --passes 2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProject } from '../src-main/store/project.ts';
import { projectInfo } from '../src-main/store/project-info.ts';
import { importIntoProject } from '../src-main/app/services/datasets.ts';
import { importModel } from '../src-main/app/services/model-import.ts';
import { extract } from '../src-main/app/services/extraction.ts';
import { getModel } from '../src-main/store/models.ts';
import { DEMO_RESOURCES, readDemoManifest } from '../src-main/app/services/demo.ts';
import { WRITE_PIECE } from '../src-main/store/activation-appender.ts';

const { values } = parseArgs({
  options: {
    layers: { type: 'string', default: 'main' }, engine: { type: 'string', default: 'tfjs,onnxruntime,translated,pytorch' }, passes: { type: 'string', default: '2' }, dtype: { type: 'string', default: 'float32' },
    cluster: { type: 'string' }, 'shard-size': { type: 'string' }, data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
  },
});
if (values.cluster) {
  // `--cluster local:N|tcp://…`: the 70,000 Fashion-MNIST items (train + test) through the local
  // path and through the cluster, in the same run (scripts/bench-extract-cluster.ts).
  const { benchCluster } = await import('./bench-extract-cluster.ts');
  await benchCluster({ cluster: values.cluster, shardSize: values['shard-size'] ? Number(values['shard-size']) : undefined, data: values.data!, layers: values.layers!, dtype: values.dtype as 'float32' | 'float16' });
  process.exit(0);
}
const lenet = readDemoManifest().models.find((m) => m.architecture === 'lenet5-bn')!;
const last = lenet.checkpoints.at(-1)!;
const tfjsFile = path.join(DEMO_RESOURCES, last.path);
const runs: Record<string, { file: string; engine: 'auto' | 'tfjs' | undefined; backend?: string }> = {
  tfjs: { file: tfjsFile, engine: 'tfjs' },
  onnxruntime: { file: path.join(DEMO_RESOURCES, 'onnx', 'lenet5-bn.onnx'), engine: undefined },
  translated: { file: tfjsFile, engine: 'auto', backend: 'onnxruntime (translated)' },
  pytorch: { file: path.join(DEMO_RESOURCES, 'onnx', 'lenet5-bn-pytorch.onnx'), engine: undefined, backend: 'onnxruntime (PyTorch export)' },
};
const keep: string[] = [];
let maxBytes = 0;
const layers = values.layers === 'all' || values.layers === 'main' ? values.layers : values.layers!.split(',');

const passes = Number(values.passes);
if (!Number.isInteger(passes) || passes < 1) throw new Error(`--passes: a positive integer, got ${values.passes}`);
for (const engine of values.engine!.split(',')) for (let pass = 1; pass <= passes; pass++) {
  const run = runs[engine];
  if (!run) throw new Error(`--engine: unknown engine ${engine}; use any of ${Object.keys(runs).join(', ')}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-extract-'));
  keep.push(dir);
  const store = await createProject(path.join(dir, 'p'));
  try {
    await importIntoProject(store, { name: 'fashion-mnist', format: 'idx', path: path.join(DEMO_RESOURCES, 'data'), classNames: 'fashion-mnist' });
    const imported = await importModel(store, { name: 'lenet5-bn', path: run.file, checkpoint: `epoch-${last.epoch}`, architecture: 'lenet5-bn', engine: run.engine });
    if (engine === 'translated' && imported.engine !== 'onnxruntime') throw new Error(`the translated path fell back to TF.js: ${imported.engineNote}`);
    const model = await getModel(store, imported.modelId);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await extract(store, { model: 'lenet5-bn', layers, dtype: values.dtype as 'float32' | 'float16' });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const info = await projectInfo(store);
    const flopsPerItem = model.layers.reduce((a, l) => a + l.flops, 0);
    maxBytes = Math.max(maxBytes, info.activationBytes);
    console.log(JSON.stringify({
      bench: 'extract',
      model: 'lenet5-bn',
      backend: run.backend ?? r.engine,
      pass,
      layers: r.layers.length,
      dtype: values.dtype,
      items: r.computed,
      items_per_s: Math.round(r.computed / seconds),
      gflops_per_s: +((r.computed * flopsPerItem) / seconds / 1e9).toFixed(3),
      bytes_stored: info.activationBytes,
      seconds: +seconds.toFixed(2),
      wait_for_compute_seconds: +r.waitSeconds.toFixed(2),
      write_commit_seconds: +r.writeSeconds.toFixed(2),
      // CPU time of every thread of the process (JS, ORT, libuv's pool, DuckDB): near 2 × seconds
      // means both cores were busy, i.e. the work itself, not waiting, bounds the speed.
      cpu_user_seconds: +(cpu.user / 1e6).toFixed(2),
      cpu_system_seconds: +(cpu.system / 1e6).toFixed(2),
      ...(imported.translationSeconds === null ? {} : { translation_check_seconds: +imported.translationSeconds.toFixed(2) }),
      ratio_vs_pytorch_hooks_11000: +(r.computed / seconds / 11000).toFixed(3),
      loadavg: os.loadavg().map((x) => +x.toFixed(1)),
    }));
  } finally {
    await store.close();
  }
}

// The floor: the same bytes into six new files (like six layers), 3.9 MB to each in turn, in the
// store's write size (WRITE_PIECE), then fsync.
if (maxBytes > 0) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-floor-'));
  keep.push(dir);
  const block = new Uint8Array(WRITE_PIECE).fill(1);
  const fds = Array.from({ length: 6 }, (_, i) => fs.openSync(path.join(dir, `layer-${i}.f32`), 'w'));
  const t0 = performance.now();
  for (let written = 0, k = 0; written < maxBytes; k++) {
    const chunk = Math.min(3_870_000, maxBytes - written);
    for (let o = 0; o < chunk; o += WRITE_PIECE) fs.writeSync(fds[k % 6], block, 0, Math.min(WRITE_PIECE, chunk - o));
    written += chunk;
  }
  for (const fd of fds) { fs.fsyncSync(fd); fs.closeSync(fd); }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({
    bench: 'extract', backend: 'raw file write (floor)', bytes: maxBytes, seconds: +seconds.toFixed(2),
    mb_per_s: Math.round(maxBytes / seconds / 1e6), items_per_s_at_this_speed: Math.round(10000 / seconds), loadavg: os.loadavg().map((x) => +x.toFixed(1)),
  }));
}
for (const dir of keep) fs.rmSync(dir, { recursive: true, force: true });
