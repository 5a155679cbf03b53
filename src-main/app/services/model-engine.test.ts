import { describe, it, expect } from 'vitest';
import { checkpointEngineLabel, checkpointInputMapping, modelEngineLabel } from './model-engine.ts';

const cp = (label: string, onnxPath: string | null, engineNote: string | null = null) => ({ label, onnxPath, engineNote });

describe('engine labels', () => {
  it('names the engine of one checkpoint', () => {
    expect(checkpointEngineLabel('onnxruntime', cp('a', null), 'wasm')).toBe('onnxruntime');
    expect(checkpointEngineLabel('tfjs', cp('a', 'm/a/model.onnx'), 'wasm')).toBe('onnxruntime (translated from TF.js; wasm for saliency)');
    expect(checkpointEngineLabel('tfjs', cp('a', 'm/a/model.onnx'), null)).toBe('onnxruntime (translated from TF.js; TF.js for saliency)');
    expect(checkpointEngineLabel('tfjs', cp('a', null), 'cpu')).toBe('tfjs (cpu)');
    expect(checkpointEngineLabel('tfjs', cp('a', null), null)).toBe('tfjs');
    expect(checkpointEngineLabel('cpu', cp('a', null), 'wasm')).toBe('cpu');
  });

  it('one label when every checkpoint agrees, with their shared note once', () => {
    expect(modelEngineLabel('tfjs', [cp('e1', 'x', 'translated'), cp('e2', 'y', 'translated')], 'wasm'))
      .toEqual({ engine: 'onnxruntime (translated from TF.js; wasm for saliency)', engineNote: 'translated' });
    expect(modelEngineLabel('tfjs', [cp('e1', null, 'stays on TF.js: LSTM'), cp('e2', null, 'stays on TF.js: LSTM')], 'wasm'))
      .toEqual({ engine: 'tfjs (wasm)', engineNote: 'stays on TF.js: LSTM' });
    expect(modelEngineLabel('tfjs', [cp('e1', 'x', 'max 1e-6'), cp('e2', 'y', 'max 2e-6')], 'wasm').engineNote).toBe('e1: max 1e-6; e2: max 2e-6');
    expect(modelEngineLabel('tfjs', [cp('e1', null)], 'wasm')).toEqual({ engine: 'tfjs (wasm)', engineNote: null });
  });

  it('sums up translation notes that differ only in the measured difference', () => {
    const note = (d: string) => `translated to ONNX at import: 16 layers checked against TF.js on 64 images of test, max |ONNX − TF.js| ${d} (tolerance 0.0001)`;
    expect(modelEngineLabel('tfjs', [cp('e1', 'x', note('3.8e-6')), cp('e2', 'y', note('4.8e-6')), cp('e3', 'z', note('9.0e-7'))], 'wasm').engineNote)
      .toBe('all 3 checkpoints translated to ONNX at import: 16 layers checked against TF.js on 64 images of test, max |ONNX − TF.js| ≤ 4.8e-6 (tolerance 0.0001)');
    // different layer counts: listed per checkpoint
    const other = 'translated to ONNX at import: 10 layers checked against TF.js on 64 images of test, max |ONNX − TF.js| 1.0e-6 (tolerance 0.0001)';
    expect(modelEngineLabel('tfjs', [cp('e1', 'x', note('3.8e-6')), cp('e2', 'y', other)], 'wasm').engineNote).toMatch(/^e1: translated .*; e2: translated .*10 layers/);
  });

  it('a model without checkpoints, and a native ONNX model', () => {
    expect(modelEngineLabel('tfjs', [], 'wasm')).toEqual({ engine: 'tfjs (wasm)', engineNote: null });
    expect(modelEngineLabel('onnxruntime', [cp('c', null)], 'wasm')).toEqual({
      engine: 'onnxruntime', engineNote: 'native ONNX model: saliency is unavailable (ONNX Runtime gives no gradients)',
    });
  });

  it('mixed checkpoints: names which run where and why the TF.js ones stay', () => {
    const r = modelEngineLabel('tfjs', [cp('e1', 'x', 'ok'), cp('e2', 'y', 'ok'), cp('e3', null, 'stays on TF.js: differs by 2e-4 on layer relu2')], 'wasm');
    expect(r.engine).toBe('mixed: onnxruntime (translated from TF.js) for e1, e2; tfjs (wasm) for e3');
    expect(r.engineNote).toBe('e3: stays on TF.js: differs by 2e-4 on layer relu2');
  });
});

describe('checkpointInputMapping', () => {
  it('words the mapping recorded for an ONNX import, and nothing for anything else', () => {
    const rec = { format: 'onnx', inputName: 'input', mapping: { layout: 'NCHW', scale: 1 / 255, transpose: true, itemShape: [28, 28, 1], fixedBatch: null } };
    expect(checkpointInputMapping(JSON.stringify(rec))).toBe('input "input" NCHW [N, 1, 28, 28] ← 28×28×1 images: pixels × 1/255, NHWC → NCHW (one channel: same order)');
    expect(checkpointInputMapping(null)).toBeNull();
    expect(checkpointInputMapping('{"format":"layers-model"}')).toBeNull();
    expect(checkpointInputMapping('not json')).toBeNull();
  });
});
