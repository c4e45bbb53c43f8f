import '../../src/entries/install_node.js';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VqganError, type VqganErrorCode } from '../../src/core/errors.js';
import { parseNpy, writeNpy } from '../../src/io/npy.js';
import { GOLDEN } from '../helpers/golden.js';

function expectError(fn: () => unknown, code: VqganErrorCode, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    if (!(err instanceof VqganError)) throw err;
    assert.is(err.code, code, err.message);
    for (const p of parts) {
      assert.ok(err.message.includes(p), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(p)}`);
    }
    return true;
  });
}

/** A .npy file with a hand-written header (padded to 64 bytes) and raw data. */
function npyFile(header: string, data: Uint8Array, version: 1 | 2 | 3 = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const padded = header + ' '.repeat(63 - ((prefix + header.length) % 64)) + '\n';
  const out = new Uint8Array(prefix + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, padded.length, true);
  else dv.setUint32(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), prefix);
  out.set(data, prefix + padded.length);
  return out;
}

const golden = (file: string): Uint8Array => new Uint8Array(readFileSync(`${GOLDEN}${file}`));

test('golden .npy files: float32 images and int32 token grids, rewritten byte for byte', () => {
  for (
    const [file, dtype, shape] of [
      ['mountain_256x256.input.npy', 'float32', [1, 3, 256, 256]],
      ['sunset_and_ocean_256x384.decoded.npy', 'float32', [1, 3, 256, 384]],
      ['mountain_256x256.latent.npy', 'float32', [1, 64, 16, 16]],
      ['mountain_256x256.tokens.npy', 'int32', [16, 16]],
      ['random_tokens_8x24.tokens.npy', 'int32', [8, 24]],
    ] as const
  ) {
    const bytes = golden(file);
    const npy = parseNpy(bytes, file);
    assert.is(npy.dtype, dtype, file);
    assert.equal(npy.shape, shape, file);
    assert.ok(npy.data instanceof (dtype === 'float32' ? Float32Array : Int32Array), file);
    // writeNpy lays out the header exactly as numpy does, so the files come back identical.
    assert.equal(writeNpy(dtype, npy.shape, npy.data as Float32Array | Int32Array), bytes, `${file} rewritten`);
  }
  const input = parseNpy(golden('mountain_256x256.input.npy'), 'input').data as Float32Array;
  assert.ok(input.every((v) => v >= -1 && v <= 1));
  const tokens = parseNpy(golden('mountain_256x256.tokens.npy'), 'tokens').data as Int32Array;
  assert.ok(tokens.every((t) => t >= 0 && t < 1024));
});

test('writeNpy → parseNpy round trips, including 0-d and 1-d shapes and unaligned input', () => {
  const cases: ['float32' | 'int32', number[], Float32Array | Int32Array][] = [
    ['float32', [2, 3], Float32Array.from([1, -2, 3.5, NaN, Infinity, -0])],
    ['int32', [5], Int32Array.from([0, -1, 2 ** 31 - 1, -(2 ** 31), 7])],
    ['float32', [], Float32Array.from([0.25])],
    ['int32', [0, 4], new Int32Array(0)],
  ];
  for (const [dtype, shape, data] of cases) {
    const bytes = writeNpy(dtype, shape, data);
    assert.is((bytes[8]! | (bytes[9]! << 8)) + 10 & 63, 0, 'data starts on a 64-byte boundary');
    // Read from an odd offset: the typed array must still come out aligned.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const back = parseNpy(shifted, 'roundtrip.npy');
    assert.is(back.dtype, dtype);
    assert.equal(back.shape, shape);
    assert.equal(new Uint8Array(back.data.buffer), new Uint8Array(data.buffer));
  }
  assert.throws(() => writeNpy('int32', [2, 2], Int32Array.from([1, 2, 3])), /needs 4 values/);
  assert.throws(() => writeNpy('int32', [2], Float32Array.from([1, 2])), /Int32Array/);
});

test('other little-endian dtypes and header versions 2.0 and 3.0 are read', () => {
  const i64 = parseNpy(
    npyFile(
      '{\'descr\': \'<i8\', \'fortran_order\': False, \'shape\': (2,), }',
      new Uint8Array(new BigInt64Array([5n, -6n]).buffer),
      2,
    ),
    'i64.npy',
  );
  assert.is(i64.dtype, 'int64');
  assert.equal([...(i64.data as BigInt64Array)], [5n, -6n]);
  const u8 = parseNpy(
    npyFile('{\'descr\': \'|u1\', \'fortran_order\': False, \'shape\': (1, 3), }', Uint8Array.from([1, 2, 255]), 3),
    'u8.npy',
  );
  assert.equal([u8.dtype, u8.shape, [...u8.data]], ['uint8', [1, 3], [1, 2, 255]]);
  const f8 = parseNpy(
    npyFile('{"shape": (1L,), "fortran_order": False, "descr": "<f8"}', new Uint8Array(new Float64Array([0.1]).buffer)),
    'f8.npy',
  );
  assert.equal([f8.dtype, f8.shape, [...f8.data]], ['float64', [1], [0.1]]);
});

test('unsupported layouts are UNSUPPORTED with a clear message; bad files BAD_FORMAT naming the file', () => {
  const data = new Uint8Array(8);
  expectError(
    () => parseNpy(npyFile('{\'descr\': \'>f4\', \'fortran_order\': False, \'shape\': (2,), }', data), 'be.npy'),
    'UNSUPPORTED',
    'be.npy',
    'not little-endian',
  );
  expectError(
    () => parseNpy(npyFile('{\'descr\': \'<f4\', \'fortran_order\': True, \'shape\': (2,), }', data), 'f.npy'),
    'UNSUPPORTED',
    'f.npy',
    'Fortran-order',
  );
  expectError(
    () => parseNpy(npyFile('{\'descr\': \'<c8\', \'fortran_order\': False, \'shape\': (1,), }', data), 'c.npy'),
    'UNSUPPORTED',
    'c.npy',
    '<c8',
  );
  expectError(
    () =>
      parseNpy(npyFile('{\'descr\': [(\'a\', \'<f4\')], \'fortran_order\': False, \'shape\': (2,), }', data), 's.npy'),
    'UNSUPPORTED',
    'structured',
  );
  expectError(
    () => parseNpy(npyFile('{\'descr\': \'<f4\', \'fortran_order\': False, \'shape\': (3,), }', data), 'short.npy'),
    'BAD_FORMAT',
    'short.npy',
    'needs 12 bytes',
    'has 8',
  );
  expectError(
    () => parseNpy(npyFile('{\'descr\': \'<f4\', \'fortran_order\': False, \'shape\': (1,), }', data), 'long.npy'),
    'BAD_FORMAT',
    'long.npy',
    'needs 4 bytes',
  );
  expectError(
    () => parseNpy(npyFile('{\'descr\': \'<f4\', \'shape\': (2,), }', data), 'keys.npy'),
    'BAD_FORMAT',
    'keys.npy',
    'exactly descr',
  );
  expectError(
    () => parseNpy(npyFile('{\'descr\': \'<f4\', \'fortran_order\': False, \'shape\': (2,) ', data), 'open.npy'),
    'BAD_FORMAT',
    'open.npy',
  );
  expectError(
    () => parseNpy(npyFile('{\'descr\': \'<f4\', \'fortran_order\': False, \'shape\': (-2,), }', data), 'neg.npy'),
    'BAD_FORMAT',
    'neg.npy',
    'shape',
  );
  expectError(() => parseNpy(new TextEncoder().encode('PK not numpy'), 'zip.npy'), 'BAD_FORMAT', 'zip.npy', 'magic');
  expectError(
    () => parseNpy(golden('mountain_256x256.tokens.npy').subarray(0, 60), 'cut.npy'),
    'BAD_FORMAT',
    'cut.npy',
  );
  const v9 = golden('mountain_256x256.tokens.npy').slice();
  v9[6] = 9;
  expectError(() => parseNpy(v9, 'v9.npy'), 'UNSUPPORTED', 'v9.npy', 'version 9.0');
});

test.run();
