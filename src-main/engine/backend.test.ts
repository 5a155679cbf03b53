import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, activeBackend } from './backend.ts';

describe('initBackend', () => {
  it('falls back from tfjs-node (not installed here) to wasm and says why', async () => {
    const info = await initBackend('tfjs-node');
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(/tfjs-node unavailable: @tensorflow\/tfjs-node is not installed/);
    expect(info.threads).toBe(1);
    expect(activeBackend()).toBe('wasm');
    // Idempotent: the same preference returns the same promise's result.
    expect(await initBackend('tfjs-node')).toBe(info);
  });

  it('switches to an explicitly preferred backend, and the wasm gradient kernel is registered', async () => {
    expect((await initBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend('wasm')).name).toBe('wasm');
    expect(tf.getKernelsForBackend('wasm').some((k) => k.kernelName === 'Conv2DBackpropFilter')).toBe(true);
    expect(await initBackend()).toEqual({ name: 'wasm', threads: 1 });
  });

  it('rejects an unknown backend name', async () => {
    await expect(initBackend('webgpu' as 'cpu')).rejects.toThrow(/prefer must be one of tfjs-node, wasm, cpu, got webgpu/);
  });
});
