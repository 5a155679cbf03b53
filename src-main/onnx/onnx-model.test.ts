import { describe, it, expect } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeOnnxModel, resolveInput, ONNX_SALIENCY_UNSUPPORTED } from './onnx-model.ts';
import { decodeModel, encodeModel } from './proto.ts';

const DEMO = path.resolve(import.meta.dirname, '../../resources/demo/onnx/lenet5-bn.onnx');
const MNIST = { height: 28, width: 28, channels: 1 };

async function tmpFile(name: string, bytes: Uint8Array | string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'margin-onnx-'));
  const f = path.join(dir, name);
  await fs.writeFile(f, bytes);
  return f;
}

describe('describeOnnxModel', () => {
  it('describes the demo lenet5-bn like the TF.js engine does', async () => {
    const d = await describeOnnxModel(DEMO, MNIST);
    expect(d.layers.map((l) => l.name)).toEqual([
      'conv1', 'bn1', 'relu1', 'pool1', 'conv2', 'bn2', 'relu2', 'pool2', 'flatten', 'fc1', 'bn3', 'relu3', 'fc2', 'bn4', 'relu4', 'logits',
    ]);
    const by = new Map(d.layers.map((l) => [l.name, l]));
    expect(by.get('relu1')!.shape).toEqual([24, 24, 6]); // NCHW [6, 24, 24] reported NHWC-style
    expect(by.get('pool2')!.units).toBe(256);
    expect(by.get('conv1')).toMatchObject({ className: 'Conv', params: 156, flops: 2 * 24 * 24 * 6 * 25 });
    expect(by.get('fc1')).toMatchObject({ className: 'Gemm', params: 30840, flops: 2 * 256 * 120 });
    // Same totals as describeModel on the TF.js model (engine/README: 45,330 and 563,280).
    expect(d.totalParams).toBe(45330);
    expect(d.flopsPerItem).toBe(563280);
    expect(d).toMatchObject({ inputName: 'input', outputName: 'logits', layout: 'NCHW', numClasses: 10, latentLayer: 'relu4', logitsTensor: 'logits', softmaxInModel: false, opset: 13 });
    expect(d.mapping).toEqual({ layout: 'NCHW', scale: 1 / 255, transpose: true, itemShape: [28, 28, 1], fixedBatch: null });
    // Without the data set's geometry, the fixed dims still resolve.
    expect((await describeOnnxModel(DEMO, { latentLayer: 'relu3' })).latentLayer).toBe('relu3');
  });

  it('names the file and the problem for unusable files', async () => {
    await expect(describeOnnxModel('/no/such/model.onnx')).rejects.toThrow(/\/no\/such\/model\.onnx: ONNX model file not found/);
    const junk = await tmpFile('junk.onnx', Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256));
    await expect(describeOnnxModel(junk)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^model file .*junk\.onnx is not an ONNX model .*export it with torch\.onnx\.export or tf2onnx/) });
    const text = await tmpFile('model.onnx', '{"format": "layers-model"}');
    await expect(describeOnnxModel(text)).rejects.toThrow(/is not an ONNX model/);
    const empty = await tmpFile('empty.onnx', new Uint8Array(0));
    await expect(describeOnnxModel(empty)).rejects.toThrow(/is not an ONNX model \(no graph nodes or opset import\)/);
  });

  it('rejects an opset the runtime refuses', async () => {
    const m = decodeModel(await fs.readFile(DEMO), DEMO);
    m.opsetImport = [{ domain: '', version: 99 }];
    const f = await tmpFile('opset99.onnx', encodeModel(m));
    await expect(describeOnnxModel(f, MNIST)).rejects.toThrow(/opset99\.onnx uses an opset ONNX Runtime 1\.30\.\d+ refuses .*re-export it with an older opset/);
  });

  it('rejects images the input cannot take, and bad arguments', async () => {
    await expect(describeOnnxModel(DEMO, { height: 32, width: 32, channels: 3 })).rejects.toThrow(
      /input input \[\?, 1, 28, 28\] \(NCHW\) takes 28×28 images with 1 channel\(s\), but the data set's images are 32×32×3/);
    await expect(describeOnnxModel(DEMO, { ...MNIST, latentLayer: 'fc9' })).rejects.toThrow(/latentLayer "fc9" is not a layer of model file .*; layers are: conv1, bn1/);
    await expect(describeOnnxModel(DEMO, { height: 0 })).rejects.toThrow(/height must be a positive integer, got 0/);
    await expect(describeOnnxModel(DEMO, { pixelScale: Number.NaN })).rejects.toThrow(/pixelScale must be a positive number, got NaN/);
  });

  it('takes a PyTorch export whose weights are also graph inputs (keep_initializers_as_inputs=True)', async () => {
    const PT = path.resolve(import.meta.dirname, '../../resources/demo/onnx/lenet5-bn-pytorch.onnx');
    const m = decodeModel(await fs.readFile(PT), PT);
    m.graph!.input = [...m.graph!.input!, ...m.graph!.initializer!.map((t) => ({ name: t.name, type: { tensorType: { elemType: t.dataType, shape: { dim: t.dims!.map((d) => ({ dimValue: d })) } } } }))];
    const f = await tmpFile('inits-as-inputs.onnx', encodeModel(m));
    const [a, b] = [await describeOnnxModel(f, MNIST), await describeOnnxModel(PT, MNIST)];
    expect(a.inputName).toBe('input');
    expect(a.layers).toEqual(b.layers);
    expect([a.totalParams, a.flopsPerItem, a.latentLayer]).toEqual([b.totalParams, b.flopsPerItem, b.latentLayer]);
    // The opset check still sees the file's opset after the weights are taken out of the inputs.
    m.opsetImport = [{ domain: '', version: 99 }];
    await expect(describeOnnxModel(await tmpFile('inits-opset99.onnx', encodeModel(m)), MNIST)).rejects.toThrow(/inits-opset99\.onnx uses an opset ONNX Runtime 1\.30\.\d+ refuses/);
  });

  it('saliency message names the reason and the way out', () => {
    expect(ONNX_SALIENCY_UNSUPPORTED).toMatch(/gradients.*ONNX Runtime.*TF\.js version/);
  });
});

