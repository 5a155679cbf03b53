/**
 * Writes resources/demo/onnx/lenet5-bn.onnx: the demo's last lenet5-bn checkpoint translated to
 * ONNX by src-main/onnx/from-layers-model.ts and checked against TF.js on 64 test images (1e-4).
 *
 *   npx tsx scripts/onnx-from-demo.ts
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readIdxUint8 } from '../src-main/datasets/idx.ts';
import { translateModelFile } from '../src-main/onnx/from-layers-model.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = path.join(ROOT, 'resources', 'demo', 'models', 'lenet5-bn');
const epochs = existsSync(modelsDir)
  ? readdirSync(modelsDir).filter((d) => /^epoch-\d+$/.test(d)).map((d) => Number(d.slice(6))).sort((a, b) => a - b)
  : [];
if (epochs.length === 0) throw new Error(`no lenet5-bn checkpoint under ${modelsDir}; run npm run demo:build first`);
const last = epochs[epochs.length - 1];
const { data } = await readIdxUint8(path.join(ROOT, 'resources', 'demo', 'data', 't10k-images-idx3-ubyte.gz'), 0x00000803, 'demo test images');
const out = await translateModelFile({
  modelJsonPath: path.join(modelsDir, `epoch-${last}`, 'model.json'),
  outPath: path.join(ROOT, 'resources', 'demo', 'onnx', 'lenet5-bn.onnx'),
  pixels: data.subarray(0, 64 * 784),
  pixelScale: 255,
});
console.log(JSON.stringify({ file: path.relative(ROOT, out.outPath), checkpoint: `epoch-${last}`, layers: out.layerNames.length, maxAbsDiff: out.check.maxAbsDiff }));
