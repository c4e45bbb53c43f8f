/**
 * The 'chameleon' preset against Chameleon's own code (chameleon/inference/image_tokenizer.py):
 * the golden files in test/fixtures/family/chameleon/golden/ were made by it from
 * mountain.source.png (1280×460 RGB: resized to 1425×512, cropped at x0 = 456).
 */
import '../../src/entries/install_node.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertSameFloats } from '../helpers/floats.js';
import { imageDifference } from '../helpers/images.js';
import { Tensor } from '../../src/core/tensor.js';
import { decodeImage } from '../../src/image/decode.js';
import {
  imageToTensor,
  onWhite,
  preprocessImage,
  presetSize,
  presetUsesAlpha,
  rgbaToRgb,
  tensorToImage,
} from '../../src/image/presets.js';
import type { RgbImage } from '../../src/image/rgb_image.js';
import { parseNpy } from '../../src/io/npy.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, TINY_CKPT } from '../helpers/golden.js';

const GOLDEN = `${FIXTURES}family/chameleon/golden/`;
/** Transparent PNGs and Chameleon's preprocessing of them at 32 × 32 (make_alpha_golden.py). */
const ALPHA = `${FIXTURES}family/chameleon/alpha/`;

function float32Npy(file: string, folder = GOLDEN): { shape: number[]; data: Float32Array; } {
  const npy = parseNpy(new Uint8Array(readFileSync(`${folder}${file}`)), file);
  if (!(npy.data instanceof Float32Array)) throw new Error(`${file}: dtype ${npy.dtype}, not float32`);
  return { shape: npy.shape, data: npy.data };
}

test('chameleon preprocessing of mountain.source.png equals Chameleon\'s input, bit for bit', () => {
  const source = decodeImage(readFileSync(`${GOLDEN}mountain.source.png`), 'mountain.source.png', 2 ** 24, true);
  assert.is(source.data.length, 1280 * 460 * 3, 'an RGB file stays RGB');
  const expected = float32Npy('mountain_512x512.input.npy');
  const size = presetSize('chameleon');
  assert.is(size, 512);
  const x = preprocessImage(source, 'chameleon', size, size);
  assert.equal([...x.shape], expected.shape);
  assertSameFloats(x.data, expected.data, 'model input');
});

test('chameleon postprocessing of the decoded output equals Chameleon\'s PNG, byte for byte', () => {
  const decoded = float32Npy('mountain_512x512.decoded.npy');
  const img = tensorToImage(new Tensor(decoded.shape, decoded.data), 'chameleon');
  const expected = decodeImage(readFileSync(`${GOLDEN}mountain_512x512.decoded.png`), 'decoded.png');
  assert.equal([img.width, img.height], [expected.width, expected.height]);
  const difference = imageDifference(img, expected);
  assert.is(difference, undefined, difference);
});

const alphaCases: { name: string; mode: string; size: [number, number]; target: number; }[] = JSON.parse(
  readFileSync(`${ALPHA}manifest.json`, 'utf8'),
);
for (const { name, mode, size, target } of alphaCases) {
  test(`chameleon preprocessing of a transparent ${mode} PNG (${name}.png) equals Chameleon's, bit for bit`, () => {
    const decoded = decodeImage(readFileSync(`${ALPHA}${name}.png`), `${name}.png`, 2 ** 24, true);
    const { width, height, data } = decoded;
    assert.equal([width, height], size);
    assert.is(data.length, width * height * 4, 'decoded as RGBA');
    const x = preprocessImage(rgbaToRgb(width, height, data, 'chameleon'), 'chameleon', target, target);
    const expected = float32Npy(`${name}.input.npy`, ALPHA);
    assert.equal([...x.shape], expected.shape);
    assertSameFloats(x.data, expected.data, name);
  });
}

