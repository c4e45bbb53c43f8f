/**
 * The 'llamagen' and 'janus' presets against their upstream recipes: the goldens in
 * test/fixtures/llamagen/ were made by make_llamagen_golden.py (LlamaGen's center_crop_arr
 * verbatim with Pillow, ToTensor + Normalize and the two output formulas in float32 numpy).
 */
import '../../src/entries/install_node.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers/cli.js';
import { assertSameFloats } from '../helpers/floats.js';
import { FIXTURES, TINY_CKPT } from '../helpers/golden.js';
import { imageDifference } from '../helpers/images.js';
import { Tensor } from '../../src/core/tensor.js';
import { decodeImage } from '../../src/image/decode.js';
import {
  imageToTensor,
  preprocessImage,
  presetSize,
  presetUsesAlpha,
  tensorToImage,
  type PresetName,
} from '../../src/image/presets.js';
import { ADM_FIT, resizeAndCrop, resizePillow, type Fit } from '../../src/image/resize.js';
import type { RgbImage } from '../../src/image/rgb_image.js';
import { parseNpy } from '../../src/io/npy.js';
import { PixelKernels, preparePixelKernels } from '../../src/compute/wasm/pixel_kernels.js';

const DIR = `${FIXTURES}llamagen/`;
const manifest = JSON.parse(readFileSync(`${DIR}manifest.json`, 'utf8')) as {
  inputs: { source: string; size: number; input: string; }[];
  default_sizes: { source: string; preset: PresetName; size: number; sha256: string; }[];
  decoded: { tensor: string; llamagen: string; janus: string; };
};
/** Both presets prepare images as LlamaGen does (Janus publishes no encoding pipeline). */
const PRESETS: readonly PresetName[] = ['llamagen', 'janus'];

const kernels = await preparePixelKernels();
const PATHS: readonly (readonly [string, PixelKernels | null])[] = [['kernels', kernels!], ['scalar', null]];

/** A fixture file (path from the repository root) as RGB. */
function source(path: string): RgbImage {
  return decodeImage(readFileSync(`${FIXTURES}../../${path}`), path);
}

function float32Npy(file: string): { shape: number[]; data: Float32Array; } {
  const npy = parseNpy(new Uint8Array(readFileSync(`${DIR}${file}`)), file);
  if (!(npy.data instanceof Float32Array)) throw new Error(`${file}: dtype ${npy.dtype}, not float32`);
  return { shape: npy.shape, data: npy.data };
}

test('the pixel kernels are available here (Node has SIMD)', () => {
  assert.ok(kernels instanceof PixelKernels);
});

for (const { source: path, size, input } of manifest.inputs) {
  const name = path.split('/').pop();
  test(`center_crop_arr + ToTensor + Normalize of ${name} at ${size}: kernels and scalar twins, bit for bit`, () => {
    const img = source(path);
    const expected = float32Npy(input);
    for (const [way, k] of PATHS) {
      const x = imageToTensor(resizeAndCrop(img, size, size, k, ADM_FIT), 'llamagen');
      assert.equal([...x.shape], expected.shape, `${input} (${way}): shape`);
      assertSameFloats(x.data, expected.data, `${input} (${way})`);
    }
    for (const preset of PRESETS) {
      assertSameFloats(preprocessImage(img, preset, size, size).data, expected.data, `${input} (${preset})`);
    }
  });
}

test('each preset\'s own size (llamagen 256, janus 384): the model input\'s sha256 is the recipe\'s', () => {
  assert.equal(PRESETS.map(presetSize), [256, 384]);
  for (const { source: path, preset, size, sha256 } of manifest.default_sizes) {
    assert.is(size, presetSize(preset));
    const x = preprocessImage(source(path), preset, size, size);
    const digest = createHash('sha256').update(new Uint8Array(x.data.buffer)).digest('hex');
    assert.is(digest, sha256, `${path} at ${size} (${preset})`);
  }
});

