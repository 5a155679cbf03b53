/**
 * `npm run bench:extract`: extract the layers of the demo's lenet5-bn (last checkpoint) for the
 * 10,000 Fashion-MNIST test images into a fresh project, through the same path as `margin extract`
 * (runner → resumable store job), once per engine — TF.js on wasm (worker threads) and ONNX
 * Runtime (the demo's lenet5-bn.onnx, translated from the same weights) — and print one JSON line
 * per engine: backend, items/s, achieved GFLOP/s against the model's FLOPs, bytes stored, seconds.
 *
 *   npm run bench:extract [-- --layers all|main|a,b --engine tfjs,onnxruntime --dtype float32]
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

const { values } = parseArgs({
  options: { layers: { type: 'string', default: 'all' }, engine: { type: 'string', default: 'tfjs,onnxruntime' }, dtype: { type: 'string', default: 'float32' } },
});
const lenet = readDemoManifest().models.find((m) => m.architecture === 'lenet5-bn')!;
const last = lenet.checkpoints.at(-1)!;
const files: Record<string, string> = {
  tfjs: path.join(DEMO_RESOURCES, last.path),
  onnxruntime: path.join(DEMO_RESOURCES, 'onnx', 'lenet5-bn.onnx'),
};
const layers = values.layers === 'all' || values.layers === 'main' ? values.layers : values.layers!.split(',');

for (const engine of values.engine!.split(',')) {
  if (!files[engine]) throw new Error(`--engine: unknown engine ${engine}; use tfjs and/or onnxruntime`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-extract-'));
  const store = await createProject(path.join(dir, 'p'));
  try {
    await importIntoProject(store, { name: 'fashion-mnist', format: 'idx', path: path.join(DEMO_RESOURCES, 'data'), classNames: 'fashion-mnist' });
    const imported = await importModel(store, { name: 'lenet5-bn', path: files[engine], checkpoint: `epoch-${last.epoch}`, architecture: 'lenet5-bn' });
    const model = await getModel(store, imported.modelId);
    const t0 = performance.now();
    const r = await extract(store, { model: 'lenet5-bn', layers, dtype: values.dtype as 'float32' | 'float16' });
    const seconds = (performance.now() - t0) / 1000;
    const info = await projectInfo(store);
    const flopsPerItem = model.layers.reduce((a, l) => a + l.flops, 0);
    console.log(JSON.stringify({
      bench: 'extract',
      model: 'lenet5-bn',
      backend: r.engine,
      layers: r.layers.length,
      dtype: values.dtype,
      items: r.computed,
      items_per_s: Math.round(r.computed / seconds),
      gflops_per_s: +((r.computed * flopsPerItem) / seconds / 1e9).toFixed(3),
      bytes_stored: info.activationBytes,
      seconds: +seconds.toFixed(2),
      ratio_vs_pytorch_hooks_11000: +(r.computed / seconds / 11000).toFixed(3),
      loadavg: os.loadavg().map((x) => +x.toFixed(1)),
    }));
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
