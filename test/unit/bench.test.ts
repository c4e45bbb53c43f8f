/**
 * `vqgan bench` runs end to end and its --json object carries the fields that
 * bench/RESULTS.md and the issue notes quote. Timed on the tiny model at 32×32 so the
 * test is quick; the figures themselves are not asserted (timings belong to benchmarks).
 */
import '../../src/entries/install_node.js';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli.js';
import { TINY_CKPT } from '../helpers/golden.js';
import { RELEASED_CONFIGS } from '../../src/model/released_configs.js';

test('bench --json on given weights, one object per thread count', async () => {
  const r = await runCli([
    'bench',
    '--weights',
    TINY_CKPT,
    '--size',
    '32x48',
    '--repeat',
    '2',
    '--threads',
    '1,2',
    '--json',
  ]);
  assert.is(r.code, 0, r.stderr);
  const results = r.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(results.map((x) => x.threads), [1, 2]);
  for (const result of results) {
    assert.is(result.size, '32x48');
    assert.is(result.backend, 'wasm');
    assert.is(result.repeat, 2);
    for (const what of ['encode', 'decode']) {
      assert.ok(result[what].min_s > 0 && result[what].median_s >= result[what].min_s, what);
    }
    assert.ok(result.peak_gflops > 0 && result.peak_rss_mb > 0);
    const ops: { op: string; calls: number; gflops: number; }[] = result.ops;
    assert.ok(
      ops.some((o) => o.op.startsWith('conv3x3 s1') && o.gflops > 0),
      'per-op GFLOP/s for the 3×3 convolutions',
    );
    assert.ok(ops.some((o) => o.op.startsWith('codebook argmin')), 'the codebook search is timed');
  }
});

test('bench without --json: the runs alternate and a speed-up table ends the report', async () => {
  const r = await runCli(['bench', '--weights', TINY_CKPT, '--size', '32x32', '--repeat', '2', '--threads', '1,2']);
  assert.is(r.code, 0, r.stderr);
  // Alternating runs, so that a slow spell of a shared machine falls on both counts alike.
  const order = [...r.stderr.matchAll(/encode (\d)\/2, (\d) thread/g)].map((m) => `${m[1]}@${m[2]}`);
  assert.equal(order, ['1@1', '1@2', '2@1', '2@2']);
  assert.match(r.stdout, /threads +encode min \(speed-up\) +decode min \(speed-up\)\n +1 +[\d.]+ s \(1\.00×\)/);
  assert.match(r.stdout, /\n +2 +[\d.]+ s \([\d.]+×\)/);
});

test('bench rejects a bad --repeat, --size and --threads', async () => {
  let r = await runCli(['bench', '--repeat', '0']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /--repeat 0: expected a positive integer/);
  r = await runCli(['bench', '--size', '100']);
  assert.is(r.code, 1);
  assert.match(
    r.stderr,
    /--size 100x100: height and width must be positive multiples of 16, the model's downsampling factor/,
  );
  r = await runCli(['bench', '--threads', '1,0']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /--threads 1,0: expected a thread count from 1 to 256/);
});

test('bench --model: synthetic weights of a released configuration, at its factor, named in the report', async () => {
  const r = await runCli([
    'bench',
    '--model',
    'llamagen-vq16',
    '--size',
    '32x16',
    '--repeat',
    '1',
    '--threads',
    '1',
    '--json',
  ]);
  assert.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal([result.model, result.weights, result.size], [
    'llamagen-vq16',
    'synthetic llamagen-vq16 (seed 1)',
    '32x16',
  ]);
  assert.is(result.tokens.length, 2, 'a 2×1 token grid at f = 16');
  assert.ok(result.tokens.every((t: number) => Number.isInteger(t) && t >= 0 && t < 16384), String(result.tokens));
  // ldm-vq-f4-noattn downsamples by 4: 20 fits it and would not fit f16
  const f4 = await runCli([
    'bench',
    '--model',
    'ldm-vq-f4-noattn',
    '--size',
    '20',
    '--repeat',
    '1',
    '--threads',
    '1',
    '--json',
  ]);
  assert.is(f4.code, 0, f4.stderr);
  assert.is(JSON.parse(f4.stdout).tokens.length, 25, 'a 5×5 token grid at f = 4');
});

test('bench --model refuses an unknown name (naming the allowed ones), a size off its factor, and --weights', async () => {
  let r = await runCli(['bench', '--model', 'vq-nothing']);
  assert.is(r.code, 1);
  assert.match(
    r.stderr,
    /--model vq-nothing: not a released configuration; one of f16_16384, f16_1024, chameleon, llamagen-vq16/,
  );
  r = await runCli(['bench', '--model', 'gumbel-f8', '--size', '20']);
  assert.is(r.code, 1);
  assert.match(
    r.stderr,
    /--size 20x20: height and width must be positive multiples of 8, the model's downsampling factor/,
  );
  r = await runCli(['bench', '--model', 'chameleon', '--weights', TINY_CKPT]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /--model and --weights are exclusive/);
});

test('bench --help lists every released configuration --model takes', async () => {
  const r = await runCli(['bench', '--help']);
  assert.is(r.code, 0, r.stderr);
  const listed = /\(default f16_16384\):([^;]*); not with --weights/.exec(r.stdout)?.[1] ?? '';
  assert.equal(listed.split(/[\s,]+/).filter(Boolean), Object.keys(RELEASED_CONFIGS));
});

test('bench --resize --json: the resize case, each way timed', async () => {
  const r = await runCli(['bench', '--resize', '--repeat', '1', '--json']);
  assert.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.is(result.case, 'resize 4000×3000 → 341×256 (resizeAndCrop to 256)');
  assert.is(result.repeat, 1);
  for (const way of ['kernels', 'scalar', 'before', 'weights']) {
    assert.ok(result[way].min_s > 0 && result[way].median_s >= result[way].min_s, way);
  }
});

test('bench --resize refuses the model bench\'s options', async () => {
  const r = await runCli(['bench', '--resize', '--size', '256']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /--resize times the image resize alone: --size does not apply/);
});

const CORPUS_JPEG = fileURLToPath(new URL('../../../test/fixtures/jpeg/progressive_420.jpg', import.meta.url));

test('bench --image --json: decoding and resizing a JPEG, each by the kernels and the twins', async () => {
  const r = await runCli(['bench', '--image', CORPUS_JPEG, '--repeat', '1', '--json']);
  assert.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal([result.file, result.width, result.height, result.repeat], [CORPUS_JPEG, 123, 77, 1]);
  for (const way of ['decode', 'decode_scalar', 'resize', 'resize_scalar']) {
    assert.ok(result[way].min_s > 0 && result[way].median_s >= result[way].min_s, way);
  }
});

test('bench --image refuses the model bench\'s options and a missing file; --max-pixels only with --image', async () => {
  let r = await runCli(['bench', '--image', CORPUS_JPEG, '--threads', '2']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /--image times decoding and resizing alone: --threads does not apply/);
  r = await runCli(['bench', '--image', 'no_such_photo.jpg']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /no_such_photo\.jpg/);
  r = await runCli(['bench', '--max-pixels', '100']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /--max-pixels applies to --image only/);
});

test.run();
