import '../../src/entries/install_node.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectError } from '../helpers/errors.js';
import { memorySource } from '../../src/platform/byte_source.js';
import { platform } from '../../src/platform/platform.js';
import { Tensor } from '../../src/core/tensor.js';
import { readCheckpoint } from '../../src/weights/checkpoint.js';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from '../../src/weights/half.js';
import { readSafetensors, writeSafetensors } from '../../src/weights/safetensors.js';
import { TINY_CKPT, TINY_SAFETENSORS } from '../helpers/golden.js';
import { uint16Bytes } from '../helpers/make_checkpoint.js';

/** A safetensors file from a header object and raw data, written by hand. */
function rawFile(header: object, data: Uint8Array, headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const read = (bytes: Uint8Array, name = 'test.safetensors') => readSafetensors(memorySource(bytes, name));

test('tiny.safetensors and tiny.ckpt hold the same keys and bit-identical float32 tensors', async () => {
  const [ckptSrc, stSrc] = [
    await platform().files.openFile(TINY_CKPT),
    await platform().files.openFile(TINY_SAFETENSORS),
  ];
  try {
    const ckpt = (await readCheckpoint(ckptSrc)).tensors;
    const st = (await readSafetensors(stSrc)).tensors;
    assert.equal([...st.keys()].sort(), [...ckpt.keys()].sort());
    for (const [key, t] of st) {
      const c = ckpt.get(key)!;
      assert.equal(c.shape, t.shape, key);
      const a = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
      const b = new Uint32Array(c.data.buffer, c.data.byteOffset, c.data.length);
      assert.ok(a.every((bits, i) => bits === b[i]), `${key}: float32 bits differ`);
    }
    // The safetensors file is nothing but model weights: it is read once, whole.
    assert.is(stSrc.bytesRead, stSrc.size);
  } finally {
    await ckptSrc.close();
    await stSrc.close();
  }
});

test('writeSafetensors round-trips; loss.* keys are skipped on reading', async () => {
  const tensors = new Map([
    ['encoder.conv_in.weight', new Tensor([2, 1, 1, 3], Float32Array.from([1, -2, 3.5, 0, -0, 1e-30]))],
    ['scalar', new Tensor([], Float32Array.from([42]))],
    ['loss.logvar', new Tensor([1], Float32Array.from([7]))],
  ]);
  const bytes = writeSafetensors(tensors, { format: 'pt', config: '{"ch": 32}' });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is(headerLength % 8, 0);
  const { tensors: back, metadata } = await read(bytes);
  assert.equal(metadata, { format: 'pt', config: '{"ch": 32}' });
  assert.equal([...back.keys()], ['encoder.conv_in.weight', 'scalar']);
  assert.equal(back.get('encoder.conv_in.weight'), tensors.get('encoder.conv_in.weight'));
  assert.equal(back.get('scalar')!.shape, []);
  assert.is((await read(writeSafetensors(new Map()))).metadata, undefined);
});

test('F16 and BF16 tensors widen to float32 exactly', async () => {
  const data = new Uint8Array([...uint16Bytes([0x3c00, 0x0001, 0xfbff]), ...uint16Bytes([0x3f80, 0x4049])]);
  const header = {
    h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
    b: { dtype: 'BF16', shape: [1, 2], data_offsets: [6, 10] },
  };
  const { tensors } = await read(rawFile(header, data));
  assert.equal([...tensors.get('h')!.data], [1, 2 ** -24, -65504]);
  assert.equal([...tensors.get('b')!.data], [1, 3.140625]);
});

test('other dtypes are UNSUPPORTED naming the key, unless the key is loss.*', async () => {
  const data = new Uint8Array(16);
  await expectError(
    () => read(rawFile({ 'quantize.embedding.weight': { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data)),
    'UNSUPPORTED',
    'quantize.embedding.weight',
    'I64',
  );
  assert.is(
    (await read(rawFile({ 'loss.steps': { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data))).tensors.size,
    0,
  );
  await expectError(
    () => read(rawFile({ w: { dtype: 'Q4', shape: [2], data_offsets: [0, 16] } }, data)),
    'UNSUPPORTED',
    'w',
    'Q4',
  );
});

test('bad headers and offsets are BAD_FORMAT naming the file and the key', async () => {
  const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
  const eight = new Uint8Array(8);
  await expectError(() => read(new Uint8Array(4), 'short.safetensors'), 'BAD_FORMAT', 'short.safetensors');
  await expectError(
    () => read(rawFile({ a: f32([2], 0, 8) }, eight, 1e9), 'huge.safetensors'),
    'BAD_FORMAT',
    'huge.safetensors',
    'header length 1000000000',
  );
  await expectError(() => read(rawFile({ a: f32([2], 0, 8) }, eight, 5)), 'BAD_FORMAT', 'not JSON');
  await expectError(() => read(rawFile({ a: f32([3], 0, 8) }, eight)), 'BAD_FORMAT', 'tensor a', 'needs 12 bytes');
  await expectError(
    () => read(rawFile({ a: f32([1], 0, 4), b: f32([2], 2, 10) }, new Uint8Array(10))),
    'BAD_FORMAT',
    'tensor b',
    'overlap',
  );
  await expectError(() => read(rawFile({ a: f32([1], 4, 8) }, eight)), 'BAD_FORMAT', 'tensor a', 'gap');
  await expectError(() => read(rawFile({ a: f32([1], 0, 4) }, eight)), 'BAD_FORMAT', 'cover 4 bytes', 'holds 8');
  await expectError(
    () => read(rawFile({ a: f32([4], 0, 16) }, eight), 'cut.safetensors'),
    'BAD_FORMAT',
    'cut.safetensors',
    'holds 8',
  );
  await expectError(
    () => read(rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, eight)),
    'BAD_FORMAT',
    'tensor a',
  );
  await expectError(() => read(rawFile({ a: { shape: [1] } }, eight)), 'BAD_FORMAT', 'tensor a');
  await expectError(() => read(rawFile({ __metadata__: { n: 1 } }, new Uint8Array(0))), 'BAD_FORMAT', '__metadata__');
  await expectError(() => read(rawFile([1, 2], new Uint8Array(0))), 'BAD_FORMAT', 'not a JSON object');
});

test('float16: every pattern widens exactly and narrows back to itself', () => {
  for (let h = 0; h < 0x10000; h++) {
    const f = float16ToFloat32(h);
    if (Number.isNaN(f)) {
      assert.ok((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0, `0x${h.toString(16)} is not a NaN pattern`);
      assert.ok(Number.isNaN(float16ToFloat32(float32ToFloat16(f))));
      continue;
    }
    const back = float32ToFloat16(f);
    if (back !== h) assert.unreachable(`0x${h.toString(16)} → ${f} → 0x${back.toString(16)}`);
  }
  assert.is(float16ToFloat32(0x3555), 0.333251953125);
  assert.is(float16ToFloat32(0x0001), 2 ** -24);
});

test('float32 → float16 and bfloat16 round to nearest, ties to even', () => {
  const cases: [number, number][] = [
    [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1 + 2^-10: even is 1
    [1 + 3 * 2 ** -11, 0x3c02], // halfway between 1 + 2^-10 and 1 + 2^-9: even is the latter
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above halfway
    [65519, 0x7bff],
    [65520, 0x7c00], // halfway to 2^16: rounds to inf
    [1e10, 0x7c00],
    [-1e10, 0xfc00],
    [2 ** -25, 0x0000], // halfway between 0 and the smallest subnormal
    [3 * 2 ** -25, 0x0002],
    [2 ** -25 + 2 ** -40, 0x0001],
    [2 ** -14 - 2 ** -25, 0x0400], // rounds up from the largest subnormal into the normals
    [1e-10, 0x0000],
    [-1e-10, 0x8000],
  ];
  for (const [value, bits] of cases) assert.is(float32ToFloat16(value), bits, `float16 of ${value}`);
  const bf: [number, number][] = [
    [1 + 2 ** -8, 0x3f80],
    [1 + 3 * 2 ** -8, 0x3f82],
    [1 + 2 ** -8 + 2 ** -20, 0x3f81],
    [3.4e38, 0x7f80],
    [-0, 0x8000],
    [Infinity, 0x7f80],
  ];
  for (const [value, bits] of bf) assert.is(float32ToBfloat16(value), bits, `bfloat16 of ${value}`);
  assert.ok(Number.isNaN(bfloat16ToFloat32(float32ToBfloat16(NaN))));
  assert.ok(Number.isNaN(float16ToFloat32(float32ToFloat16(NaN))));
  assert.is(bfloat16ToFloat32(0x4049), 3.140625);
});

test.run();
