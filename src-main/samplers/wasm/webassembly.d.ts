/**
 * The slice of the WebAssembly JavaScript API the SIMD kernels use (gmm-wasm.ts). Node has it all,
 * but its types come with TypeScript's DOM library, which the main process's code must not see
 * (tsconfig.json's lib is ES only; the renderer's world has DOM).
 */
declare namespace WebAssembly {
  interface MemoryDescriptor { initial: number; maximum?: number; shared?: boolean }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: BufferSource);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  function validate(bytes: BufferSource): boolean;
}
