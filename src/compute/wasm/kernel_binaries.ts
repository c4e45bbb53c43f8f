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

/**
 * A kernelModuleFor over a pair of builds: `bytesOf(shared)` gives the build whose memory
 * is declared shared, or the other; each is compiled once, on first use.
 */
export function kernelModules(bytesOf: (shared: boolean) => Uint8Array): (memory: WebAssembly.Memory) => Promise<WebAssembly.Module> {
  const compiled = new Map<boolean, Promise<WebAssembly.Module>>();
  return (memory) => {
    const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    let module = compiled.get(shared);
    if (module === undefined) {
      module = WebAssembly.compile(bytesOf(shared) as Uint8Array<ArrayBuffer>);
      compiled.set(shared, module);
    }
    return module;
  };
}

/** The embedded build for `memory`: a shared memory gets the one that declares its memory shared. */
export const kernelModuleFor = kernelModules((shared) =>
  decodeBase64(shared ? KERNELS_SHARED_WASM_BASE64 : KERNELS_WASM_BASE64)
);

/** The kernels over `memory`. */
export async function instantiateKernels(memory: WebAssembly.Memory): Promise<Kernels> {
  return instantiateKernelModule(await kernelModuleFor(memory), memory);
}
