/**
 * The short fuzz run (npm run fuzz runs a long one): a few thousand mutated inputs,
 * seeded and reproducible, across every input format — each must load or fail with a
 * VqganError, within the time bound per input, with no other error, hang or crash. A
 * failure prints the input's number and the mutations that made it.
 */
import '../../src/entries/install_node.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPORT_HEADER, describeReport, runFuzz } from '../fuzz/runner.js';
import { FORMATS } from '../fuzz/targets.js';

const SEED = 2026;
// the big fixtures' formats cost more per input
const COUNTS: Record<string, number> = {
  ckpt: 600,
  safetensors: 600,
  msgpack: 600,
  npy: 800,
  png: 800,
  jpeg: 800,
  tokens: 800,
};

test('every mutated input loads or fails with a VqganError, in time', async () => {
  assert.equal(Object.keys(COUNTS).sort(), [...FORMATS].sort(), 'every format is fuzzed');
  const reports = await runFuzz({ seed: SEED, counts: COUNTS });
  console.log(`  fuzz, seed ${SEED}:\n${REPORT_HEADER}\n${reports.map(describeReport).join('\n')}`);
  const failures = reports.flatMap((r) =>
    r.failures.map((f) => `${r.format} #${f.i}: ${f.what}${f.steps ? ` (made by: ${f.steps.join('; ')})` : ''}`)
  );
  assert.equal(failures, [], `inputs that did something else:\n${failures.join('\n')}`);
  for (const r of reports) {
    assert.is(r.tried, COUNTS[r.format], `${r.format}: every input was tried`);
    assert.ok(
      r.loaded > 0 && r.tried - r.loaded > 0,
      `${r.format}: the mutations both kept files loadable and broke them (${r.loaded} of ${r.tried} loaded)`,
    );
  }
});

test.run();
