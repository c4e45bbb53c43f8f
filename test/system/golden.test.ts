/**
 * Every golden case, through the API (WebAssembly backend, tiny.safetensors) and the CLI
 * (mostly the scalar reference backend, tiny.ckpt) at once: both against PyTorch's outputs within
 * the fixture README's bounds, and against each other bit for bit, which shows that the
 * two backends and the two weight formats give identical bytes. The CLI runs of every
 * case start at once, two child processes at a time (the scalar backend is the slow
 * part), while the API computes case after case. The CLI runs the scalar backend on one
 * encoded case and one decode-only case, the WebAssembly backend on the rest (the
 * 512×512 case alone was half the suite's time on the scalar one); the kernels meet
 * their scalar twins bit for bit on every shape in kernels.test.ts.
 */
import '../../src/entries/install_node.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { decodeImage } from '../../src/image/decode.js';
import { tensorToImage } from '../../src/image/presets.js';
import { parseNpy } from '../../src/io/npy.js';
import { parseTokenFile, tokensToJson } from '../../src/io/token_file.js';
import { Tensor } from '../../src/core/tensor.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import {
  CASES,
  GOLDEN,
  TINY_CKPT,
  TINY_SAFETENSORS,
  TOLERANCE,
  compareTokens,
  goldenArray,
  maxAbsDiff,
  sameBytes,
  type GoldenCase,
} from '../helpers/golden.js';

const vq = await Vqgan.load(TINY_SAFETENSORS, { backend: 'wasm' });
/**
 * The CLI's backend for a case: the scalar reference for one encoded case and one
 * decode-only case; the other cases (the same ops at other sizes) on the WebAssembly
 * backend, to keep the suite's time.
 */
