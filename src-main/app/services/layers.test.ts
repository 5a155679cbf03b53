import { describe, expect, it } from 'vitest';
import { mainLayers, resolveLayers } from './layers.ts';
import type { LayerInfo } from '../../core/extraction-types.ts';

const L = (name: string, className: string): LayerInfo => ({ name, className, shape: [1], units: 1, params: 0, flops: 0 });
const lenet = [
  L('conv1', 'Conv2D'), L('bn1', 'BatchNormalization'), L('relu1', 'ReLU'), L('pool1', 'MaxPooling2D'),
  L('conv2', 'Conv2D'), L('bn2', 'BatchNormalization'), L('relu2', 'ReLU'), L('pool2', 'MaxPooling2D'), L('flatten', 'Flatten'),
  L('fc1', 'Dense'), L('bn3', 'BatchNormalization'), L('relu3', 'ReLU'), L('fc2', 'Dense'), L('bn4', 'BatchNormalization'), L('relu4', 'ReLU'), L('logits', 'Dense'),
];

describe('mainLayers', () => {
  it('picks the six post-activation and pooling outputs of LeNet-5-BN', () => {
    expect(mainLayers(lenet)).toEqual(['relu1', 'pool1', 'relu2', 'pool2', 'relu3', 'relu4']);
  });
  it('picks dense layers with inline activations', () => {
    expect(mainLayers([L('flat', 'Flatten'), L('d1', 'Dense'), L('d2', 'Dense'), L('out', 'Dense')])).toEqual(['d1', 'd2']);
  });
  it('reads ONNX operator types the same way', () => {
    const onnx = lenet.map((l) => ({ ...l, className: ({ Conv2D: 'Conv', ReLU: 'Relu', MaxPooling2D: 'MaxPool', Dense: 'Gemm' } as Record<string, string>)[l.className] ?? l.className }));
    expect(mainLayers(onnx)).toEqual(['relu1', 'pool1', 'relu2', 'pool2', 'relu3', 'relu4']);
  });
});

describe('resolveLayers', () => {
  it('names unknown layers and the valid ones', () => {
    expect(() => resolveLayers(lenet, ['relu1', 'nope'])).toThrow(/nope is not a layer of the model; choose from conv1/);
  });
  it('returns all and de-duplicates lists', () => {
    expect(resolveLayers(lenet, 'all')).toHaveLength(16);
    expect(resolveLayers(lenet, ['relu1', 'relu1'])).toEqual(['relu1']);
  });
});
