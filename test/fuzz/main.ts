/**
 * `npm run fuzz -- [--count N] [--seed S] [--formats ckpt,png,…] [--bound-ms MS]`: the
 * long fuzz run (npm test runs a short one). Prints a table per format and every
 * failing input with the mutations that made it; exits 1 if any input did anything but
 * load or fail with a VqganError in time. A run is reproducible from its seed.
 */
import '../../src/entries/install_node.js';
import { parseArgs } from 'node:util';
import { FORMATS } from './targets.js';
import { DEFAULT_BOUND_MS, REPORT_HEADER, describeReport, runFuzz } from './runner.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    formats: { type: 'string', default: FORMATS.join(',') },
    'bound-ms': { type: 'string', default: String(DEFAULT_BOUND_MS) },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
const formats = values.formats.split(',');
for (const f of formats) {
  if (!FORMATS.includes(f)) throw new Error(`--formats: unknown format ${f} (${FORMATS.join(', ')})`);
}
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
  throw new Error('--count and --seed are integers');
}

process.stderr.write(`fuzzing ${formats.join(', ')}: ${count} inputs each, seed ${seed}\n`);
const started = performance.now();
const reports = await runFuzz(
  { seed, counts: Object.fromEntries(formats.map((f) => [f, count])), boundMs: Number(values['bound-ms']) },
  (r) => process.stderr.write(`  ${r.format}: ${r.tried} inputs, ${r.failures.length} failures\n`),
);
console.log(`seed ${seed}, ${((performance.now() - started) / 1000).toFixed(0)} s\n\n${REPORT_HEADER}`);
for (const r of reports) console.log(describeReport(r));
let failed = 0;
for (const r of reports) {
  for (const f of r.failures) {
    failed++;
    console.log(`\n${r.format} input #${f.i}: ${f.what}${f.steps ? `\n  made by: ${f.steps.join('; ')}` : ''}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
