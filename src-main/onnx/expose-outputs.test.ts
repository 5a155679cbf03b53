import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { createSessionWithOutputs, nodeOutputNames, withExposedOutputs, withNhwcOutputs, withoutInitializerInputs, NHWC_SUFFIX } from './expose-outputs.ts';
import { decodeModel } from './proto.ts';

const DEMO = path.resolve(import.meta.dirname, '../../resources/demo/onnx/lenet5-bn.onnx');
const PYTORCH = path.resolve(import.meta.dirname, '../../resources/demo/onnx/lenet5-bn-pytorch.onnx');

describe('expose-outputs', async () => {
  const model = decodeModel(await fs.readFile(DEMO), DEMO);

  it('lists every node output in graph order', () => {
    const names = nodeOutputNames(model);
    expect(names.filter((n) => !n.includes('/margin_tmp'))).toEqual([
      'conv1', 'bn1', 'relu1', 'pool1', 'conv2', 'bn2', 'relu2', 'pool2', 'flatten', 'fc1', 'bn3', 'relu3', 'fc2', 'bn4', 'relu4', 'logits',
    ]);
  });

  it('adds requested tensors to graph.output once, leaving the original untouched', () => {
    const edited = withExposedOutputs(model, ['relu1', 'logits', 'relu1', 'pool2']);
    expect(edited.graph!.output!.map((o) => o.name)).toEqual(['logits', 'relu1', 'pool2']);
    expect(model.graph!.output!.map((o) => o.name)).toEqual(['logits']);
    expect(() => withExposedOutputs(model, ['nope'])).toThrow(/no node of the graph produces a tensor named "nope"/);
  });

  it('one run of the edited session returns every exposed tensor, NHWC copies transposed', async () => {
    const { model: m2, fetch } = withNhwcOutputs(model, ['relu1', 'relu4'], new Set(['relu1']));
    expect(fetch.get('relu1')).toBe('relu1' + NHWC_SUFFIX);
    const session = await createSessionWithOutputs(model, ['relu1', 'relu4'], { threads: 1 });
    const s2 = await createSessionWithOutputs(m2, [], { threads: 1 });
    const x = new ort.Tensor('float32', Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 97) / 97), [2, 1, 28, 28]);
    const a = await session.run({ input: x });
    expect(Object.keys(a).sort()).toEqual(['logits', 'relu1', 'relu4']);
    expect(a.relu1.dims).toEqual([2, 6, 24, 24]);
    const b = await s2.run({ input: x });
    expect(b['relu1' + NHWC_SUFFIX].dims).toEqual([2, 24, 24, 6]);
    const nchw = a.relu1.data as Float32Array, nhwc = b['relu1' + NHWC_SUFFIX].data as Float32Array;
    // item 1, channel 4, y 7, x 11
    expect(nhwc[((1 * 24 + 7) * 24 + 11) * 6 + 4]).toBe(nchw[((1 * 6 + 4) * 24 + 7) * 24 + 11]);
    await session.release();
    await s2.release();
  });

  it('drops weights listed as graph inputs (keep_initializers_as_inputs=True) from IR version 4 on', async () => {
    // The PyTorch export as torch.onnx.export(…, keep_initializers_as_inputs=True) writes it: every
    // initializer also a graph input (IR version 7).
    const pt = decodeModel(await fs.readFile(PYTORCH), PYTORCH);
    const inits = pt.graph!.initializer!;
    const asInputs = { ...pt, graph: { ...pt.graph!, input: [...pt.graph!.input!, ...inits.map((t) => ({ name: t.name }))] } };
    expect(asInputs.graph.input).toHaveLength(1 + inits.length);
    expect(withoutInitializerInputs(asInputs)!.map((i) => i.name)).toEqual(['input']);
    const edited = withExposedOutputs(asInputs, ['/relu4/Relu_output_0']);
    expect(edited.graph!.input!.map((i) => i.name)).toEqual(['input']);
    expect(edited.graph!.initializer).toBe(inits); // weights untouched
    expect(asInputs.graph.input).toHaveLength(1 + inits.length); // the original is not edited
    // IR version 3 requires initializers among the inputs: they stay.
    expect(withoutInitializerInputs({ ...asInputs, irVersion: 3 })).toHaveLength(1 + inits.length);
    expect(withoutInitializerInputs({ irVersion: 7 })).toBeUndefined();
    // Same outputs as the export without weights among the inputs.
    const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * 784 }, (_, i) => (i % 89) / 89), [3, 1, 28, 28]);
    const a = await createSessionWithOutputs(asInputs, ['/relu4/Relu_output_0'], { threads: 1 });
    const b = await createSessionWithOutputs(pt, ['/relu4/Relu_output_0'], { threads: 1 });
    const [ra, rb] = [await a.run({ input: x }), await b.run({ input: x })];
    expect(Array.from(ra.logits.data as Float32Array)).toEqual(Array.from(rb.logits.data as Float32Array));
    expect(Array.from(ra['/relu4/Relu_output_0'].data as Float32Array)).toEqual(Array.from(rb['/relu4/Relu_output_0'].data as Float32Array));
    await a.release();
    await b.release();
  });
});
