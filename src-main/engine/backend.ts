/**
 * Chooses and initialises the TensorFlow.js backend: tfjs-node (native TensorFlow, if the
 * optional package is installed), else WebAssembly (XNNPACK, SIMD), else the pure-JS cpu.
 * Idempotent: the first successful call fixes the backend for the process (or worker thread).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerWasmGradKernels } from './wasm-grad-kernels.ts';

export type BackendName = 'tfjs-node' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Why a preferred backend was not taken (e.g. tfjs-node missing). */
  reason?: string;
  /** Threads used inside one backend instance (wasm: 1 in Node, see README). */
  threads?: number;
}

let current: Promise<BackendInfo> | null = null;
let currentPrefer: BackendName | undefined;

const ORDER: BackendName[] = ['tfjs-node', 'wasm', 'cpu'];

export function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  if (prefer !== undefined && !ORDER.includes(prefer)) {
    return Promise.reject(new TypeError(`initBackend: prefer must be one of ${ORDER.join(', ')}, got ${String(prefer)}`));
  }
  // A later call with a different explicit preference switches backends (tests compare wasm with cpu).
  if (current && (prefer === undefined || prefer === currentPrefer)) return current;
  currentPrefer = prefer;
  current = choose(prefer);
  return current;
}

/** The backend currently active, without initialising one. */
export function activeBackend(): BackendName | null {
  const b = tf.getBackend();
  if (b === 'tensorflow') return 'tfjs-node';
  if (b === 'wasm' || b === 'cpu') return b;
  return null;
}

async function choose(prefer: BackendName | undefined): Promise<BackendInfo> {
  const start = prefer ? ORDER.indexOf(prefer) : 0;
  const reasons: string[] = [];
  for (const name of ORDER.slice(start)) {
    try {
      if (name === 'tfjs-node') await useTfjsNode();
      else if (name === 'wasm') await useWasm();
      else await useCpu();
      const info: BackendInfo = { name, threads: 1 };
      if (reasons.length) info.reason = reasons.join('; ');
      return info;
    } catch (err) {
      reasons.push(`${name} unavailable: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised (${reasons.join('; ')})`);
}

async function useTfjsNode(): Promise<void> {
  // A variable specifier keeps bundlers and the type checker from requiring the optional package.
  const spec = '@tensorflow/tfjs-node';
  try {
    await import(spec);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error('@tensorflow/tfjs-node is not installed (optional dependency; its native binary needs a download)');
    }
    throw err;
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error("tfjs-node loaded but backend 'tensorflow' did not initialise");
  await tf.ready();
}

let wasmPathsSet = false;

async function useWasm(): Promise<void> {
  if (!wasmPathsSet) {
    // In Node the .wasm files are read from disk: point the loader at the package's dist folder.
    const require = createRequire(import.meta.url);
    const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
    setWasmPaths(path.dirname(wasmFile) + path.sep);
    wasmPathsSet = true;
  }
  // The threaded wasm build cannot start in Node (its pthreads are Blob-URL web workers, which
  // worker_threads rejects: ERR_WORKER_PATH), so tfjs disables it there; we parallelise with
  // worker_threads instead (runner.ts).
  if (!(await tf.setBackend('wasm'))) throw new Error("backend 'wasm' failed to initialise");
  await tf.ready();
  registerWasmGradKernels();
}

async function useCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error("backend 'cpu' failed to initialise");
  await tf.ready();
}
