/**
 * The debug build of the kernels (asconfig.json targets debug and debug_shared, written to
 * build/ by `npm run build:kernels`, not embedded in the package): the same kernels with
 * their preconditions checked (kernels/common/checks.ts), for the kernel tests.
 */
import { readFileSync } from 'node:fs';

const compiled = new Map<boolean, Promise<WebAssembly.Module>>();

/** The debug build for `memory`: a shared memory gets the one that declares its memory shared. */
export function debugKernelModuleFor(memory: WebAssembly.Memory): Promise<WebAssembly.Module> {
  const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
  let module = compiled.get(shared);
  if (module === undefined) {
    // From dist/test/helpers/ to build/.
    const file = new URL(`../../../build/kernels_debug${shared ? '_shared' : ''}.wasm`, import.meta.url);
    module = WebAssembly.compile(readFileSync(file));
    compiled.set(shared, module);
  }
  return module;
}
