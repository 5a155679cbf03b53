/**
 * The WebAssembly SIMD kernels of the GMM fits (wasm/gmm-full-kernels.wat, wasm/gmm-spherical-kernels.wat)
 * and the memory they work in.
 *
 * WebAssembly reads only its own linear memory, so the arrays a kernel touches (the latent copy,
 * θ, the whitening matrices, per-chunk scratch) are allocated in a WasmArena: one SHARED
 * WebAssembly.Memory per thread that fits mixtures, handed out by a bump allocator and released
 * in LIFO order (mark/release) when the fit ends. Its buffer is a SharedArrayBuffer, so the
 * Float64Array views the arena returns are ordinary shared arrays: the JavaScript code and the
 * worker pool's helpers (system/worker-pool.ts) read them as before, and a helper that receives
 * the Memory in a run's arguments instantiates the same module over it (`kernelsFor`).
 *
 * Both kernels do, lane by lane, exactly the float64 operations of the JavaScript they replace,
 * so results are bit-identical either way (gmm-wasm.test.ts). Measured on this machine's real
 * latent (10,000 × 84, `npm run bench:samplers`): see the samplers README.
 * MARGIN_WASM=0 switches them off (the JavaScript kernels run); so does a runtime without
 * WebAssembly SIMD.
 */
import { GMM_FULL_KERNELS_WASM } from './wasm/gmm-full-kernels-wasm.ts';
import { GMM_SPHERICAL_KERNELS_WASM } from './wasm/gmm-spherical-kernels-wasm.ts';

/** The kernels' exports (addresses are byte offsets into the arena's memory). */
export interface GmmKernels {
  mahal(
    x: number, mu: number, w: number, cb: number, d: number, i0: number, i1: number, i2: number, i3: number,
    l0: number, l1: number, l2: number, l3: number, out: number,
  ): void;
  gram(t: number, m: number, d: number, c: number): void;
  wsum(x: number, resp: number, n: number, k: number, c: number, d: number, into: number, minResp: number): number;
  mscatter(x: number, resp: number, n: number, k: number, c: number, d: number, mu: number, block: number, cap: number, scatter: number, minResp: number): void;
  sphdots(xc: number, mt: number, out: number, from: number, to: number, d: number, k: number): void;
  sphjoint(
    xn: number, dots: number, from: number, to: number, k: number, muNorm: number, constant: number, halfPrec: number, lj: number, top: number,
    resp: number, live: number, count: number, negligible: number,
  ): void;
  sphaccum(xc: number, xn: number, resp: number, inv: number, from: number, to: number, d: number, k: number, nk: number, sxx: number, sx: number, minResp: number): void;
}

const PAGE = 65_536;
/** 4 GiB, wasm32's limit: a shared memory must declare its maximum (address space only is reserved). */
const MAX_PAGES = 65_536;

let compiled: WebAssembly.Module[] | null | undefined;

/** The compiled modules (full, spherical), or null when switched off (MARGIN_WASM=0) or unsupported here. */
export function gmmWasmModules(): WebAssembly.Module[] | null {
  if (compiled !== undefined) return compiled;
  let modules: WebAssembly.Module[] | null = null;
  if (process.env.MARGIN_WASM !== '0') {
    try {
      const all = [GMM_FULL_KERNELS_WASM, GMM_SPHERICAL_KERNELS_WASM].map((b64) => Buffer.from(b64, 'base64'));
      if (all.every((bytes) => WebAssembly.validate(bytes))) modules = all.map((bytes) => new WebAssembly.Module(bytes));
    } catch {
      modules = null; // no SIMD or no shared memory in this runtime: the JavaScript kernels run
    }
  }
  compiled = modules;
  return modules;
}

/** Every module instantiated over `memory`, their exports as one set of kernels. */
function instantiate(modules: WebAssembly.Module[], memory: WebAssembly.Memory): GmmKernels {
  const kernels = {};
  for (const m of modules) Object.assign(kernels, new WebAssembly.Instance(m, { env: { memory } }).exports);
  return kernels as GmmKernels;
}

let nextArenaId = 1;

/** A bump allocator over one shared WebAssembly memory, with the kernels instantiated over it. */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly kernels: GmmKernels;
  /** Identifies this memory in a pool run's arguments (helpers cache their instance by it). */
  readonly id: number;
  private top = 0;
  /** The SharedArrayBuffer objects this arena's views were made on (one per size after growth). */
  private readonly buffers = new Set<ArrayBufferLike>();

  constructor(modules: WebAssembly.Module[], initialBytes = 16 * PAGE) {
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(initialBytes / PAGE), maximum: MAX_PAGES, shared: true });
    this.kernels = instantiate(modules, this.memory);
    // Unique across threads as well: the pid-free random high part keeps two threads' arenas apart.
    this.id = nextArenaId++ + Math.floor(Math.random() * 2 ** 20) * 2 ** 20;
  }

  /** Byte offset of a fresh 16-byte-aligned block of `bytes` (zeroed unless `zero` is false), or null if memory cannot grow that far. */
  private reserve(bytes: number, zero = true): number | null {
    const at = (this.top + 15) & ~15;
    const end = at + bytes;
    if (end > MAX_PAGES * PAGE) return null;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        return null;
      }
    }
    if (zero) new Uint8Array(this.memory.buffer, at, bytes).fill(0);
    this.top = end;
    return at;
  }

  /**
   * A Float64Array of `len` in the arena, or null when the memory cannot hold it. Zeroed, unless
   * `zero` is false (for an array the caller overwrites whole: a freed block holds old values).
   */
  f64(len: number, zero = true): Float64Array | null {
    const at = this.reserve(8 * len, zero);
    if (at === null) return null;
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return new Float64Array(buffer, at, len);
  }

  /** A raw block of `bytes` (16-byte aligned, zeroed): its byte offset, or null. */
  bytes(bytes: number): number | null {
    return this.reserve(bytes);
  }

  /** Whether every view lies in this arena's memory (so the kernels can address it). */
  owns(...views: ArrayBufferView[]): boolean {
    return views.every((v) => this.buffers.has(v.buffer));
  }

  /** The current top; release(mark) frees everything allocated after it. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = Math.min(this.top, mark);
  }
}

let arena: WasmArena | null | undefined;

/** This thread's arena (created on first use), or null when WebAssembly kernels are off. */
export function threadArena(): WasmArena | null {
  if (arena !== undefined) return arena;
  const modules = gmmWasmModules();
  arena = modules ? new WasmArena(modules) : null;
  return arena;
}

/** What a pool helper needs to run the kernels over the caller's arena. */
export interface WasmRef {
  memory: WebAssembly.Memory;
  id: number;
}

export function wasmRef(a: WasmArena): WasmRef {
  return { memory: a.memory, id: a.id };
}

const helperInstances = new Map<number, GmmKernels>();

/**
 * The kernels over `ref`'s memory on this thread: the arena's own instance on the thread that
 * owns it, else an instance made once per arena (the Memory arrives by structured clone, which
 * shares its buffer).
 */
export function kernelsFor(ref: WasmRef): GmmKernels {
  if (arena && arena.id === ref.id) return arena.kernels;
  let k = helperInstances.get(ref.id);
  if (!k) {
    const modules = gmmWasmModules();
    if (!modules) throw new Error('the GMM WebAssembly kernels are switched off in this thread but its caller uses them (MARGIN_WASM differs between threads)');
    k = instantiate(modules, ref.memory);
    helperInstances.set(ref.id, k);
  }
  return k;
}
