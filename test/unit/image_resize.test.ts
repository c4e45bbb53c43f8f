import '../../src/entries/install_node.js';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageDifference } from '../helpers/images.js';
import { VqganError } from '../../src/core/errors.js';
import { decodeImage } from '../../src/image/decode.js';
import { centreCrop, resizeAndCrop, resizePillow, type ResampleFilter } from '../../src/image/resize.js';
import { PixelKernels, preparePixelKernels } from '../../src/compute/wasm/pixel_kernels.js';
import type { RgbImage } from '../../src/image/rgb_image.js';

// Written by test/fixtures/make_resize_golden.py with Pillow (its version is in the JSON).
const dir = new URL('../../../test/fixtures/resize/', import.meta.url);
const listing = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as {
  cases: {
    input: string;
    op: 'resize' | 'resize_and_crop';
    filter: ResampleFilter;
    width: number;
    height: number;
    output: string;
  }[];
};

function load(file: string): RgbImage {
  return decodeImage(readFileSync(new URL(file, dir)), file);
}

function assertSameImage(actual: RgbImage, expected: RgbImage, label: string): void {
  assert.equal([actual.width, actual.height], [expected.width, expected.height], `${label}: size`);
  const difference = imageDifference(actual, expected);
  assert.is(difference, undefined, `${label}: ${difference}`);
}

/** The two ways of computing the passes: the WebAssembly kernels (as the API prepares them) and the scalar twins. */
const kernels = await preparePixelKernels();
const PATHS: readonly (readonly [string, PixelKernels | null])[] = [['kernels', kernels!], ['scalar', null]];

test('the pixel kernels are available here (Node has SIMD)', () => {
  assert.ok(kernels instanceof PixelKernels);
});

for (const c of listing.cases) {
  for (const [path, k] of PATHS) {
    test(`Pillow ${c.filter.toUpperCase()}, ${path}: ${c.output}`, () => {
      const input = load(c.input);
      const actual = c.op === 'resize'
        ? resizePillow(input, c.width, c.height, c.filter, k)
        : resizeAndCrop(input, c.height, c.width, k);
      assertSameImage(actual, load(c.output), `${c.output} (${path})`);
    });
  }
}

/** Seeded random pixels (xorshift32). */
function noise(width: number, height: number, seed: number): RgbImage {
  let s = seed;
  const data = new Uint8Array(width * height * 3).map(() => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s & 255;
  });
  return { width, height, data };
}

test('kernels and scalar twins give the same bytes; resizeAndCrop\'s cropped passes those of the whole resize, cropped', () => {
  // [image width, height, target height, width]: landscape and portrait shrinks (the crop
  // cuts columns or rows), upscales, one side already fitting, 1-pixel sides, odd sizes.
  const cases = [
    [400, 300, 32, 32],
    [300, 400, 32, 32],
    [401, 299, 37, 23],
    [33, 17, 64, 48],
    [17, 33, 40, 40],
    [30, 16, 16, 16],
    [16, 30, 16, 8],
    [1, 50, 7, 3],
    [50, 1, 2, 9],
    [1, 1, 5, 5],
    [64, 64, 63, 63],
    [1000, 750, 256, 256],
  ] as const;
  for (const [w, h, th, tw] of cases) {
    const img = noise(w, h, w * 7919 + h);
    const label = `${w}×${h} → ${th}×${tw}`;
    const crops = PATHS.map(([, k]) => resizeAndCrop(img, th, tw, k));
    assertSameImage(crops[0]!, crops[1]!, `${label}: resizeAndCrop, kernels against scalar`);
    // The whole resize resizeAndCrop cuts its window from (scalar).
    const r = Math.max(th / h, tw / w);
    const [nw, nh] = [Math.max(tw, Math.round(r * w)), Math.max(th, Math.round(r * h))];
    // (Math.round sends halves up, Python's round to even: these sizes have no halves.)
    assert.ok([r * w, r * h].every((x) => x % 1 !== 0.5), `${label}: a scaled side ends in .5`);
    const whole = PATHS.map(([, k]) => resizePillow(img, nw, nh, 'lanczos', k));
    assertSameImage(whole[0]!, whole[1]!, `${label}: resizePillow to ${nw}×${nh}, kernels against scalar`);
    assertSameImage(
      crops[1]!,
      centreCrop(whole[1]!, tw, th),
      `${label}: cropped passes against the whole resize, cropped`,
    );
  }
});

/** Pixel values 0, 1, 2, … so that a crop's offsets can be read off its first pixel. */
function ramp(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(i / 3) % 251;
  return { width, height, data };
}

const isBadArgument = (e: unknown): boolean => e instanceof VqganError && e.code === 'BAD_ARGUMENT';

test('centreCrop places odd margins as Python round does (halves to even)', () => {
  const img = ramp(20, 20);
  // margin 20 − w: 1 → round(0.5) = 0, 3 → round(1.5) = 2, 5 → round(2.5) = 2, 4 → 2
  for (const [w, left] of [[19, 0], [17, 2], [15, 2], [16, 2]] as const) {
    const crop = centreCrop(img, w, 20);
    assert.is(crop.data[0], left, `left offset for width ${w}`);
  }
  const tall = centreCrop(img, 20, 13); // margin 7 → round(3.5) = 4
  assert.is(tall.data[0], 4 * 20);
  assert.equal(tall.data.subarray(0, 60), img.data.subarray(4 * 60, 5 * 60));
});

test('centreCrop refuses a window larger than the image', () => {
  assert.throws(() => centreCrop(ramp(10, 10), 11, 10), isBadArgument);
});

test('resizePillow to the same size is an exact copy, whatever the filter', () => {
  const img = ramp(7, 5);
  for (const filter of ['lanczos', 'bicubic', 'box'] as const) {
    const same = resizePillow(img, 7, 5, filter);
    assert.equal(same.data, img.data, filter);
    assert.ok(same.data !== img.data, `${filter}: a new buffer`);
  }
});

test('resizeAndCrop skips resizing when one side already fits', () => {
  const img = ramp(30, 16);
  const out = resizeAndCrop(img, 16, 16); // r = 1: only the centre crop (left 7)
  assert.equal(out.data, centreCrop(img, 16, 16).data);
  assert.is(out.data[0], 7);
});

test('resizeAndCrop never ends below the target', () => {
  // 3×1000 → cover 2×2 … r·w rounds, yet each side is at least the target
  const out = resizeAndCrop(ramp(1000, 3), 2, 2);
  assert.equal([out.width, out.height], [2, 2]);
  const up = resizeAndCrop(ramp(33, 17), 256, 256); // upscale: 256/17 · 33 = 496.94 → 497
  assert.equal([up.width, up.height], [256, 256]);
});

test('resize rejects non-positive or fractional sizes', () => {
  for (const [w, h] of [[0, 5], [5, -1], [2.5, 4]] as const) {
    assert.throws(() => resizePillow(ramp(4, 4), w, h, 'lanczos'), isBadArgument);
  }
});

test.run();
