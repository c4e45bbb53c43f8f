/**
 * The library API: every way of handing it weights gives the same model, images in
 * every pixel layout, and weights that do not fit the configuration are named.
 * Computations here are kept tiny (1×1 and 2×2 token grids) so the file runs fast.
 */
import '../../src/entries/install_node.js';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { decodeImage } from '../../src/image/decode.js';
import { onWhite } from '../../src/image/presets.js';
import { Tensor } from '../../src/core/tensor.js';
import { readSafetensors, writeSafetensors } from '../../src/weights/safetensors.js';
import { memorySource } from '../../src/platform/byte_source.js';
import { platform } from '../../src/platform/platform.js';
import { runCli } from '../helpers/cli.js';
import { expectError } from '../helpers/errors.js';
import { GOLDEN, TINY, TINY_CKPT, TINY_SAFETENSORS, sameBytes, TINY_CONFIG } from '../helpers/golden.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const grid = { height: 1, width: 2, tokens: new Int32Array([7, 1000]) };
const reference = await Vqgan.load(TINY_CKPT);
const referenceOutput = await reference.decode(grid);

test('a bad mode is refused before any weights are fetched', async () => {
  // A hub id on an endpoint nothing answers: fetched first, the error would be the download's.
  await expectError(
    () =>
      Vqgan.load('nobody/nothing', {
        mode: 'turbo' as never,
        hub: { endpoint: 'http://127.0.0.1:9', cacheDir: tmpdir() },
      }),
    'BAD_ARGUMENT',
    'mode turbo: use exact or fast',
  );
});

test('the checkpoint carries its configuration', () => {
  assert.equal(reference.config, TINY_CONFIG);
  assert.equal([...referenceOutput.shape], [1, 3, 16, 32]);
});

test('a path to safetensors takes config.yaml from beside it', async () => {
  const vq = await Vqgan.load(TINY_SAFETENSORS);
  assert.equal(vq.config, TINY_CONFIG);
  assert.ok(sameBytes((await vq.decode(grid)).data, referenceOutput.data));
});

test('bytes, ArrayBuffer and Blob give the same model', async () => {
  const ckpt = new Uint8Array(readFileSync(TINY_CKPT));
  const st = new Uint8Array(readFileSync(TINY_SAFETENSORS));
  const models = [
    await Vqgan.load(ckpt),
    await Vqgan.load(ckpt.buffer.slice(ckpt.byteOffset, ckpt.byteOffset + ckpt.byteLength)),
    await Vqgan.load(new Blob([ckpt])),
    await Vqgan.load(new Blob([st]), { config: TINY_CONFIG }),
  ];
  for (const vq of models) assert.ok(sameBytes((await vq.decode(grid)).data, referenceOutput.data));
});

test('a URL, with config.yaml fetched from beside it', async () => {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/private.ckpt') {
      res.statusCode = 403;
      res.end();
      return;
    }
    try {
      res.end(readFileSync(`${TINY}${(req.url ?? '').slice(1)}`));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const vq = await Vqgan.load(`${base}tiny.safetensors`);
    assert.equal(vq.config, TINY_CONFIG);
    assert.ok(sameBytes((await vq.decode(grid)).data, referenceOutput.data));
    // <name>.yaml first (as Chameleon's vqgan.yaml beside vqgan.ckpt), then config.yaml
    assert.equal(requests, ['/tiny.safetensors', '/tiny.yaml', '/config.yaml']);
    await expectError(() => Vqgan.load(`${base}missing.ckpt`), 'NOT_FOUND', /missing\.ckpt: HTTP 404/);
    await expectError(() => Vqgan.load(`${base}private.ckpt`), 'ACCESS_DENIED', /private\.ckpt: HTTP 403/);
  } finally {
    server.close();
  }
});