const REFERENCE_CASES = new Set(['mountain_256x256', 'random_tokens_8x24']);
const cliBackend = (c: GoldenCase): string[] => ['--backend', REFERENCE_CASES.has(c.name) ? 'reference' : 'wasm'];
const work = mkdtempSync(join(tmpdir(), 'vqgan-golden-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

const readNpyFile = (path: string) => parseNpy(new Uint8Array(readFileSync(path)), path);

function expectOk(step: string, r: CliResult): void {
  assert.is(r.code, 0, `${step} exited ${r.code}: ${r.stderr}`);
}

/** The CLI's encode of the case's image, on the .ckpt. */
async function cliEncode(c: GoldenCase, dir: string): Promise<void> {
  const [h, w] = c.tokens_hw;
  const args = [
    'encode',
    `${GOLDEN}${c.name}.png`,
    '--weights',
    TINY_CKPT,
    ...cliBackend(c),
    '--size',
    `${16 * h}x${16 * w}`,
    '--latent',
    join(dir, 'latent.npy'),
    '--input-out',
    join(dir, 'input.npy'),
  ];
  // One case sends its tokens to stdout as JSON, the others write .npy.
  const toStdout = c.name.startsWith('stormy');
  const r = await runCli(toStdout ? args : [...args, '--out', join(dir, 'tokens.npy')]);
  expectOk(`encode ${c.name}`, r);
  if (toStdout) writeFileSync(join(dir, 'tokens.json'), r.stdout);
}

/** The CLI's decode of PyTorch's tokens, on the .ckpt. */
async function cliDecode(c: GoldenCase, dir: string): Promise<void> {
  // Decode reads PyTorch's tokens: as .npy, or for one case as JSON.
  let tokensFile = `${GOLDEN}${c.name}.tokens.npy`;
  if (c.name === 'random_tokens_8x24') {
    tokensFile = join(dir, 'golden_tokens.json');
    writeFileSync(
      tokensFile,
      tokensToJson(parseTokenFile(new Uint8Array(readFileSync(`${GOLDEN}${c.name}.tokens.npy`)), c.name)),
    );
  }
  expectOk(
    `decode ${c.name}`,
    await runCli([
      'decode',
      tokensFile,
      '--weights',
      TINY_CKPT,
      ...cliBackend(c),
      '--out',
      join(dir, 'decoded.png'),
      '--raw',
      join(dir, 'decoded.npy'),
    ]),
  );
}

/**
 * Runs the tasks at most `lanes` at a time, the largest first (so that the last to finish
 * is a small one); one promise per task, in the given order.
 */
function inLanes(
  tasks: readonly { readonly size: number; readonly run: () => Promise<void>; }[],
  lanes: number,
): Promise<void>[] {
  const settle: { resolve: () => void; reject: (err: unknown) => void; }[] = [];
  const promises = tasks.map((_, i) => new Promise<void>((resolve, reject) => (settle[i] = { resolve, reject })));
  const order = tasks.map((_, i) => i).sort((a, b) => tasks[b]!.size - tasks[a]!.size);
  const lane = async (): Promise<void> => {
    for (let i = order.shift(); i !== undefined; i = order.shift()) {
      await tasks[i]!.run().then(settle[i]!.resolve, settle[i]!.reject);
    }
  };
  for (let l = 0; l < lanes; l++) void lane();
  promises.forEach((p) => p.catch(() => undefined)); // a failure is reported where its case awaits it
  return promises;
}

const dirs = CASES.map((c) => mkdtempSync(join(work, `${c.name}-`)));
const pixels = (c: GoldenCase): number => c.tokens_hw[0] * c.tokens_hw[1];
// Per case, its encode (when it has an image) and its decode: independent processes.
const cliTasks = CASES.map((c, i) => [
  ...(c.decode_only ? [] : [{ size: pixels(c), run: () => cliEncode(c, dirs[i]!) }]),
  { size: pixels(c), run: () => cliDecode(c, dirs[i]!) },
]);
const cliRuns = inLanes(cliTasks.flat(), 2);
const cliOf = (i: number): Promise<unknown> => {
  const first = cliTasks.slice(0, i).flat().length;
  return Promise.all(cliRuns.slice(first, first + cliTasks[i]!.length));
};

CASES.forEach((c, i) => {
  test(c.name, async () => {
    const dir = dirs[i]!;
    const [h, w] = c.tokens_hw;
    const cli = cliOf(i);
    const report: string[] = [];

    if (!c.decode_only) {
      const input = goldenArray(`${c.name}.input.npy`);
      const r = await vq.encode(new Tensor(input.shape, input.data as Float32Array));
      assert.equal([r.height, r.width], [h, w], 'token grid size');
      const golden = goldenArray(`${c.name}.latent.npy`);
      assert.equal([...r.latent.shape], golden.shape, 'latent shape');
      const d = maxAbsDiff(r.latent.data, golden.data, golden.shape);
      assert.ok(d.max <= TOLERANCE.latent, `latent max |Δ| ${d.max} > ${TOLERANCE.latent} at ${d.where}`);
      const t = compareTokens(c.name, r.tokens, w);
      assert.equal(t.failures, [], `tokens differ where the margin ≥ ${TOLERANCE.tokenMargin}`);
      report.push(
        `latent max |Δ| ${d.max.toExponential(2)} (≤ ${TOLERANCE.latent})`,
        `tokens ${t.equal}/${t.total} equal${
          t.closeCalls.length ? `; within-margin differences: ${t.closeCalls.join('; ')}` : ''
        }`,
      );

      await cli;
      const cliLatent = readNpyFile(join(dir, 'latent.npy'));
      assert.ok(
        sameBytes(cliLatent.data, r.latent.data),
        `CLI (${cliBackend(c)[1]}, .ckpt) latent ≠ API (wasm, .safetensors) latent`,
      );
      const cliInput = readNpyFile(join(dir, 'input.npy'));
      assert.ok(sameBytes(cliInput.data, input.data), 'CLI model input from the PNG ≠ golden input.npy');
      const tokensFile = c.name.startsWith('stormy') ? 'tokens.json' : 'tokens.npy';
      const cliTokens = parseTokenFile(new Uint8Array(readFileSync(join(dir, tokensFile))), tokensFile);
      assert.equal([cliTokens.height, cliTokens.width], [h, w]);
      assert.ok(sameBytes(cliTokens.tokens, r.tokens), 'CLI tokens ≠ API tokens');
    }

    const tokens = goldenArray(`${c.name}.tokens.npy`).data as Int32Array;
    const decoded = await vq.decode({ height: h, width: w, tokens });
    const golden = goldenArray(`${c.name}.decoded.npy`);
    assert.equal([...decoded.shape], golden.shape, 'decoded shape');
    const d = maxAbsDiff(decoded.data, golden.data, golden.shape);
    assert.ok(d.max <= TOLERANCE.decoded, `decoded max |Δ| ${d.max} > ${TOLERANCE.decoded} at ${d.where}`);
    report.push(`decoded max |Δ| ${d.max.toExponential(2)} (≤ ${TOLERANCE.decoded})`);

    await cli;
    assert.ok(
      sameBytes(readNpyFile(join(dir, 'decoded.npy')).data, decoded.data),
      `CLI (${cliBackend(c)[1]}, .ckpt) decoded ≠ API (wasm, .safetensors) decoded`,
    );
    const png = decodeImage(new Uint8Array(readFileSync(join(dir, 'decoded.png'))), 'decoded.png');
    assert.ok(sameBytes(png.data, tensorToImage(decoded, 'taming').data), 'CLI PNG ≠ API image');
    report.push(`${cliBackend(c)[1]} (.ckpt, CLI) = wasm (.safetensors, API) bit for bit`);
    console.log(`  ${c.name}: ${report.join('; ')}`);
  });
});

test.run();
