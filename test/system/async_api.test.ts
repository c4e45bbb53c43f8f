/**
 * The API never blocks its caller: the engine computes in a worker, so Node's timers fire
 * during an encode; the results are the bytes of the engine run in place; an aborted
 * request rejects with an ABORTED VqganError (name 'AbortError') and the model is
 * usable again; bad input rejects with one clear VqganError; and a process whose loads
 * failed exits by itself (Node here, Deno in runtimes.test.ts).
 */
import '../../src/entries/install_node.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { VqganError } from '../../src/core/errors.js';
import { Tensor } from '../../src/core/tensor.js';
import { expectError } from '../helpers/errors.js';
import { GOLDEN, TINY_CKPT, sameBytes } from '../helpers/golden.js';

const image = (side: number) =>
  new Tensor([1, 3, side, side], new Float32Array(3 * side * side).map((_, i) => Math.sin(i * 0.001)));
/** A 512×512 encode of the tiny model: long enough (about a second) to tick many times. */
const large = image(512);
/** 256×256: enough ops to abort part way. */
const input = image(256);

const vq = await Vqgan.load(TINY_CKPT, { threads: 2 });
const inPlace = await Vqgan.load(TINY_CKPT, { threads: 2, worker: false });

test.after(() => {
  vq.dispose();
  inPlace.dispose();
});

test('the engine runs in a worker by default; encodeSync is for a model loaded with worker: false', async () => {
  assert.ok(vq.worker);
  assert.not.ok(inPlace.worker);
  assert.is(vq.threads, 2);
  await expectError(
    async () => vq.encodeSync(input),
    'BAD_ARGUMENT',
    /encodeSync needs a model loaded with \{ worker: false \}/,
  );
});

test('a Node timer keeps ticking during an encode: at least one tick per 100 ms', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const start = performance.now();
  const r = await vq.encode(large);
  const ms = performance.now() - start;
  clearInterval(timer);
  console.log(
    `  encode 512×512 on 2 threads took ${ms.toFixed(0)} ms; the event loop ticked ${ticks} times (every ${
      (ms / Math.max(ticks, 1)).toFixed(1)
    } ms)`,
  );
  assert.ok(ticks >= ms / 100, `${ticks} ticks in ${ms.toFixed(0)} ms of encode`);
  // The same bytes as the engine on the calling thread (which blocks it: no ticks at all).
  let blockedTicks = 0;
  const blocked = setInterval(() => blockedTicks++, 10);
  const s = inPlace.encodeSync(large);
  clearInterval(blocked);
  assert.is(blockedTicks, 0, 'encodeSync blocks its thread');
  assert.equal([...r.tokens], [...s.tokens]);
  assert.ok(sameBytes(r.latent.data, s.latent.data), 'same latent bytes');
  assert.ok(sameBytes(r.modelInput.data, s.modelInput.data));
  const [d, e] = [await vq.decode(r), inPlace.decodeSync(s)];
  assert.ok(sameBytes(d.data, e.data), 'same decoded bytes');
  const [p, q] = [
    await vq.decodeImage(r, { preset: 'dalle-mini' }),
    inPlace.decodeImageSync(s, { preset: 'dalle-mini' }),
  ];
  assert.equal([p.width, p.height], [512, 512]);
  assert.ok(sameBytes(p.data, q.data), 'same pixels');
});

test('an abort in the middle of an encode rejects with AbortError; the model then gives the same bytes', async () => {
  const expected = await vq.encode(input);
  const controller = new AbortController();
  const fractions: number[] = [];
  const pending = vq.encode(input, {
    signal: controller.signal,
    onProgress: (f) => {
      fractions.push(f);
      if (fractions.length === 3) controller.abort();
    },
  });
  await expectError(() => pending, 'ABORTED', 'encoding was aborted');
  await pending.catch((err: VqganError) => assert.is(err.name, 'AbortError'));
  assert.ok(
    fractions.length >= 3 && fractions.at(-1)! < 1,
    `stopped part way: ${fractions.length} progress calls, last ${fractions.at(-1)}`,
  );
  const again = await vq.encode(input);
  assert.ok(sameBytes(again.latent.data, expected.latent.data), 'the same latent after the abort');
  // Already aborted: rejected before any work; requests queued behind it still run.
  const queued = [
    vq.encode(input, { signal: AbortSignal.abort() }),
    vq.decode(again, { signal: controller.signal }),
    vq.encode(input),
  ] as const;
  const [a, b, c] = await Promise.allSettled(queued);
  assert.is(a.status, 'rejected');
  assert.is(b.status, 'rejected');
  assert.is(c.status, 'fulfilled');
  assert.ok(sameBytes((c as PromiseFulfilledResult<{ latent: Tensor; }>).value.latent.data, expected.latent.data));
});

test('an abort in the middle of an in-place encode (from its progress callback) leaves the model usable', async () => {
  const expected = inPlace.encodeSync(input);
  const controller = new AbortController();
  await expectError(
    () => inPlace.encode(input, { signal: controller.signal, onProgress: (f) => f > 0.3 && controller.abort() }),
    'ABORTED',
  );
  assert.ok(sameBytes(inPlace.encodeSync(input).latent.data, expected.latent.data));
});

test('an aborted load rejects and leaves nothing running', async () => {
  await expectError(
    () => Vqgan.load(TINY_CKPT, { threads: 2, signal: AbortSignal.abort() }),
    'ABORTED',
    'loading the model was aborted',
  );
  const controller = new AbortController();
  const pending = Vqgan.load(TINY_CKPT, {
    threads: 2,
    signal: controller.signal,
    onProgress: () => controller.abort(),
  });
  await expectError(() => pending, 'ABORTED');
});

test('bad input through the async API: one clear VqganError each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-async-'));
  try {
    const truncated = join(dir, 'truncated.ckpt');
    writeFileSync(truncated, readFileSync(TINY_CKPT).subarray(0, 300_000));
    await expectError(() => Vqgan.load(truncated, { threads: 2 }), 'BAD_FORMAT', 'truncated.ckpt');
    const png = new Blob([readFileSync(`${GOLDEN}mountain_256x256.png`)]);
    await expectError(() => Vqgan.load(png, { threads: 2 }), 'BAD_FORMAT', 'not a weights file (it is a PNG image)');
    await expectError(() => Vqgan.load('http://127.0.0.1:9/model.ckpt'), 'NETWORK', '127.0.0.1:9/model.ckpt');
    const small = await Vqgan.load(TINY_CKPT, { threads: 2, maxPixels: 64 * 64 });
    await expectError(
      () => small.encode({ width: 16, height: 16, data: new Uint8Array(768) }, { size: 128 }),
      'TOO_LARGE',
      '128×128',
    );
    await expectError(() => small.decode({ height: 8, width: 8, tokens: new Int32Array(64) }), 'TOO_LARGE');
    small.dispose();
    await expectError(() => small.encode(input), 'BAD_ARGUMENT', 'disposed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Node process whose loads and encodes failed, and whose models were never disposed, exits by itself', () => {
  const script = fileURLToPath(new URL('../helpers/undisposed.js', import.meta.url));
  const r = spawnSync(process.execPath, [script, TINY_CKPT], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.signal, null, `killed after 60 s: it did not exit (${r.stderr})`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /MISSING_KEY.*\n.*ABORTED.*\n.*TOO_LARGE.*\nin place: 4 tokens/);
});

test.run();
