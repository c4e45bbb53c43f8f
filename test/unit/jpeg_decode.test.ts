/**
 * The JPEG decoder against Pillow 9.4 + libjpeg-turbo 2.1 on the corpus of
 * test/fixtures/jpeg/ (made by test/fixtures/make_jpeg_corpus.py): every file's RGB equals
 * Pillow's `convert('RGB')` byte for byte, and both presets' model inputs equal the Python
 * pipeline's (SHA-256 of the float32 tensor).
 */
import '../../src/entries/install_node.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageDifference } from '../helpers/images.js';
import { VqganError } from '../../src/core/errors.js';
import { decodeImage } from '../../src/image/decode.js';
import { decodeJpeg } from '../../src/image/jpeg/decode_jpeg.js';
import { PixelKernels } from '../../src/compute/wasm/pixel_kernels.js';
import { debugKernelModuleFor } from '../helpers/debug_kernels.js';
import { preprocessImage, type PresetName } from '../../src/image/presets.js';
import type { RgbImage } from '../../src/image/rgb_image.js';

const corpus = new URL('../../../test/fixtures/jpeg/', import.meta.url);

interface Case {
  name: string;
  file: string;
  pillowError?: string;
  width?: number;
  height?: number;
  sha256?: Record<PresetName, string>;
}

const { cases } = JSON.parse(readFileSync(new URL('cases.json', corpus), 'utf8')) as { cases: Case[]; };

/** Pillow decodes arithmetic-coded JPEGs; this decoder refuses them (see decode_jpeg.ts). */
const UNSUPPORTED = new Set(['arithmetic']);

/** The scalar twins, and the kernels' debug build (which checks their preconditions). */
const PATHS = { twins: null, kernels: await PixelKernels.create(debugKernelModuleFor) } as const;

const read = (file: string): Uint8Array => new Uint8Array(readFileSync(new URL(file, corpus)));

test('the corpus covers every kind the decoder claims', () => {
  assert.ok(cases.length >= 20, `${cases.length} files`);
});

for (const c of cases) {
  if (c.pillowError !== undefined || UNSUPPORTED.has(c.name)) continue;
  test(`${c.name}: RGB equals Pillow's by the twins and by the kernels, and so do both presets' model inputs`, () => {
    const [ours, byKernels] = [PATHS.twins, PATHS.kernels].map((k) => decodeJpeg(read(c.file), c.file, 1 << 24, k)) as [
      RgbImage,
      RgbImage,
    ];
    const pillow = decodeImage(read(`${c.name}.rgb.png`), `${c.name}.rgb.png`);
    assert.equal([ours.width, ours.height], [pillow.width, pillow.height], 'size');
    const difference = imageDifference(ours, pillow);
    assert.is(difference, undefined, `${c.file}: ${difference}`);
    const kernelDifference = imageDifference(byKernels, pillow);
    assert.is(kernelDifference, undefined, `${c.file} by the kernels: ${kernelDifference}`);
    for (const preset of ['dalle-mini', 'taming'] as const) {
      const input = preprocessImage(ours, preset, 256, 256);
      const digest = createHash('sha256').update(new Uint8Array(input.data.buffer)).digest('hex');
      assert.is(digest, c.sha256![preset], `${c.file}: ${preset} model input`);
    }
  });
}

test('arithmetic-coded JPEGs are refused as UNSUPPORTED, naming the file', () => {
  try {
    decodeJpeg(read('arithmetic.jpg'), 'arithmetic.jpg', 1 << 24);
    assert.unreachable('decoded');
  } catch (err) {
    assert.instance(err, VqganError);
    assert.is((err as VqganError).code, 'UNSUPPORTED');
    assert.match((err as Error).message, /^arithmetic\.jpg: arithmetic-coded/);
  }
});

test.run();