for (const preset of PRESETS) {
  test(`${preset} output bytes of decoded.npy equal the upstream formula's, byte for byte`, () => {
    const { shape, data } = float32Npy(manifest.decoded.tensor);
    const img = tensorToImage(new Tensor(shape, data), preset);
    const expected = decodeImage(readFileSync(`${DIR}${manifest.decoded[preset as 'llamagen' | 'janus']}`), preset);
    assert.equal([img.width, img.height], [expected.width, expected.height]);
    const difference = imageDifference(img, expected);
    assert.is(difference, undefined, difference);
  });
}

test('janus output equals chameleon\'s (clip after the arithmetic or before: the same bytes)', () => {
  const { shape, data } = float32Npy(manifest.decoded.tensor);
  const t = new Tensor(shape, data);
  const difference = imageDifference(tensorToImage(t, 'janus'), tensorToImage(t, 'chameleon'));
  assert.is(difference, undefined, difference);
});

test('llamagen and janus outputs: NaN → 0, ±Infinity clipped', () => {
  const x = [NaN, Infinity, -Infinity];
  const t = new Tensor([3, 1, 1], Float32Array.from(x));
  for (const preset of PRESETS) assert.equal([...tensorToImage(t, preset).data], [0, 255, 0], preset);
});

test('llamagen input: ToTensor + Normalize in float32 gives taming\'s values for every byte', () => {
  const data = Uint8Array.from({ length: 256 * 3 }, (_, k) => Math.floor(k / 3));
  const img: RgbImage = { width: 256, height: 1, data };
  const ours = imageToTensor(img, 'llamagen');
  for (let u = 0; u < 256; u++) {
    const f32 = Math.fround;
    assert.is(ours.data[u], f32(f32(f32(u / 255) - 0.5) / 0.5), `byte ${u}: the recipe`);
  }
  assertSameFloats(ours.data, imageToTensor(img, 'taming').data, 'llamagen against taming');
  assertSameFloats(imageToTensor(img, 'janus').data, ours.data, 'janus against llamagen');
  // Round trips: LlamaGen's + 128 gives every byte back; Janus's truncation loses a level
  // for bytes 1 to 63 (numpy on the same float32 values gives the same set).
  const back = tensorToImage(ours, 'llamagen').data;
  for (let u = 0; u < 256; u++) assert.is(back[u * 3], u, `byte ${u} back (llamagen)`);
  const janus = tensorToImage(ours, 'janus').data;
  for (let u = 0; u < 256; u++) assert.is(janus[u * 3], u >= 1 && u <= 63 ? u - 1 : u, `byte ${u} back (janus)`);
});

test('llamagen and janus drop alpha (LlamaGen and Janus open images with convert("RGB"))', () => {
  assert.ok(PRESETS.every((p) => !presetUsesAlpha(p)));
});

test('halving for a target that is not square: while both sides are at least twice the target\'s', () => {
  // 100×30 → 20 wide × 10 high: 100 ≥ 40 and 30 ≥ 20, halved to 50×15; 15 < 20 stops it.
  const data = Uint8Array.from({ length: 100 * 30 * 3 }, (_, k) => (k * 37) % 251);
  const img: RgbImage = { width: 100, height: 30, data };
  const halved = resizePillow(img, 50, 15, 'box', null);
  const noHalving: Fit = { ...ADM_FIT, halving: false };
  for (const [way, k] of PATHS) {
    const ours = resizeAndCrop(img, 10, 20, k, ADM_FIT);
    const difference = imageDifference(ours, resizeAndCrop(halved, 10, 20, null, noHalving));
    assert.is(difference, undefined, `${way}: ${difference}`);
  }
});

test('vqgan encode --preset llamagen: its model input is the recipe\'s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-llamagen-'));
  try {
    const { source: path, size, input } = manifest.inputs[0]!;
    const inputOut = join(dir, 'input.npy');
    const args = ['encode', `${FIXTURES}../../${path}`, '--weights', TINY_CKPT, '--preset', 'llamagen'];
    const r = await runCli([...args, '--size', `${size}`, '--input-out', inputOut, '--out', join(dir, 't.json')]);
    assert.is(r.code, 0, r.stderr);
    const ours = parseNpy(new Uint8Array(readFileSync(inputOut)), 'input.npy');
    const expected = float32Npy(input);
    assert.equal(ours.shape, expected.shape);
    assertSameFloats(ours.data as Float32Array, expected.data, 'CLI model input');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
