/** Timing several ways of doing one thing, fairly on a shared machine. */
import { preparePixelKernels, type PixelKernels } from '../compute/wasm/pixel_kernels.js';
import { VqganError } from '../core/errors.js';
import { timing, type Timing } from './bench.js';

/**
 * Times each way `repeat` times after one warm-up run each (compiles, grows memories), the
 * runs alternating between the ways so that a slow spell falls on all alike.
 */
export function timeAlternating<K extends string>(
  ways: Record<K, () => unknown>,
  repeat: number,
  log: (line: string) => void,
): Record<K, Timing> {
  const names = Object.keys(ways) as K[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (const name of names) ways[name]();
  for (let r = 0; r < repeat; r++) {
    for (const name of names) {
      const start = performance.now();
      ways[name]();
      const seconds = (performance.now() - start) / 1000;
      times[name].push(seconds);
      log(`  ${name} ${r + 1}/${repeat}: ${(1000 * seconds).toFixed(1)} ms`);
    }
  }
  return Object.fromEntries(names.map((name) => [name, timing(times[name])])) as Record<K, Timing>;
}

/** "min … ms  median … ms", aligned. */
export function formatMs(t: Timing): string {
  return `min ${(1000 * t.min_s).toFixed(1).padStart(7)} ms  median ${(1000 * t.median_s).toFixed(1).padStart(7)} ms`;
}

/** The pixel kernels, which the image benches compare with their twins; refused without SIMD. */
export async function benchPixelKernels(): Promise<PixelKernels> {
  const kernels = await preparePixelKernels();
  if (kernels === undefined) {
    throw new VqganError('UNSUPPORTED', 'no pixel kernels here: this runtime has no WebAssembly SIMD');
  }
  return kernels;
}
