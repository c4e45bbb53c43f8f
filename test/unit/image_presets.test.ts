import '../../src/entries/install_node.js';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VqganError } from '../../src/core/errors.js';
import { decodeImage } from '../../src/image/decode.js';
import {
  imageToTensor,
  parsePreset,
  preprocessImage,
  tensorToImage,
  type PresetName,
} from '../../src/image/presets.js';
import type { RgbImage } from '../../src/image/rgb_image.js';
import { Tensor } from '../../src/core/tensor.js';
import { assertSameFloats } from '../helpers/floats.js';

const golden = new URL('../../../test/fixtures/tiny/golden/', import.meta.url);

/** Just enough of .npy for the fixtures: little-endian float32, C order. */
function readNpyFloat32(file: string): { shape: number[]; data: Float32Array; } {
  const bytes = readFileSync(new URL(file, golden));
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  assert.match(header, '\'descr\': \'<f4\'', `${file} holds float32`);
  assert.match(header, '\'fortran_order\': False', `${file} is C order`);
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(',').filter((d) => d.trim()).map(Number);
  const body = bytes.subarray(10 + headerLength);
  return { shape, data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length)) };
}

for (
  const name of ['mountain_256x256', 'stormy_256x256', 'sunset_and_ocean_256x384', 'lake_in_the_mountains_512x512']
) {
  test(`taming imageToTensor of ${name}.png equals ${name}.input.npy bit for bit`, () => {
    const img = decodeImage(readFileSync(new URL(`${name}.png`, golden)), `${name}.png`);
    const expected = readNpyFloat32(`${name}.input.npy`);
    const tensor = imageToTensor(img, 'taming');
    assert.equal([...tensor.shape], expected.shape);
    assertSameFloats(tensor.data, expected.data, name);
    // Already at the target size: preprocessing neither resizes nor crops.
    assertSameFloats(preprocessImage(img, 'taming', img.height, img.width).data, expected.data, `${name} preprocessed`);
  });
}

/** All 256 byte values in each channel, in a 16×16 image. */
function allBytes(): RgbImage {
  const data = new Uint8Array(256 * 3);
  for (let p = 0; p < 256; p++) data.set([p, 255 - p, (p * 7) % 256], p * 3);
  return { width: 16, height: 16, data };
}

test('imageToTensor writes NCHW planes with each preset formula', () => {
  const img: RgbImage = { width: 2, height: 1, data: new Uint8Array([0, 51, 255, 127, 128, 1]) };
  const taming = imageToTensor(img);
  assert.equal([...taming.shape], [1, 3, 1, 2]);
  const f = Math.fround;
  assert.equal([...taming.data], [0, 127, 51, 128, 255, 1].map((u) => f(f(u / 127.5) - 1)));
  assert.equal([taming.data[0], taming.data[4]], [-1, 1]);
  const dalle = imageToTensor(img, 'dalle-mini');
  assert.equal([...dalle.data], [0, 127, 51, 128, 255, 1].map((u) => f(u / 255)));
});

for (const preset of ['taming', 'dalle-mini'] as PresetName[]) {
  test(`${preset}: tensorToImage inverts imageToTensor for every byte`, () => {
    const img = allBytes();
    const tensor = imageToTensor(img, preset);
    assert.equal(tensorToImage(tensor, preset).data, img.data);
    const chw = new Tensor(tensor.shape.slice(1), tensor.data);
    assert.equal(tensorToImage(chw, preset), img, '[3, H, W] as well');
  });
}

function bytesOf(values: number[], preset: PresetName): number[] {
  return [...tensorToImage(new Tensor([3, 1, values.length / 3], Float32Array.from(values)), preset).data];
}

test('taming output: clip to [−1, 1], (x + 1)·127.5, halves up, NaN → 0', () => {
  const x = [-2, -1, 1, 7, NaN, Infinity, -Infinity, 0, 0.5];
  // planes R, G, B of 3 pixels: pixel p reads x[p], x[3 + p], x[6 + p]
  const out = bytesOf(x, 'taming');
  assert.equal(out, [0, 255, 0, 0, 0, 128, 255, 255, 191]);
  // x = 0 gives exactly 127.5, which rounds up; a float32 step below 127.5 rounds down
  const below = Math.fround(127.5 - 2 ** -17) / 127.5 - 1;
  assert.equal(bytesOf([0, below, Math.fround(-1 / 255)], 'taming'), [128, 127, 127]);
});

test('dalle-mini output: clip to [0, 1], x·255 truncated, NaN → 0', () => {
  const x = [-1, 0, 1, 2, NaN, Infinity, -Infinity, 0.5, 0.999];
  const out = bytesOf(x, 'dalle-mini');
  assert.equal(out, [0, 255, 0, 0, 0, 127, 255, 255, 254]);
});

test('tensorToImage rejects shapes other than [1, 3, H, W] and [3, H, W]', () => {
  for (const shape of [[2, 3, 2, 2], [1, 4, 2, 2], [3, 4], [1, 1, 3, 2, 2]]) {
    assert.throws(
      () => tensorToImage(new Tensor(shape)),
      (e: unknown) => e instanceof VqganError && e.code === 'BAD_SHAPE' && e.message.includes(`[${shape.join(', ')}]`),
      `shape [${shape}]`,
    );
  }
});

test('preprocessImage resizes to cover, crops, converts', () => {
  const img: RgbImage = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3).fill(200) };
  const t = preprocessImage(img, 'dalle-mini', 16, 32);
  assert.equal([...t.shape], [1, 3, 16, 32]);
  assert.ok(t.data.every((v) => v === Math.fround(200 / 255)), 'a flat image stays flat');
});

test('parsePreset accepts the five names and names them when refusing', () => {
  for (const name of ['taming', 'dalle-mini', 'chameleon', 'llamagen', 'janus']) assert.is(parsePreset(name), name);
  assert.throws(
    () => parsePreset('dalle'),
    (e: unknown) =>
      e instanceof VqganError
      && e.code === 'BAD_ARGUMENT'
      && e.message
        === 'unknown preset \'dalle\': use \'taming\', \'dalle-mini\', \'chameleon\', \'llamagen\' or \'janus\'',
  );
});

test.run();
