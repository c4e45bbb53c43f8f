/**
 * The same bytes in every runtime: the fixture checks (test/runtime/fixture_outputs.ts,
 * exact and fast mode) run in Node, in Deno (the npm package `deno`) and in headless
 * Chromium, on 2 threads, and every output's SHA-256 must agree across the three.
 * Chromium also runs them on a page without cross-origin isolation, where the engine
 * falls back to one thread. Node's outputs are checked against PyTorch's in
 * golden.test.ts and fast_mode.test.ts, and across thread counts in threads.test.ts, so
 * equal digests here carry those checks to Deno and Chromium.
 */
import '../../src/entries/install_node.js';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { denoPath } from '../helpers/deno_path.js';
import { incompleteWeights } from '../helpers/incomplete_weights.js';
import { openBlankPage } from '../../demo/browser.js';
import { writeNpy } from '../../src/io/npy.js';
import type { fixtureOutputs, FixtureOutputs } from '../runtime/fixture_outputs.js';
import { nodeFixtureOutputs } from '../helpers/node_fixture_outputs.js';

const THREADS = 2;

function runDeno(threads: number): Promise<FixtureOutputs> {
  const main = fileURLToPath(new URL('../runtime/deno_main.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [denoPath(), 'run', '--allow-read', main, String(threads)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`deno exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
    });
  });
}

/** Runs fixtureOutputs in a page of the demo server; `isolated` false leaves out COOP/COEP. */
async function runChromium(threads: number, isolated: boolean): Promise<FixtureOutputs & { isolated: boolean; }> {
  const { page, errors, close } = await openBlankPage(isolated);
  try {
    const result = await page.evaluate(async ({ n, module, platformModule }) => {
      await import(platformModule); // the browser platform, as the package's entry installs it
      const { fixtureOutputs: run } = (await import(module)) as { fixtureOutputs: typeof fixtureOutputs; };
      const read = async (path: string) => {
        const response = await fetch(`/test/fixtures/tiny/${path}`);
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        return new Uint8Array(await response.arrayBuffer());
      };
      const outputs = await run(read, n, 'chromium');
      return { ...outputs, isolated: globalThis.crossOriginIsolated };
    }, {
      n: threads,
      module: '/dist/test/runtime/fixture_outputs.js',
      platformModule: '/dist/src/entries/install_web.js',
    });
    assert.equal(errors, [], 'no page errors');
    return result;
  } finally {
    await close();
  }
}

function assertSameDigests(a: FixtureOutputs, b: FixtureOutputs): void {
  const keys = Object.keys(a.digests);
  assert.ok(keys.length >= 22, `${a.runtime}: every case up to 512 tokens has digests in both modes (${keys.length})`);
  assert.equal(Object.keys(b.digests).sort(), keys.sort(), `${b.runtime} computed the same outputs as ${a.runtime}`);
  const differing = keys.filter((k) => a.digests[k] !== b.digests[k]);
  assert.equal(
    differing,
    [],
    `${b.runtime} (${b.threads} threads) differs from ${a.runtime} (${a.threads} threads) on: ${differing.join(', ')}`,
  );
}

let node: FixtureOutputs;

test.before(async () => {
  node = await nodeFixtureOutputs(THREADS);
  assert.is(node.threads, THREADS);
});

test('Deno gives the same bytes as Node', async () => {
  const deno = await runDeno(THREADS);
  assert.is(deno.runtime, 'deno');
  assert.is(deno.threads, THREADS);
  assertSameDigests(node, deno);
});

test('Deno: a CLI encode whose load fails after its workers started exits 1 at once (no hang)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-deno-'));
  try {
    const weights = join(dir, 'incomplete.safetensors');
    writeFileSync(weights, incompleteWeights());
    const input = join(dir, 'x.npy');
    writeFileSync(input, writeNpy('float32', [1, 3, 32, 32], new Float32Array(3 * 32 * 32)));
    const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const r = spawnSync(process.execPath, [
      denoPath(),
      'run',
      '-A',
      cli,
      'encode',
      input,
      '--weights',
      weights,
      '--threads',
      '2',
    ], { encoding: 'utf8', timeout: 30_000 });
    assert.is(r.signal, null, `still running after 30 s: ${r.stderr}`);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /vqgan: .*incomplete\.safetensors: model tensor encoder\.conv_in\.bias .* is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('headless Chromium gives the same bytes as Node, on threads when cross-origin isolated', async () => {
  const page = await runChromium(THREADS, true);
  assert.ok(page.isolated, 'the page is cross-origin isolated');
  assert.is(page.threads, THREADS);
  assertSameDigests(node, page);
});

test('headless Chromium without isolation falls back to one thread, same bytes', async () => {
  const page = await runChromium(THREADS, false);
  assert.not.ok(page.isolated);
  assert.is(page.threads, 1);
  assertSameDigests(node, page);
});

test.run();
