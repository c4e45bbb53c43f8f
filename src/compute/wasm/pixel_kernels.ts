/**
 * The kernels for pixel work outside the model (resizing; decoding images), on the calling
 * thread with no backend: the kernel module over a WebAssembly memory of its own (not
 * shared, grown as needed, never shrunk: users work in strips to keep it small). Each
 * user borrows scratch blocks from an arena that returns them when its call ends.
 *
 * Browsers may refuse to compile or instantiate modules over 4 KB synchronously on their
 * main thread (Chrome has; headless Chromium 156 did not), so there `pixelKernels()` may
 * answer undefined until `preparePixelKernels()` (called where the API loads a model) has
 * settled; Node, Deno and workers instantiate on first use. Where the kernels are
 * unavailable, users run the scalar twins (same bytes).
 */
import { Allocator } from './allocator.js';
import { kernelModuleFor, type KernelModules } from './kernel_binaries.js';
import { instantiateKernelModule, instantiateKernelModuleSync, type Kernels, simdSupported } from './kernels.js';

/** Scratch memory for one call; views go stale when a later alloc grows the memory. */
export interface PixelArena {
  /** `bytes` bytes, 64-byte aligned; may grow the memory. */
  alloc(bytes: number): number;
  /** A view of `length` bytes at `ptr`, made now. */
  bytes(ptr: number, length: number): Uint8Array;
  /** A view of `length` int32 at `ptr` (4-byte aligned), made now. */
  int32(ptr: number, length: number): Int32Array;
}

export class PixelKernels {
  private readonly allocator: Allocator;

  private constructor(readonly exports: Kernels, readonly memory: WebAssembly.Memory) {
    this.allocator = new Allocator(memory, exports.heap_base());
  }

  /** Kernels of `modules` (default: the embedded release build) over a new memory. */
  static async create(modules: KernelModules = kernelModuleFor): Promise<PixelKernels> {
    const memory = new WebAssembly.Memory({ initial: 1 });
    return new PixelKernels(await instantiateKernelModule(await modules(memory), memory), memory);
  }

  /** `create` on this thread, now; throws where that is refused. */
  static createSync(modules: KernelModules = kernelModuleFor): PixelKernels {
    const memory = new WebAssembly.Memory({ initial: 1 });
    return new PixelKernels(instantiateKernelModuleSync(modules.sync(memory), memory), memory);
  }

  /** f(arena); the arena's blocks are released when f returns or throws. Calls may nest. */
  withArena<T>(f: (arena: PixelArena) => T): T {
    const blocks: number[] = [];
    const arena: PixelArena = {
      alloc: (bytes) => {
        const ptr = this.allocator.alloc(bytes);
        blocks.push(ptr);
        return ptr;
      },
      bytes: (ptr, length) => new Uint8Array(this.memory.buffer, ptr, length),
      int32: (ptr, length) => new Int32Array(this.memory.buffer, ptr, length),
    };
    try {
      return f(arena);
    } finally {
      for (const ptr of blocks) this.allocator.free(ptr);
    }
  }
}

let ready: PixelKernels | undefined;
let preparing: Promise<PixelKernels | undefined> | undefined;
/** Synchronous instantiation failed (refused on a browser's main thread) or SIMD is missing: not tried again. */
let syncFailed = false;

/**
 * Makes the shared instance ready, compiling asynchronously (allowed everywhere); resolves
 * undefined where there is no SIMD or the module cannot be instantiated.
 */
export function preparePixelKernels(): Promise<PixelKernels | undefined> {
  if (ready !== undefined) return Promise.resolve(ready);
  if (!simdSupported()) return Promise.resolve(undefined);
  preparing ??= PixelKernels.create().then((kernels) => (ready ??= kernels), () => undefined);
  return preparing;
}

/**
 * The shared instance: ready, or instantiated now where that is allowed; undefined where
 * it is not (then the callers use the scalar twins).
 */
export function pixelKernels(): PixelKernels | undefined {
  if (ready !== undefined || syncFailed) return ready;
  try {
    if (simdSupported()) ready = PixelKernels.createSync();
  } catch {
    // Refused on this thread: preparePixelKernels() may still provide them.
  }
  syncFailed = ready === undefined;
  return ready;
}