test('vqgan encode --preset chameleon reads a PNG\'s alpha: its model input is Chameleon\'s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vqgan-chameleon-'));
  try {
    const input = join(dir, 'input.npy');
    const args = ['encode', `${ALPHA}rgba.png`, '--weights', TINY_CKPT, '--preset', 'chameleon', '--size', '32'];
    const r = await runCli([...args, '--input-out', input, '--out', join(dir, 't.json')]);
    assert.is(r.code, 0, r.stderr);
    const ours = parseNpy(new Uint8Array(readFileSync(input)), 'input.npy');
    const expected = float32Npy('rgba.input.npy', ALPHA);
    assert.equal(ours.shape, expected.shape);
    assertSameFloats(ours.data as Float32Array, expected.data, 'CLI model input');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('chameleon output: float32 (x + 1) / 2 · 255 truncated, clipped, NaN → 0', () => {
  const x = [-2, -1, 1, 7, NaN, Infinity, -Infinity, 0, 0.5];
  const t = new Tensor([3, 1, 3], Float32Array.from(x));
  // planes R, G, B of 3 pixels: pixel p reads x[p], x[3 + p], x[6 + p]
  assert.equal([...tensorToImage(t, 'chameleon').data], [0, 255, 0, 0, 0, 127, 255, 255, 191]);
});

test('chameleon input u / 255 · 2 − 1 in float64; its own round trip loses one level for bytes 1 to 95', () => {
  const data = Uint8Array.from({ length: 256 * 3 }, (_, k) => Math.floor(k / 3));
  const img: RgbImage = { width: 256, height: 1, data };
  const x = imageToTensor(img, 'chameleon');
  for (let u = 0; u < 256; u++) assert.is(x.data[u], Math.fround((u / 255) * 2 - 1), `byte ${u}`);
  assert.equal([x.data[0], x.data[255]], [-1, 1]);
  // float32(float32(x + 1) / 2) · 255 falls just under u for these bytes, in Chameleon's code
  // as here (numpy on float32 gives the same set); truncation then loses a level.
  const back = tensorToImage(x, 'chameleon').data;
  for (let u = 0; u < 256; u++) assert.is(back[u * 3], u >= 1 && u <= 95 ? u - 1 : u, `byte ${u} back`);
});

test('chameleon blends RGBA on white: (1 − a)·255 + a·v in float64, truncated', () => {
  // alpha 0 → white; 255 → the colour; 43 (a = 43/255): v = 0 gives 211.99999999999997
  // and v = 255 gives 254.99999999999997 in float64, truncated to 211 and 254 (rounding
  // would give 212 and 255). Expected bytes: numpy on Chameleon's expression.
  const rgba = [10, 20, 30, 0, 10, 20, 30, 255, 0, 100, 255, 128, 0, 7, 255, 43];
  const rgb = onWhite(4, 1, rgba);
  assert.equal([...rgb.data], [255, 255, 255, 10, 20, 30, 127, 177, 255, 211, 213, 254]);
  assert.equal(rgbaToRgb(4, 1, rgba, 'chameleon'), rgb);
  // the other presets drop the alpha
  assert.equal([...rgbaToRgb(4, 1, rgba, 'taming').data], [10, 20, 30, 10, 20, 30, 0, 100, 255, 0, 7, 255]);
  assert.ok(presetUsesAlpha('chameleon') && !presetUsesAlpha('taming') && !presetUsesAlpha('dalle-mini'));
});

test('chameleon places its crop with a floor: a margin of 3 starts at 1 (CenterCrop: 2)', () => {
  // 5×2 to 2×2: no resize (r = 1), margin 3 → Chameleon (5 − 2) // 2 = 1; torchvision round(1.5) = 2
  const data = Uint8Array.from({ length: 5 * 2 * 3 }, (_, k) => Math.floor(k / 3) % 5);
  const img: RgbImage = { width: 5, height: 2, data };
  const columns = (preset: 'chameleon' | 'taming') => {
    const t = preprocessImage(img, preset, 2, 2);
    const back = tensorToImage(t, preset).data;
    return [back[0], back[3]];
  };
  assert.equal(columns('taming'), [2, 3]);
  // bytes 1 and 2 come back as 0 and 1 through Chameleon's float32 round trip (above)
  assert.equal(columns('chameleon'), [0, 1]);
  const x = preprocessImage(img, 'chameleon', 2, 2);
  assert.equal([x.data[0], x.data[1]], [1, 2].map((u) => Math.fround((u / 255) * 2 - 1)));
});

test.run();
