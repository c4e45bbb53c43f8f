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

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The build for `memory`: a shared memory gets the one that declares its memory shared. */
export function kernelModuleFor(memory: WebAssembly.Memory): Promise<WebAssembly.Module> {
  const base64 = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer
    ? KERNELS_SHARED_WASM_BASE64 : KERNELS_WASM_BASE64;
  let module = compiled.get(base64);
  if (module === undefined) {
    module = WebAssembly.compile(decodeBase64(base64) as Uint8Array<ArrayBuffer>);
    compiled.set(base64, module);
  }
  return module;
}

/** The kernels over `memory`. */
export async function instantiateKernels(memory: WebAssembly.Memory): Promise<Kernels> {
  return instantiateKernelModule(await kernelModuleFor(memory), memory);
}
