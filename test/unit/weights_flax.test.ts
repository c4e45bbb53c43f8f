/**
 * Flax msgpack weights: the msgpack reader on every form of every type and on hostile
 * bytes; the two fixtures (written by test/fixtures/make_flax_msgpack.py, an independent
 * Python writer, in the layout of flax-community/vqgan_f16_16384, GroupNorm parameters
 * as (C,) and as (1, 1, 1, C)) against tiny.ckpt, tensor for tensor and through the API;
 * and bad files, each a VqganError naming the file and what is wrong.
 *
 * The fixtures sit beside tiny/config.yaml, which gives their configuration when they
 * are loaded by path, as for tiny.safetensors; a transformers-style config.json (what
 * flax-community/vqgan_f16_16384 has beside its msgpack) is tested in a folder of its own.
 */
import '../../src/entries/install_node.js';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Vqgan } from '../../src/api/vqgan.js';
import { memorySource } from '../../src/platform/byte_source.js';
import { platform } from '../../src/platform/platform.js';
import { Tensor } from '../../src/core/tensor.js';
import { readCheckpoint } from '../../src/weights/checkpoint.js';
import { readFlaxMsgpack } from '../../src/weights/flax.js';
import { loadWeights } from '../../src/weights/load.js';
import { MAX_DEPTH, decodeMsgpack, type MsgpackExt, type MsgpackValue } from '../../src/weights/msgpack.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';
import { expectError } from '../helpers/errors.js';
import { TINY, TINY_CKPT, TINY_CONFIG, TINY_FLAX, TINY_FLAX_OLD, sameBytes } from '../helpers/golden.js';
import { flaxArray, float32Bytes, packMsgpack, type Packable } from '../helpers/msgpack_writer.js';
import { uint16Bytes } from '../helpers/make_checkpoint.js';

const ckptSource = await platform().files.openFile(TINY_CKPT);
const ckpt = (await readCheckpoint(ckptSource)).tensors;
await ckptSource.close();

const read = (bytes: Uint8Array, name = 'test.msgpack') => readFlaxMsgpack(memorySource(bytes, name));
const hex = (s: string): Uint8Array =>
  Uint8Array.from(s.replace(/\s+/g, '').match(/../g) ?? [], (b) => parseInt(b, 16));

function assertSameTensors(got: Map<string, Tensor>, what: string): void {
  assert.equal([...got.keys()].sort(), [...ckpt.keys()].sort(), `${what}: keys`);
  for (const [key, t] of got) {
    const c = ckpt.get(key)!;
    assert.equal([...t.shape], [...c.shape], `${what}: ${key} shape`);
    const a = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
    const b = new Uint32Array(c.data.buffer, c.data.byteOffset, c.data.length);
    assert.ok(a.every((bits, i) => bits === b[i]), `${what}: ${key}: float32 bits differ`);
  }
}

/** The fixture as a tree of Maps (arrays stay ext values), to be altered and packed again. */
async function fixtureTree(path = TINY_FLAX): Promise<Map<string, MsgpackValue>> {
  return (await decodeMsgpack(new Uint8Array(readFileSync(path)), path)) as Map<string, MsgpackValue>;
}
function at(tree: Map<string, MsgpackValue>, path: string): Map<string, MsgpackValue> {
  let node = tree;
  for (const seg of path.split('.')) node = node.get(seg) as Map<string, MsgpackValue>;
  return node;
}
/** [shape, dtype, data] of an ext 1 array. */
async function unpackArray(ext: MsgpackValue): Promise<[number[], string, Uint8Array]> {
  return (await decodeMsgpack((ext as MsgpackExt).data)) as [number[], string, Uint8Array];
}

// ---------------------------------------------------------------------------------------
// The msgpack reader.