describe('describeOnnxModel memo', () => {
  it('describes a file once per identity, hands out copies, and re-describes a changed file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'margin-onnx-memo-'));
    const file = path.join(dir, 'm.onnx');
    await fs.copyFile(DEMO, file);
    const a = await describeOnnxModel(file, MNIST);
    a.layers.length = 0; // the caller's copy only
    const b = await describeOnnxModel(file, MNIST);
    expect(b.layers.length).toBeGreaterThan(0);
    expect(b.mapping.fixedBatch).toBeNull();
    const m = decodeModel(await fs.readFile(file), file);
    m.graph!.input![0].type!.tensorType!.shape!.dim![0] = { dimValue: 4 };
    await fs.writeFile(file, encodeModel(m));
    await fs.utimes(file, new Date(), new Date(Date.now() + 5000)); // a new mtime even on coarse clocks
    expect((await describeOnnxModel(file, MNIST)).mapping.fixedBatch).toBe(4);
  });
});

describe('resolveInput', () => {
  it('tells NCHW from NHWC and fills dynamic dims from the data set', () => {
    expect(resolveInput('f', 'x', [null, 3, 32, 32], {})).toEqual({ layout: 'NCHW', itemShape: [32, 32, 3], fixedBatch: null });
    expect(resolveInput('f', 'x', [1, 32, 32, 3], {})).toEqual({ layout: 'NHWC', itemShape: [32, 32, 3], fixedBatch: 1 });
    expect(resolveInput('f', 'x', [null, 1, null, null], { height: 28, width: 28, channels: 1 })).toEqual({ layout: 'NCHW', itemShape: [28, 28, 1], fixedBatch: null });
    expect(resolveInput('f', 'x', [null, null, null, 3], { height: 64, width: 48, channels: 3 })).toEqual({ layout: 'NHWC', itemShape: [64, 48, 3], fixedBatch: null });
  });
  it('says which dim cannot be resolved', () => {
    expect(() => resolveInput('m.onnx', 'x', [null, 3, null, null], {})).toThrow(/model file m\.onnx: input x \[\?, 3, \?, \?\] has a dynamic height; give the data set's image size/);
    expect(() => resolveInput('m.onnx', 'x', [null, 3, 32, 32], { height: 32, width: 32, channels: 1 })).toThrow(/takes 32×32 images with 3 channel\(s\), but the data set's images are 32×32×1/);
  });
});
