/**
 * The fast mode (Winograd 3×3 convolutions) on every golden case: the WebAssembly backend
 * through the API against PyTorch's outputs within the fast mode's bounds (latent 2e-4,
 * decoded 2e-3, tokens equal wherever PyTorch's margin is at least 1e-3), the measured
 * figures printed; and the scalar reference backend in fast mode (through the CLI, on the
 * .ckpt, in a child process running beside the API) against the API bit for bit on one
 * encode and one decode. Threads and runtimes: threads.test.ts and runtimes.test.ts.
 */
import '../../src/entries/install_node.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { parseNpy } from '../../src/io/npy.js';
import { parseTokenFile } from '../../src/io/token_file.js';
import { Tensor } from '../../src/core/tensor.js';
import { runCli } from '../helpers/cli.js';
import {
  CASES,
  FAST_TOLERANCE,
  GOLDEN,
  TINY_CKPT,
  TINY_SAFETENSORS,
  TOLERANCE,
  compareTokens,
  goldenArray,
  maxAbsDiff,
  sameBytes,
} from '../helpers/golden.js';

const work = mkdtempSync(join(tmpdir(), 'vqgan-fast-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

const ENCODED = 'mountain_256x256';
const DECODED = 'random_tokens_8x24';
const cliArgs = ['--weights', TINY_CKPT, '--backend', 'reference', '--mode', 'fast'];
// The scalar reference takes a while: it starts now and is awaited by the last test.
const cli = Promise.all([
  runCli([
    'encode',
    `${GOLDEN}${ENCODED}.png`,
    ...cliArgs,
    '--out',
    join(work, 'tokens.npy'),
    '--latent',
    join(work, 'latent.npy'),
  ]),
  runCli([
    'decode',
    `${GOLDEN}${DECODED}.tokens.npy`,
    ...cliArgs,
    '--out',
    join(work, 'decoded.png'),
    '--raw',
    join(work, 'decoded.npy'),
  ]),
]);

const vq = await Vqgan.load(TINY_SAFETENSORS, { mode: 'fast' });
const exact = await Vqgan.load(TINY_SAFETENSORS);
test.after(() => [vq, exact].forEach((m) => m.dispose()));

/** The API's fast-mode outputs, kept for the comparison with the CLI. */
const outputs = new Map<string, Float32Array | Int32Array>();

test('the mode is reported', () => {
  assert.is(vq.mode, 'fast');
  assert.is(exact.mode, 'exact');
});

CASES.forEach((c) => {
  test(`${c.name}: fast mode against PyTorch`, async () => {
    const [h, w] = c.tokens_hw;
    const report: string[] = [];
    if (!c.decode_only) {
      const input = goldenArray(`${c.name}.input.npy`);
      const r = await vq.encode(new Tensor(input.shape, input.data as Float32Array));
      const golden = goldenArray(`${c.name}.latent.npy`);
      const d = maxAbsDiff(r.latent.data, golden.data, golden.shape);
      assert.ok(d.max <= FAST_TOLERANCE.latent, `latent max |Δ| ${d.max} > ${FAST_TOLERANCE.latent} at ${d.where}`);
      const t = compareTokens(c.name, r.tokens, w, FAST_TOLERANCE.tokenMargin);
      assert.equal(t.failures, [], `tokens differ where the margin ≥ ${FAST_TOLERANCE.tokenMargin}`);
      // How far the fast mode is from the exact one, beside PyTorch's distance from both.
      const e = await exact.encode(new Tensor(input.shape, input.data as Float32Array));
      const fromExact = maxAbsDiff(r.latent.data, e.latent.data, golden.shape);
      report.push(
        `latent max |Δ| ${d.max.toExponential(2)} (≤ ${FAST_TOLERANCE.latent}; exact mode's bound ${TOLERANCE.latent})`,
        `from the exact mode ${fromExact.max.toExponential(2)}`,
        `tokens ${t.equal}/${t.total} equal${
          t.closeCalls.length ? `; within-margin differences: ${t.closeCalls.join('; ')}` : ''
        }`,
      );
      outputs.set(`${c.name}.tokens`, r.tokens);
      outputs.set(`${c.name}.latent`, r.latent.data);
    }
    const tokens = goldenArray(`${c.name}.tokens.npy`).data as Int32Array;
    const decoded = await vq.decode({ height: h, width: w, tokens });
    const golden = goldenArray(`${c.name}.decoded.npy`);
    const d = maxAbsDiff(decoded.data, golden.data, golden.shape);
    assert.ok(d.max <= FAST_TOLERANCE.decoded, `decoded max |Δ| ${d.max} > ${FAST_TOLERANCE.decoded} at ${d.where}`);
    report.push(`decoded max |Δ| ${d.max.toExponential(2)} (≤ ${FAST_TOLERANCE.decoded})`);
    outputs.set(`${c.name}.decoded`, decoded.data);
    console.log(`  ${c.name} (fast): ${report.join('; ')}`);
  });
});

test('the scalar reference in fast mode (CLI, .ckpt) gives the API\'s bytes (wasm, .safetensors)', async () => {
  for (const r of await cli) assert.is(r.code, 0, r.stderr);
  const npy = (file: string) => parseNpy(new Uint8Array(readFileSync(join(work, file))), file).data;
  const tokens = parseTokenFile(new Uint8Array(readFileSync(join(work, 'tokens.npy'))), 'tokens.npy').tokens;
  assert.ok(sameBytes(tokens, outputs.get(`${ENCODED}.tokens`)!), 'tokens differ');
  assert.ok(sameBytes(npy('latent.npy'), outputs.get(`${ENCODED}.latent`)!), 'latents differ');
  assert.ok(sameBytes(npy('decoded.npy'), outputs.get(`${DECODED}.decoded`)!), 'decoded images differ');
});

test.run();