test('msgpack: every form of every type', async () => {
  const bytes = hex(`
    dc 0025
    05 e0 cc ff cd 1234 ce 89abcdef cf 0000000100000000 cf ffffffffffffffff
    d0 80 d1 8000 d2 80000000 d3 fffffffffffffffe
    ca 3fc00000 cb 400921fb54442d18
    c0 c2 c3
    a3 616263 d9 03 616263 da 0003 616263 db 00000003 616263
    c4 02 0102 c5 0002 0102 c6 00000002 0102
    d4 01 aa d5 02 aabb d6 03 aabbccdd d7 04 0102030405060708 d8 05 000102030405060708090a0b0c0d0e0f
    c7 03 ff 010203 c8 0001 07 09 c9 00000000 06
    92 01 02 dc 0001 01 dd 00000001 01
    81 a1 6b 01 de 0001 a1 6b 02 df 00000001 a1 6b 03`);
  const v = (await decodeMsgpack(bytes)) as MsgpackValue[];
  assert.is(v.length, 37);
  assert.equal(v.slice(0, 12), [
    5,
    -32,
    255,
    0x1234,
    0x89abcdef,
    2 ** 32,
    2n ** 64n - 1n,
    -128,
    -32768,
    -(2 ** 31),
    -2,
    1.5,
  ]);
  assert.is(v[12], Math.PI);
  assert.equal(v.slice(13, 16), [null, false, true]);
  assert.equal(v.slice(16, 20), ['abc', 'abc', 'abc', 'abc']);
  for (const b of v.slice(20, 23)) assert.equal([...(b as Uint8Array)], [1, 2]);
  const exts = v.slice(23, 31) as MsgpackExt[];
  assert.equal(exts.map((e) => e.type), [1, 2, 3, 4, 5, -1, 7, 6]);
  assert.equal(exts.map((e) => e.data.length), [1, 2, 4, 8, 16, 3, 1, 0]);
  assert.equal(v.slice(31, 34), [[1, 2], [1], [1]]);
  assert.equal(v.slice(34).map((m) => (m as Map<string, number>).get('k')), [1, 2, 3]);
  // bin payloads are views of the input, not copies.
  assert.is((v[20] as Uint8Array).buffer, bytes.buffer);
});

test('msgpack: bad bytes are BAD_FORMAT naming the byte, never a crash or a hang', async () => {
  const bad = (h: string | Uint8Array, ...parts: (string | RegExp)[]) =>
    expectError(
      () => decodeMsgpack(typeof h === 'string' ? hex(h) : h, 'x.msgpack'),
      'BAD_FORMAT',
      'x.msgpack',
      ...parts,
    );
  await bad('', 'truncated', 'at byte 0');
  await bad('cd 12', 'truncated', 'at byte 0');
  await bad('92 01', 'array of 2 entries does not fit in the 1 bytes left', 'at byte 0');
  await bad('92 cd 12', 'truncated: an int16 needs 2 bytes but only 1 are left', 'at byte 1');
  await bad('c1', 'invalid msgpack marker 0xc1', 'at byte 0');
  await bad('db ffffffff 61', 'str of 4294967295 bytes does not fit in the 1 bytes left', 'at byte 0');
  await bad('c6 ffffffff', 'bin of 4294967295 bytes', 'at byte 0');
  await bad('91 c9 fffffff0 01', 'ext type 1 of 4294967280 bytes', 'at byte 1');
  await bad('dd ffffffff 01', 'array of 4294967295 entries does not fit', 'at byte 0');
  await bad('df 7fffffff a1 61 01', 'map of 2147483647 entries does not fit', 'at byte 0');
  await bad('a2 c3 28', 'not valid UTF-8', 'at byte 0');
  await bad('82 a1 61 01 a1 61 02', 'duplicate map key "a"', 'at byte 4');
  await bad('01 02', '1 bytes left over', 'at byte 1');
  const deep = new Uint8Array(100_000).fill(0x91); // an array of an array of … : bounded, not a stack overflow
  await bad(deep, `nesting deeper than ${MAX_DEPTH} levels`);
});

// ---------------------------------------------------------------------------------------
// The fixtures.

test('both Flax fixtures hold tiny.ckpt\'s tensors, bit for bit, reporting tensor bytes', async () => {
  for (const path of [TINY_FLAX, TINY_FLAX_OLD]) {
    const src = await platform().files.openFile(path);
    const calls: [number, number][] = [];
    try {
      const { tensors, dtypes } = await readFlaxMsgpack(src, (loaded, total) => calls.push([loaded, total]));
      assertSameTensors(tensors, path);
      assert.equal([...dtypes], ['float32']);
      const total = [...tensors.values()].reduce((n, t) => n + t.data.byteLength, 0);
      assert.equal(calls[0], [0, total]);
      assert.equal(calls.at(-1), [total, total]);
      assert.ok(calls.every(([loaded], i) => i === 0 || loaded > calls[i - 1]![0]), 'progress increases');
      // Structure is read through small windows: little beyond the file itself.
      assert.ok(src.bytesRead < src.size + 2 ** 20, `read ${src.bytesRead} of ${src.size} bytes`);
      // This reader and the test writer agree with msgpack-python byte for byte.
      const bytes = new Uint8Array(readFileSync(path));
      assert.ok(sameBytes(packMsgpack(await decodeMsgpack(bytes, path)), bytes), `${path}: decoded and packed again`);
    } finally {
      await src.close();
    }
  }
});

