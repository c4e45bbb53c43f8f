/**
 * vqgan-wasm as an anchors engine, the same file under Node and Deno:
 *   node|deno dist/bench/anchors/engine_wasm.js SIZE THREADS,… REPEAT exact|fast (--model NAME | --weights FILE)
 * runs `vqgan bench`'s runBench (the thread counts alternating) on the synthetic weights
 * of a released configuration or on a weights file, and prints its results as one JSON
 * line each. The browser figures call runBench in a page instead (browser_engines.ts).
 */
import '../../src/entries/install_node.js';
import { parseArgs } from 'node:util';
import type { ComputeMode } from '../../src/compute/backend.js';
import { runBench } from '../../src/bench/bench.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string' }, weights: { type: 'string' } },
});
const [size, threads, repeat, mode] = positionals;
const results = await runBench({
  size: [Number(size), Number(size)],
  repeat: Number(repeat),
  backend: 'wasm',
  mode: mode as ComputeMode,
  threads: threads!.split(',').map(Number),
  weights: values.weights,
  model: values.model,
});
for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
