/**
 * fixtureOutputs (test/runtime/fixture_outputs.ts) in Node, computed once per thread
 * count in a test run: threads.test.ts and runtimes.test.ts both need the 2-thread one.
 */
import { readFileSync } from 'node:fs';
import { fixtureOutputs, type FixtureOutputs } from '../runtime/fixture_outputs.js';
import { TINY } from './golden.js';

const computed = new Map<number, Promise<FixtureOutputs>>();

export function nodeFixtureOutputs(threads: number): Promise<FixtureOutputs> {
  let outputs = computed.get(threads);
  if (outputs === undefined) {
    outputs = fixtureOutputs(async (path) => new Uint8Array(readFileSync(`${TINY}${path}`)), threads, 'node');
    computed.set(threads, outputs);
  }
  return outputs;
}
