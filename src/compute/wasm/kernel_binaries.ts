/**
 * The compiled kernels: two builds of kernels/*.ts, embedded as base64
 * (./kernels_wasm.generated.ts), so that they arrive in every runtime and bundle with
 * no file to fetch. Each is compiled once per thread that asks.
 */
import { instantiateKernelModule, type Kernels } from './kernels.js';
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels_wasm.generated.js';

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Compiled kernel builds: the one for a memory, as a promise, or now, on this thread. */
export interface KernelModules {
  (memory: WebAssembly.Memory): Promise<WebAssembly.Module>;
  /**
   * The same module, compiled synchronously if it is not compiled yet. Throws where that
   * is refused: browsers may refuse to compile modules over 4 KB synchronously on their main thread.
   */
  sync(memory: WebAssembly.Memory): WebAssembly.Module;
}

/**
 * A kernelModuleFor over a pair of builds: `bytesOf(shared)` gives the build whose memory
 * is declared shared, or the other; each is compiled once, on first use, by whichever of
 * the two ways asks first.
 */
export function kernelModules(bytesOf: (shared: boolean) => Uint8Array): KernelModules {
  const compiled = new Map<boolean, { promise: Promise<WebAssembly.Module>; module?: WebAssembly.Module; }>();
  const isShared = (memory: WebAssembly.Memory): boolean =>
    typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
  const modules = (memory: WebAssembly.Memory): Promise<WebAssembly.Module> => {
    const shared = isShared(memory);
    let entry = compiled.get(shared);
    if (entry === undefined) {
      const compiling = { promise: WebAssembly.compile(bytesOf(shared) as Uint8Array<ArrayBuffer>) };
      compiling.promise.then((module) => Object.assign(compiling, { module }), () => undefined);
      compiled.set(shared, entry = compiling);
    }
    return entry.promise;
  };
  modules.sync = (memory: WebAssembly.Memory): WebAssembly.Module => {
    const shared = isShared(memory);
    const known = compiled.get(shared)?.module;
    if (known !== undefined) return known;
    const module = new WebAssembly.Module(bytesOf(shared) as Uint8Array<ArrayBuffer>);
    compiled.set(shared, { promise: Promise.resolve(module), module });
    return module;
  };
  return modules;
}

/** The embedded build for `memory`: a shared memory gets the one that declares its memory shared. */
export const kernelModuleFor = kernelModules((shared) =>
  decodeBase64(shared ? KERNELS_SHARED_WASM_BASE64 : KERNELS_WASM_BASE64)
);

/** The kernels over `memory`. */
export async function instantiateKernels(memory: WebAssembly.Memory): Promise<Kernels> {
  return instantiateKernelModule(await kernelModuleFor(memory), memory);
}