test('loadWeights: sniffed as flax from a path or bytes; configuration from config.json beside it', async () => {
  const byPath = await loadWeights(TINY_FLAX);
  assert.is(byPath.format, 'flax');
  assert.is(byPath.configSource, `${TINY}config.yaml`);
  const bytes = new Uint8Array(readFileSync(TINY_FLAX_OLD));
  const byBytes = await loadWeights(bytes, TINY_CONFIG);
  assert.is(byBytes.format, 'flax');
  assertSameTensors(byBytes.tensors, 'bytes');

  // The config.json of a transformers VQGANConfig, as flax-community/vqgan_f16_16384 has it.
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-flax-'));
  try {
    symlinkSync(TINY_FLAX, join(dir, 'flax_model.msgpack'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify(
        {
          architectures: ['VQModel'],
          attn_resolutions: [16],
          ch: 32,
          ch_mult: [1, 1, 2, 2, 4],
          double_z: false,
          dropout: 0.0,
          embed_dim: 64,
          give_pre_end: false,
          in_channels: 3,
          n_embed: 1024,
          num_res_blocks: 2,
          num_resolutions: 5,
          out_ch: 3,
          resamp_with_conv: true,
          resolution: 256,
          transformers_version: '4.9.0.dev0',
          z_channels: 64,
        },
        null,
        2,
      ),
    );
    const beside = await loadWeights(join(dir, 'flax_model.msgpack'));
    assert.is(beside.configSource, join(dir, 'config.json'));
    assert.equal(beside.config, TINY_CONFIG);
    const vq = await Vqgan.load(join(dir, 'flax_model.msgpack'), { threads: 1 });
    assert.equal(vq.config, TINY_CONFIG);
    vq.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // A safetensors file whose header length starts with a map marker byte is still safetensors.
  for (let pad = 0; pad < 200; pad++) {
    const st = writeSafetensors(new Map([['a', new Tensor([1], Float32Array.from([1]))]]), { p: 'x'.repeat(pad) });
    if (st[0]! < 0x81 || st[0]! > 0x8f) continue;
    // Read as safetensors (its one tensor, 'a', then fits no layout), not parsed as msgpack.
    await expectError(() => loadWeights(st), 'UNSUPPORTED', '<bytes>: keys of no known layout (a: 1 tensor)');
    return;
  }
  assert.unreachable('no header length started with a fixmap byte');
});

test('a params wrapper, chunked arrays, float16 and bfloat16', async () => {
  const tree = await fixtureTree();
  assertSameTensors((await read(packMsgpack(new Map([['params', tree]])))).tensors, 'params wrapper');

  // flax's chunked form: {"__msgpack_chunked_array__": true, "shape": {"0": …}, "chunks": {"0": flat array, …}}
  const quantize = at(tree, 'quantize.embedding');
  const [shape, dtype, data] = await unpackArray(quantize.get('embedding')!);
  const cut = [0, 1000 * 4, 40_000 * 4, data.length];
  const chunks: Record<string, Packable> = {};
  for (let i = 0; i + 1 < cut.length; i++) {
    chunks[String(i)] = flaxArray([(cut[i + 1]! - cut[i]!) / 4], dtype, data.subarray(cut[i], cut[i + 1]));
  }
  quantize.set(
    'embedding',
    {
      __msgpack_chunked_array__: true,
      shape: Object.fromEntries(shape.map((d, i) => [String(i), d])),
      chunks,
    } as never,
  );
  assertSameTensors((await read(packMsgpack(tree))).tensors, 'chunked');

  const small = {
    encoder: {
      norm_out: {
        scale: flaxArray([3], 'float16', uint16Bytes([0x3c00, 0x0001, 0xfbff])),
        bias: flaxArray([1, 1, 1, 2], 'bfloat16', uint16Bytes([0x3f80, 0x4049])),
      },
      conv_in: {}, // an empty module is harmless
    },
  };
  const { tensors, dtypes } = await read(packMsgpack(small));
  assert.equal([...tensors.get('encoder.norm_out.weight')!.data], [1, 2 ** -24, -65504]);
  assert.equal([...tensors.get('encoder.norm_out.bias')!.data], [1, 3.140625]);
  assert.equal(tensors.get('encoder.norm_out.bias')!.shape, [2]);
  assert.equal([...dtypes].sort(), ['bfloat16', 'float16']);
});

// ---------------------------------------------------------------------------------------
// Bad files.

test('a truncated file is BAD_FORMAT naming the file and the byte', async () => {
  const bytes = new Uint8Array(readFileSync(TINY_FLAX));
  for (const n of [1, 9, 40, 1000, bytes.length >> 1, bytes.length - 1]) {
    await expectError(() => read(bytes.subarray(0, n), 'cut.msgpack'), 'BAD_FORMAT', 'cut.msgpack', /at byte \d+/);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-flax-'));
  try {
    const file = join(dir, 'cut.msgpack');
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    await expectError(() => Vqgan.load(file, { config: TINY_CONFIG }), 'BAD_FORMAT', file, /does not fit|truncated/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('length fields set huge are BAD_FORMAT, checked before anything is read or allocated', async () => {
  const bytes = new Uint8Array(readFileSync(TINY_FLAX));
  // The first array's data: ext 16 … [shape, "float32", bin16 LEN]; LEN → 0xffff.
  const first = bytes.indexOf(0xc5);
  assert.is(bytes[first - 8], 0xa7); // the "float32" before it
  const patched = bytes.slice();
  patched[first + 1] = 0xff;
  patched[first + 2] = 0xff;
  await expectError(
    () => read(patched, 'huge.msgpack'),
    'BAD_FORMAT',
    'huge.msgpack',
    'bin of 65535 bytes does not fit',
    `at byte ${first}`,
  );

  const ext32 = hex('81 a7 656e636f646572 c9 fffffff0 01'); // {"encoder": ext32 of 2^32 − 16 bytes}
  await expectError(
    () => read(ext32, 'huge.msgpack'),
    'BAD_FORMAT',
    'huge.msgpack',
    'ext type 1 of 4294967280 bytes does not fit',
    'at byte 9',
  );
  const map32 = hex('df ffffffff a1 61');
  await expectError(
    () => read(map32, 'huge.msgpack'),
    'BAD_FORMAT',
    'huge.msgpack',
    'map of 4294967295 entries',
    'at byte 0',
  );
  const dims = packMsgpack({
    encoder: { conv_in: { kernel: flaxArray([0xffffffff, 0xffffffff, 3, 3], 'float32', new Uint8Array(16)) } },
  });
  await expectError(
    () => read(dims, 'huge.msgpack'),
    'BAD_FORMAT',
    'huge.msgpack',
    'encoder.conv_in.kernel',
    'holds 16',
  );
});

test('an unknown key is UNEXPECTED_KEY naming it', async () => {
  const kernel = flaxArray([1, 1, 1, 1], 'float32', float32Bytes([1]));
  await expectError(
    () => read(packMsgpack({ encoder: { extra: { kernel } } }), 'k.msgpack'),
    'UNEXPECTED_KEY',
    'k.msgpack',
    'encoder.extra.kernel',
  );
  await expectError(
    () => read(packMsgpack({ encoder: { conv_in: { weight: kernel } } }), 'k.msgpack'),
    'UNEXPECTED_KEY',
    'encoder.conv_in.weight',
  );
  await expectError(() => read(packMsgpack({ step: 100 }), 'k.msgpack'), 'UNEXPECTED_KEY', 'k.msgpack', 'step');
  // PyTorch's dotted names are not Flax's.
  await expectError(
    () => read(packMsgpack({ decoder: { up: { 0: { block: {} } } } }), 'k.msgpack'),
    'UNEXPECTED_KEY',
    'decoder.up',
  );
  // A key of a tensor the model lacks: Flax up_0 is level 0, which has no upsample.
  const tree = await fixtureTree();
  at(tree, 'decoder.up_0').set('upsample', at(tree, 'decoder.up_1.upsample'));
  await expectError(
    () => Vqgan.load(packMsgpack(tree), { config: TINY_CONFIG, threads: 1 }),
    'UNEXPECTED_KEY',
    'decoder.up.0.upsample.conv.weight',
  );
  // A model key that holds no array.
  await expectError(
    () => read(packMsgpack({ encoder: { conv_in: { kernel: 'x' } } }), 'k.msgpack'),
    'BAD_FORMAT',
    'k.msgpack',
    'encoder.conv_in.kernel is a str',
  );
});

test('an unsupported dtype is UNSUPPORTED naming the key and the dtype', async () => {
  const f64 = flaxArray([3, 3, 3, 32], 'float64', new Uint8Array(3 * 3 * 3 * 32 * 8));
  await expectError(
    () => read(packMsgpack({ encoder: { conv_in: { kernel: f64 } } }), 'd.msgpack'),
    'UNSUPPORTED',
    'd.msgpack',
    'encoder.conv_in.kernel',
    'float64',
  );
  const i32 = flaxArray([1024, 64], 'int32', new Uint8Array(1024 * 64 * 4));
  await expectError(
    () => read(packMsgpack({ quantize: { embedding: { embedding: i32 } } }), 'd.msgpack'),
    'UNSUPPORTED',
    'quantize.embedding.embedding',
    'int32',
  );
});

test('wrong kernel and parameter shapes are BAD_SHAPE naming the file and the key', async () => {
  const k3 = flaxArray([3, 3, 32], 'float32', new Uint8Array(3 * 3 * 32 * 4));
  await expectError(
    () => read(packMsgpack({ encoder: { conv_in: { kernel: k3 } } }), 's.msgpack'),
    'BAD_SHAPE',
    's.msgpack',
    'encoder.conv_in.kernel',
    '[3, 3, 32]',
    '(height, width, in, out)',
  );
  const norm = flaxArray([2, 32], 'float32', new Uint8Array(2 * 32 * 4));
  await expectError(
    () => read(packMsgpack({ encoder: { norm_out: { scale: norm } } }), 's.msgpack'),
    'BAD_SHAPE',
    'encoder.norm_out.scale',
    '(1, 1, 1, C)',
  );

  // A kernel left in PyTorch's OIHW order does not fit the configuration once read as HWIO.
  const tree = await fixtureTree();
  const conv = at(tree, 'decoder.conv_in');
  const [[h, w, i, o], dtype, data] = await unpackArray(conv.get('kernel')!);
  conv.set('kernel', flaxArray([o!, i!, h!, w!], dtype, data));
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-flax-'));
  try {
    const file = join(dir, 'oihw.msgpack');
    writeFileSync(file, packMsgpack(tree));
    await expectError(
      () => Vqgan.load(file, { config: TINY_CONFIG, threads: 1 }),
      'BAD_SHAPE',
      file,
      'decoder.conv_in.weight',
      'has shape [3, 3, 128, 64]',
      'needs [128, 64, 3, 3]',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('other malformed arrays and files are BAD_FORMAT', async () => {
  const name = 'm.msgpack';
  const short = flaxArray([4], 'float32', new Uint8Array(12));
  await expectError(
    () => read(packMsgpack({ encoder: { conv_in: { bias: short } } }), name),
    'BAD_FORMAT',
    name,
    'encoder.conv_in.bias',
    'needs 16 bytes but holds 12',
  );
  const two = { type: 1, data: packMsgpack([[1], 'float32']) };
  await expectError(
    () => read(packMsgpack({ encoder: { conv_in: { bias: two } } }), name),
    'BAD_FORMAT',
    name,
    'not [shape, dtype, data]',
  );
  const trailing = { type: 1, data: new Uint8Array([...packMsgpack([[1], 'float32', float32Bytes([1])]), 0]) };
  await expectError(
    () => read(packMsgpack({ encoder: { conv_in: { bias: trailing } } }), name),
    'BAD_FORMAT',
    name,
    '1 bytes left over',
  );
  await expectError(() => read(packMsgpack([1, 2]), name), 'BAD_FORMAT', name, 'not a Flax msgpack file');
  await expectError(() => read(hex('81 01 02'), name), 'BAD_FORMAT', name, 'a map key is a int 1', 'at byte 1');
  await expectError(
    () => read(new Uint8Array([...packMsgpack({ encoder: {} }), 0xc0]), name),
    'BAD_FORMAT',
    name,
    'left over',
  );
  const bad = {
    __msgpack_chunked_array__: true,
    shape: { 0: 5 },
    chunks: { 0: flaxArray([4], 'float32', new Uint8Array(16)) },
  };
  await expectError(
    () => read(packMsgpack({ encoder: { conv_in: { bias: bad } } }), name),
    'BAD_FORMAT',
    name,
    'chunked array encoder.conv_in.bias',
    'shape [5]',
  );
  // Not a weights file at all: an array first is not sniffed as Flax.
  await expectError(
    () => loadWeights(packMsgpack([1, 2, 3, 4, 5, 6, 7, 8, 9])),
    'BAD_FORMAT',
    'not a weights file',
    'Flax .msgpack',
  );
});

test.run();