test('file errors name what went wrong: missing, not readable, not writable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-files-'));
  try {
    const { files } = platform();
    await expectError(
      () => files.readFileBytes(join(dir, 'nope.ckpt')),
      'NOT_FOUND',
      /nope\.ckpt: cannot read \(no such file\)/,
    );
    await expectError(() => files.readFileBytes(dir), 'READ_FAILED', /cannot read \(is a directory\)/);
    // A file in a missing folder cannot be written: writes never create folders.
    await expectError(
      () => files.writeFileAtomic(join(dir, 'no', 'out.png'), 'x'),
      'WRITE_FAILED',
      /out\.png: cannot write/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('safetensors bytes without a configuration take it from the tensors\' shapes', async () => {
  const vq = await Vqgan.load(new Uint8Array(readFileSync(TINY_SAFETENSORS)));
  try {
    assert.equal(vq.config, TINY_CONFIG);
  } finally {
    vq.dispose();
  }
});

test('a configuration that contradicts the shapes is refused, naming the value', async () => {
  const tensors = await tinyTensors();
  await expectError(
    () => Vqgan.load(writeSafetensors(tensors), { config: { ...TINY_CONFIG, ch_mult: [1, 2, 2, 2, 4] } }),
    'BAD_VALUE',
    /^the config option: configuration ch_mult = \[1,2,2,2,4\], but the weights' shapes say \[1,1,2,2,4\]$/,
  );
  await expectError(
    () => Vqgan.load(writeSafetensors(tensors), { config: { ...TINY_CONFIG, attn_resolutions: [] } }),
    'BAD_VALUE',
    /configuration attn_resolutions = \[\], but the weights' shapes say \[16\]/,
  );
});

async function tinyTensors(): Promise<Map<string, Tensor>> {
  return (await readSafetensors(memorySource(new Uint8Array(readFileSync(TINY_SAFETENSORS))))).tensors;
}

test('a missing model tensor is named', async () => {
  const tensors = await tinyTensors();
  tensors.delete('decoder.up.2.block.1.norm2.bias');
  await expectError(
    () => Vqgan.load(writeSafetensors(tensors), { config: TINY_CONFIG }),
    'MISSING_KEY',
    /decoder\.up\.2\.block\.1\.norm2\.bias \[64\] is missing/,
  );
});

test('an extra tensor is named; loss.* entries are ignored', async () => {
  const tensors = await tinyTensors();
  tensors.set('loss.discriminator.main.0.weight', new Tensor([2, 2]));
  await Vqgan.load(writeSafetensors(tensors), { config: TINY_CONFIG });
  tensors.set('encoder.extra.weight', new Tensor([3]));
  await expectError(
    () => Vqgan.load(writeSafetensors(tensors), { config: TINY_CONFIG }),
    'UNEXPECTED_KEY',
    /encoder\.extra\.weight \[3\] is not part of this model/,
  );
});

test('a tensor of the wrong shape is named with both shapes', async () => {
  const tensors = await tinyTensors();
  tensors.set('quant_conv.weight', new Tensor([64, 64, 3, 3]));
  await expectError(
    () => Vqgan.load(writeSafetensors(tensors), { config: TINY_CONFIG }),
    'BAD_SHAPE',
    /quant_conv\.weight has shape \[64, 64, 3, 3\] but the configuration needs \[64, 64, 1, 1\]/,
  );
});

test('RGBA images: the alpha is dropped, as Pillow\'s convert(\'RGB\') does; RGB and RGBA agree', async () => {
  const rgb = new Uint8Array(16 * 16 * 3).map((_, i) => (i * 37) % 256);
  // pixel p has alpha p: every alpha from 0 to 255, none of which may change the input
  const rgba = new Uint8Array(16 * 16 * 4).map((_, i) => (i % 4 === 3 ? i >> 2 : rgb[(i >> 2) * 3 + (i % 4)]!));
  const a = await reference.encode({ width: 16, height: 16, data: rgb }, { size: 16 });
  const b = await reference.encode({ width: 16, height: 16, data: new Uint8ClampedArray(rgba) }, { size: 16 });
  assert.equal([a.height, a.width], [1, 1]);
  assert.ok(sameBytes(a.latent.data, b.latent.data));
  assert.ok(sameBytes(a.modelInput.data, b.modelInput.data));
});

test('the chameleon preset blends RGBA on white and, without a size, takes 512×512', async () => {
  // pixel p: colour (p, 255 − p, 0), alpha p
  const rgba = new Uint8Array(16 * 16 * 4).map((_, i) => [i >> 2, 255 - (i >> 2), 0, i >> 2][i % 4]!);
  const options = { preset: 'chameleon', size: 16 } as const;
  const a = await reference.encode({ width: 16, height: 16, data: rgba }, options);
  const b = await reference.encode(onWhite(16, 16, rgba), options);
  assert.ok(sameBytes(a.modelInput.data, b.modelInput.data), 'RGBA blended on white');
  // pixel 0 (alpha 0) is white: 1 in each plane, where dropping the alpha would give R = −1
  assert.equal([0, 1, 2].map((c) => a.modelInput.data[c * 256]), [1, 1, 1]);
  const whole = await reference.encode({ width: 16, height: 16, data: rgba }, { preset: 'chameleon' });
  assert.equal([...whole.modelInput.shape], [1, 3, 512, 512]);
  assert.equal([whole.height, whole.width], [32, 32]);
});

test('any multiple of 16: 272×528 gives 17×33 tokens and decodes to 272×528', async () => {
  const vq = await Vqgan.load(TINY_CKPT, { backend: 'wasm' });
  const x = new Tensor([1, 3, 272, 528], new Float32Array(3 * 272 * 528).map((_, i) => Math.sin(i * 0.01)));
  const r = await vq.encode(x);
  assert.equal([r.height, r.width, r.tokens.length], [17, 33, 17 * 33]);
  assert.equal([...r.latent.shape], [1, 64, 17, 33]);
  assert.equal([...(await vq.decode(r)).shape], [1, 3, 272, 528]);
});

test('bad API input is named, as a rejected promise', async () => {
  await expectError(
    () => reference.encode(new Tensor([1, 3, 20, 16])),
    'BAD_SHAPE',
    /input tensor has shape \[1, 3, 20, 16\]/,
  );
  await expectError(
    () => reference.encode({ width: 4, height: 4, data: new Uint8Array(10) }),
    'BAD_SHAPE',
    /4×4 has 10 bytes/,
  );
  await expectError(
    () => reference.encode({ width: 16, height: 16, data: new Uint8Array(768) }, { size: 24 }),
    'BAD_VALUE',
    /size 24×24/,
  );
  await expectError(
    () => reference.decode({ height: 1, width: 1, tokens: new Int32Array([1024]) }),
    'BAD_VALUE',
    /token 1024 at row 0, column 0 is outside \[0, 1024\)/,
  );
  await expectError(
    () => reference.decode({ height: 2, width: 1, tokens: new Int32Array([1]) }),
    'BAD_SHAPE',
    /1 tokens do not fill a 2×1 grid/,
  );
});

/** Fractions as onProgress promises them: in (0, 1], strictly increasing, the last exactly 1. */
function assertProgress(fractions: number[], what: string): void {
  assert.ok(fractions.length >= 10, `${what}: ${fractions.length} progress calls`);
  assert.ok(
    fractions.every((f, i) => f > 0 && f <= 1 && (i === 0 || f > fractions[i - 1]!)),
    `${what}: increasing fractions in (0, 1]: ${fractions.join(', ')}`,
  );
  assert.is(fractions.at(-1), 1, `${what}: the last call is 1`);
}

test('encode and decode report increasing fractions of the work, ending at 1; the bytes are the same', async () => {
  const image = { width: 40, height: 48, data: new Uint8Array(40 * 48 * 3).map((_, i) => (i * 29) % 256) };
  const fractions = { encode: [] as number[], decode: [] as number[], decodeImage: [] as number[] };
  const plain = await reference.encode(image, { size: 32 });
  const tracked = await reference.encode(image, { size: 32, onProgress: (f) => fractions.encode.push(f) });
  assertProgress(fractions.encode, 'encode');
  assert.equal([...tracked.tokens], [...plain.tokens]);
  assert.ok(sameBytes(tracked.latent.data, plain.latent.data));
  assert.ok(
    sameBytes(
      (await reference.decode(plain, { onProgress: (f) => fractions.decode.push(f) })).data,
      (await reference.decode(plain)).data,
    ),
  );
  assertProgress(fractions.decode, 'decode');
  const picture = await reference.decodeImage(plain, { onProgress: (f) => fractions.decodeImage.push(f) });
  assert.equal(fractions.decodeImage, fractions.decode, 'decodeImage reports as decode does');
  assert.ok(sameBytes(picture.data, (await reference.decodeImage(plain)).data));
  // The fractions count FLOP from shapes alone: the scalar backend reports the same ones.
  const scalar = await Vqgan.load(TINY_CKPT, { backend: 'reference' });
  const scalarFractions: number[] = [];
  await scalar.encode(image, { size: 32, onProgress: (f) => scalarFractions.push(f) });
  assert.equal(scalarFractions, fractions.encode);
});

/** Load progress as LoadProgress promises it: loaded never falls, never passes total, and ends equal to it. */
function assertLoadProgress(calls: [number, number | undefined][], total: number | undefined, what: string): void {
  assert.ok(calls.length >= 2, `${what}: ${calls.length} progress calls`);
  assert.ok(
    calls.every(([loaded, t], i) => (i === 0 || loaded >= calls[i - 1]![0]) && (t === undefined || loaded <= t)),
    `${what}: ${JSON.stringify(calls)}`,
  );
  assert.ok(calls.slice(0, -1).every(([, t]) => t === total), `${what}: total ${total} throughout`);
  const [loaded, last] = calls.at(-1)!;
  assert.ok(loaded > 0 && loaded === last, `${what}: ends with loaded === total (${loaded}, ${last})`);
}

test('load reports the tensor bytes read from a path, bytes or a Blob, of the total they need', async () => {
  const tensorBytes = [...(await tinyTensors()).values()].reduce((sum, t) => sum + t.size * 4, 0);
  const ckpt = new Uint8Array(readFileSync(TINY_CKPT));
  for (
    const [what, weights, config] of [
      ['ckpt path', TINY_CKPT, undefined],
      ['safetensors path', TINY_SAFETENSORS, undefined],
      ['ckpt Blob', new Blob([ckpt]), undefined],
      ['safetensors bytes', new Uint8Array(readFileSync(TINY_SAFETENSORS)), TINY_CONFIG],
    ] as const
  ) {
    const calls: [number, number | undefined][] = [];
    const vq = await Vqgan.load(weights, { config, onProgress: (loaded, total) => calls.push([loaded, total]) });
    assertLoadProgress(calls, tensorBytes, what);
    assert.ok(sameBytes((await vq.decode(grid)).data, referenceOutput.data), `${what}: same model`);
  }
});

test('load reports a URL\'s download, of its Content-Length or, without one, of what arrived', async () => {
  const body = readFileSync(TINY_CKPT);
  const server: Server = createServer((req, res) => {
    if (req.url === '/chunked.ckpt') {
      // write() before end() makes Node send the body chunked, with no Content-Length.
      res.write(body.subarray(0, 100_000));
      res.end(body.subarray(100_000));
    } else {
      res.setHeader('Content-Length', body.length);
      res.end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (const [name, total] of [['sized.ckpt', body.length], ['chunked.ckpt', undefined]] as const) {
      const calls: [number, number | undefined][] = [];
      const vq = await Vqgan.load(`${base}${name}`, { onProgress: (loaded, t) => calls.push([loaded, t]) });
      assertLoadProgress(calls, total, name);
      assert.is(calls.at(-1)![0], body.length, `${name}: every byte counted`);
      assert.ok(sameBytes((await vq.decode(grid)).data, referenceOutput.data), `${name}: same model`);
    }
  } finally {
    server.close();
  }
});

test('vqgan reconstruct equals encode then decode through the API', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-api-'));
  try {
    const png = `${GOLDEN}stormy_256x256.png`;
    const r = await runCli([
      'reconstruct',
      png,
      '--weights',
      TINY_CKPT,
      '--size',
      '32x48',
      '--out',
      join(dir, 'r.png'),
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote .*r\.png \(48×32 PNG\)/);
    const encoded = await reference.encode(decodeImage(new Uint8Array(readFileSync(png)), png), { size: [32, 48] });
    const expected = await reference.decodeImage(encoded);
    assert.ok(sameBytes(decodeImage(new Uint8Array(readFileSync(join(dir, 'r.png'))), 'r.png').data, expected.data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
