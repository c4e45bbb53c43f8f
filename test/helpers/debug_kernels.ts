/**
 * The debug build of the kernels (asconfig.json targets debug and debug_shared, written to
 * build/ by `npm run build:kernels`, not embedded in the package): the same kernels with
 * their preconditions checked (kernels/common/checks.ts), for the kernel tests.
 */
import { readFileSync } from 'node:fs';
import { kernelModules } from '../../src/compute/wasm/kernel_binaries.js';

/** The debug build for `memory`: a shared memory gets the one that declares its memory shared. */
export const debugKernelModuleFor = kernelModules((shared) =>
  // From dist/test/helpers/ to build/.
  readFileSync(new URL(`../../../build/kernels_debug${shared ? '_shared' : ''}.wasm`, import.meta.url))
);
