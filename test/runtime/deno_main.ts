/**
 * The fixture checks under Deno: `deno run --allow-read dist/test/runtime/deno_main.js
 * THREADS` prints fixtureOutputs() as one JSON line. Started by test/system/runtimes.test.ts.
 */
import '../../src/entries/install_node.js';
import { fixtureOutputs } from './fixture_outputs.js';

declare const Deno: { readonly args: readonly string[]; readFile(path: URL): Promise<Uint8Array>; };

const tiny = new URL('../../../test/fixtures/tiny/', import.meta.url);
const threads = Number(Deno.args[0] ?? 1);
const result = await fixtureOutputs((path) => Deno.readFile(new URL(path, tiny)), threads, 'deno');
console.log(JSON.stringify(result));
