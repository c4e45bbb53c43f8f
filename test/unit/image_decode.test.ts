import '../../src/entries/install_node.js';
import { encode as encodePngLib } from 'fast-png';
import type { ImageData } from 'fast-png';
import { encode as encodeJpegLib } from 'jpeg-js';
import { deflateSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VqganError } from '../../src/core/errors.js';
import { decodeImage } from '../../src/image/decode.js';
import { encodePng, pngChunk } from '../../src/image/encode_png.js';
import type { RgbaImage, RgbImage } from '../../src/image/rgb_image.js';
import { ihdr, pngFile } from '../helpers/png_bytes.js';

function rgbOf(img: RgbImage): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < img.data.length; i += 3) out.push([...img.data.subarray(i, i + 3)]);
  return out;
}

function decodePngOf(image: ImageData): RgbImage {
  return decodeImage(encodePngLib(image), 'test.png');
}

/** Packs 1/2/4-bit samples into rows that start on a byte, most significant bits first. */
function pack(samples: number[], width: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const height = samples.length / width;
  const out = new Uint8Array(rowBytes * height);
  samples.forEach((v, i) => {
    const bit = (i % width) * depth;
    out[Math.floor(i / width) * rowBytes + (bit >> 3)]! |= v << (8 - depth - (bit & 7));
  });
  return out;
}

/** fast-png cannot write a grey/RGB tRNS colour key: insert one right after IHDR. */
function withTrns(png: Uint8Array, key: number[]): Uint8Array {
  const data = new Uint8Array(key.length * 2);
  key.forEach((v, i) => new DataView(data.buffer).setUint16(i * 2, v));
  const ihdrEnd = 8 + 25;
  return new Uint8Array([...png.subarray(0, ihdrEnd), ...pngChunk('tRNS', data), ...png.subarray(ihdrEnd)]);
}

function assertBadFormat(fn: () => unknown, name: string, what: string, code = 'BAD_FORMAT'): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, VqganError, what);
    assert.is((err as VqganError).code, code, what);
    const message = (err as Error).message;
    assert.ok(message.startsWith(`${name}: `), `${what}: message names the file: ${message}`);
    return;
  }
  assert.unreachable(`${what}: no error`);
}

test('8-bit grey and RGB PNGs', () => {
  const grey = decodePngOf({ width: 3, height: 1, channels: 1, depth: 8, data: new Uint8Array([0, 77, 255]) });
  assert.equal(rgbOf(grey), [[0, 0, 0], [77, 77, 77], [255, 255, 255]]);
  const rgb = decodePngOf({ width: 2, height: 1, channels: 3, depth: 8, data: new Uint8Array([1, 2, 3, 250, 128, 0]) });
  assert.equal([rgb.width, rgb.height], [2, 1]);
  assert.equal(rgbOf(rgb), [[1, 2, 3], [250, 128, 0]]);
});

test('1, 2 and 4-bit grey PNGs are stretched to 0..255 (Pillow\'s 1, L;2, L;4), rows padded to a byte', () => {
  for (const depth of [1, 2, 4] as const) {
    const max = (1 << depth) - 1;
    const width = 5; // not a multiple of 8 / depth: each row ends mid-byte
    const samples = Array.from({ length: width * 3 }, (_, i) => (i * 7) % (max + 1));
    const img = decodePngOf({ width, height: 3, channels: 1, depth, data: pack(samples, width, depth) });
    assert.equal(rgbOf(img), samples.map((v) => Array(3).fill((v * 255) / max)), `depth ${depth}`);
  }
});

test('grey + alpha and RGBA PNGs: the alpha is dropped, as Pillow\'s convert(\'RGB\') does', () => {
  const ga = decodePngOf({
    width: 4,
    height: 1,
    channels: 2,
    depth: 8,
    data: new Uint8Array([0, 0, 0, 255, 100, 128, 200, 1]),
  });
  assert.equal(rgbOf(ga), [[0, 0, 0], [0, 0, 0], [100, 100, 100], [200, 200, 200]]);
  const rgba = decodePngOf({
    width: 2,
    height: 1,
    channels: 4,
    depth: 8,
    data: new Uint8Array([10, 20, 30, 255, 10, 120, 250, 64]),
  });
  assert.equal(rgbOf(rgba), [[10, 20, 30], [10, 120, 250]]);
});

test('16-bit PNGs: colour and grey + alpha keep the high byte, grey is clipped to 255 (Pillow\'s mode I)', () => {
  const values = [0, 128, 129, 255, 256, 386, 0x1280, 65278, 65535];
  const rgbData = new Uint16Array(values.flatMap((v) => [v, v, 65535 - v]));
  const rgb = decodePngOf({ width: values.length, height: 1, channels: 3, depth: 16, data: rgbData });
  assert.equal(rgbOf(rgb), values.map((v) => [v >> 8, v >> 8, (65535 - v) >> 8]));
  const grey = decodePngOf({ width: values.length, height: 1, channels: 1, depth: 16, data: new Uint16Array(values) });
  assert.equal(rgbOf(grey), values.map((v) => Array(3).fill(Math.min(v, 255))));
  const rgba = decodePngOf({
    width: 1,
    height: 1,
    channels: 4,
    depth: 16,
    data: new Uint16Array([0, 30000, 65535, 0x8000]),
  });
  assert.equal(rgbOf(rgba), [[0, 30000 >> 8, 255]]);
  const ga = decodePngOf({ width: 1, height: 1, channels: 2, depth: 16, data: new Uint16Array([1000, 0]) });
  assert.equal(rgbOf(ga), [[3, 3, 3]]);
});

test('palette PNGs, with and without tRNS alpha (dropped)', () => {
  // fast-png writes tRNS only for entries whose alpha is not 255, so they come first.
  const palette = [
    [255, 0, 0, 0],
    [0, 0, 255, 100],
    [0, 200, 0, 255],
    [10, 20, 30, 255],
  ];
  const img = decodePngOf({ width: 4, height: 1, channels: 1, depth: 8, palette, data: new Uint8Array([3, 2, 1, 0]) });
  assert.equal(rgbOf(img), [[10, 20, 30], [0, 200, 0], [0, 0, 255], [255, 0, 0]]);
  const opaque = palette.map((c) => c.slice(0, 3));
  const indices = [0, 1, 2, 3, 3, 2];
  const packed = decodePngOf({
    width: 3,
    height: 2,
    channels: 1,
    depth: 2,
    palette: opaque,
    data: pack(indices, 3, 2),
  });
  assert.equal(rgbOf(packed), indices.map((i) => opaque[i]));
});

test('a palette index past the palette is Pillow\'s grey (i, i, i)', () => {
  const png = encodePngLib({
    width: 2,
    height: 1,
    channels: 1,
    depth: 8,
    palette: [[1, 2, 3]],
    data: new Uint8Array([0, 5]),
  });
  assert.equal(rgbOf(decodeImage(png, 'indexed.png')), [[1, 2, 3], [5, 5, 5]]);
});

test('grey and RGB tRNS colour keys change nothing (Pillow\'s convert(\'RGB\') ignores them)', () => {
  const grey = encodePngLib({ width: 3, height: 1, channels: 1, depth: 8, data: new Uint8Array([7, 8, 9]) });
  assert.equal(rgbOf(decodeImage(withTrns(grey, [8]), 'key.png')), [[7, 7, 7], [8, 8, 8], [9, 9, 9]]);
  const grey4 = encodePngLib({ width: 3, height: 1, channels: 1, depth: 4, data: pack([0, 3, 15], 3, 4) });
  assert.equal(rgbOf(decodeImage(withTrns(grey4, [0]), 'key.png')), [[0, 0, 0], [51, 51, 51], [255, 255, 255]]);
  // (fast-png refuses an RGB key in images of fewer than 3 pixels.)
  const rgb = encodePngLib({
    width: 3,
    height: 1,
    channels: 3,
    depth: 8,
    data: new Uint8Array([0, 0, 0, 0, 0, 1, 1, 0, 0]),
  });
  assert.equal(rgbOf(decodeImage(withTrns(rgb, [0, 0, 1]), 'key.png')), [[0, 0, 0], [0, 0, 1], [1, 0, 0]]);
});

test('Adam7-interlaced PNG', () => {
  const width = 13;
  const height = 11;
  const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
  const png = encodePngLib({ width, height, channels: 3, depth: 8, data }, { interlace: 'Adam7' });
  const img = decodeImage(png, 'adam7.png');
  assert.equal(img.data, data);
});

test('encodePng writes what fast-png wrote before it (filter 0, zlib level 3)', () => {
  for (const [width, height] of [[1, 1], [9, 4], [40, 30]] as const) {
    const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 101) % 256);
    assert.equal(encodePng({ width, height, data }), encodePngLib({ width, height, data, channels: 3, depth: 8 }));
  }
});

test('encodePng round-trips through decodeImage', () => {
  const width = 9;
  const height = 4;
  const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 101) % 256);
  const img = decodeImage(encodePng({ width, height, data }), 'round.png');
  assert.equal([img.width, img.height], [width, height]);
  assert.equal(img.data, data);
});

/** A smooth 24×16 RGB image and its baseline JPEG at quality 95. */
function smoothJpeg(): { rgb: Uint8Array; jpeg: Uint8Array; } {
  const width = 24;
  const height = 16;
  const rgba = new Uint8Array(width * height * 4);
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const x = p % width;
    const y = Math.floor(p / width);
    const px = [40 + x * 7, 200 - y * 9, 128];
    rgba.set([...px, 255], p * 4);
    rgb.set(px, p * 3);
  }
  const jpeg = new Uint8Array(encodeJpegLib({ width, height, data: rgba }, 95).data);
  return { rgb, jpeg };
}

test('JPEG decodes to RGB close to the original', () => {
  const { rgb, jpeg } = smoothJpeg();
  const img = decodeImage(jpeg, 'smooth.jpg');
  assert.equal([img.width, img.height, img.data.length], [24, 16, rgb.length]);
  const worst = rgb.reduce((m, v, i) => Math.max(m, Math.abs(v - img.data[i]!)), 0);
  assert.ok(worst <= 6, `largest difference ${worst}`);
});

test('every truncation of a JPEG is BAD_FORMAT naming the file', () => {
  const { jpeg } = smoothJpeg();
  for (let n = 0; n < jpeg.length; n++) {
    assertBadFormat(
      () => decodeImage(jpeg.subarray(0, n), 'cut.jpg'),
      'cut.jpg',
      `JPEG cut to ${n} of ${jpeg.length} bytes`,
    );
  }
});

test('every truncation or flipped byte of a PNG is BAD_FORMAT naming the file', () => {
  const data = Uint8Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 53) % 256);
  const png = encodePng({ width: 7, height: 5, data });
  for (let n = 0; n < png.length; n++) {
    assertBadFormat(
      () => decodeImage(png.subarray(0, n), 'cut.png'),
      'cut.png',
      `PNG cut to ${n} of ${png.length} bytes`,
    );
  }
  // Past the signature every byte is covered by a chunk CRC (or is a length or CRC). A
  // flipped high byte of the width or height first trips the size limit, checked early.
  for (let at = 8; at < png.length; at++) {
    const flipped = png.slice();
    flipped[at]! ^= 0x10;
    const code = at === 16 || at === 20 ? 'TOO_LARGE' : 'BAD_FORMAT';
    assertBadFormat(() => decodeImage(flipped, 'flip.png'), 'flip.png', `PNG with byte ${at} flipped`, code);
  }
});

test('bytes that are neither PNG nor JPEG are BAD_FORMAT', () => {
  let seed = 12345;
  const noise = Uint8Array.from({ length: 200 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  for (const bytes of [noise, new Uint8Array(0), new TextEncoder().encode('GIF89a...')]) {
    assertBadFormat(() => decodeImage(bytes, 'mystery.bin'), 'mystery.bin', 'not an image');
  }
  try {
    decodeImage(noise, 'mystery.bin');
  } catch (err) {
    assert.is((err as Error).message, 'mystery.bin: not a PNG or JPEG image');
  }
});

const tooLarge = (name: string) => (e: unknown) =>
  e instanceof VqganError && e.code === 'TOO_LARGE' && e.message.startsWith(`${name}: `)
  && e.message.includes('--max-pixels');

test('a PNG header claiming more pixels than the limit is refused before decoding', () => {
  const png = encodePng({ width: 1, height: 1, data: new Uint8Array(3) });
  const view = new DataView(png.buffer, png.byteOffset);
  view.setUint32(16, 65535);
  view.setUint32(20, 65535);
  // the IHDR CRC is now wrong too: the size is refused before anything looks at it
  assert.throws(() => decodeImage(png, 'huge.png'), tooLarge('huge.png'));
  assert.throws(
    () => decodeImage(encodePng({ width: 5, height: 4, data: new Uint8Array(60) }), 'small.png', 19),
    tooLarge('small.png'),
  );
  assert.is(decodeImage(encodePng({ width: 5, height: 4, data: new Uint8Array(60) }), 'small.png', 20).width, 5);
});

test('the default limit takes a 2048×2048 image', () => {
  const side = 2048;
  const img = decodeImage(encodePng({ width: side, height: side, data: new Uint8Array(side * side * 3) }), 'big.png');
  assert.equal([img.width, img.height], [side, side]);
});

test('a JPEG frame header claiming more pixels than the limit is refused before decoding', () => {
  const { jpeg } = smoothJpeg();
  const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc0);
  const huge = jpeg.slice();
  new DataView(huge.buffer).setUint16(sof + 5, 60000);
  new DataView(huge.buffer).setUint16(sof + 7, 60000);
  assert.throws(() => decodeImage(huge, 'huge.jpg'), tooLarge('huge.jpg'));
  assert.throws(() => decodeImage(jpeg, 'photo.jpg', 100), tooLarge('photo.jpg'));
});

test('a PNG whose first chunk is not IHDR is refused', () => {
  const png = encodePng({ width: 1, height: 1, data: new Uint8Array(3) });
  png[12] = 0x58; // 'XHDR'
  assertBadFormat(() => decodeImage(png, 'odd.png'), 'odd.png', 'no IHDR chunk first');
});

/** A one-row PNG: the row's bytes (filter 0), the chunks before IDAT and after it. */
function oneRowPng(
  width: number,
  depth: number,
  colourType: number,
  row: number[],
  before: [string, number[]][],
  after: [string, number[]][] = [],
): Uint8Array {
  const chunks = (list: [string, number[]][]) => list.map(([type, data]) => [type, Uint8Array.from(data)] as const);
  return pngFile([
    ['IHDR', ihdr(width, 1, depth, colourType)],
    ...chunks(before),
    ['IDAT', deflateSync(Uint8Array.from([0, ...row]))],
    ...chunks(after),
    ['IEND', new Uint8Array(0)],
  ]);
}

function rgbaOf(img: RgbImage | RgbaImage): number[][] {
  assert.is(img.data.length, img.width * img.height * 4, 'RGBA');
  const out: number[][] = [];
  for (let i = 0; i < img.data.length; i += 4) out.push([...img.data.subarray(i, i + 4)]);
  return out;
}

const withAlpha = (png: Uint8Array) => decodeImage(png, 'alpha.png', 2 ** 24, true);

// Expected values: Pillow 9.4's Image.open(f).convert('RGBA') of the same files.
test('keepAlpha: grey + alpha and RGBA PNGs keep their alpha (the high byte at 16 bits)', () => {
  assert.equal(rgbaOf(withAlpha(oneRowPng(2, 8, 4, [9, 0, 200, 77], []))), [[9, 9, 9, 0], [200, 200, 200, 77]]);
  const ga16 = oneRowPng(2, 16, 4, [9, 1, 0, 255, 200, 170, 77, 1], []);
  assert.equal(rgbaOf(withAlpha(ga16)), [[9, 9, 9, 0], [200, 200, 200, 77]]);
  assert.equal(rgbaOf(withAlpha(oneRowPng(1, 16, 6, [9, 1, 0, 255, 200, 170, 77, 1], []))), [[9, 0, 200, 77]]);
});

test('keepAlpha: a palette PNG\'s tRNS gives each index its alpha, 255 past its end', () => {
  const plte: [string, number[]] = ['PLTE', [10, 20, 30, 40, 50, 60, 70, 80, 90]];
  const p8 = oneRowPng(4, 8, 3, [0, 1, 2, 5], [plte, ['tRNS', [0, 128]]]);
  assert.equal(rgbaOf(withAlpha(p8)), [[10, 20, 30, 0], [40, 50, 60, 128], [70, 80, 90, 255], [5, 5, 5, 255]]);
  const p2 = oneRowPng(4, 2, 3, [0b00011011], [plte, ['tRNS', [17, 0, 200]]]);
  assert.equal(rgbaOf(withAlpha(p2)), [[10, 20, 30, 17], [40, 50, 60, 0], [70, 80, 90, 200], [3, 3, 3, 255]]);
  // Pillow reads a tRNS after the image data too (when it loads the pixels)
  const late = oneRowPng(4, 8, 3, [0, 1, 2, 5], [plte], [['tRNS', [0, 128]]]);
  assert.equal(rgbaOf(withAlpha(late)), rgbaOf(withAlpha(p8)));
});

test('keepAlpha: a grey tRNS key matches the 8-bit grey against its low byte, as Pillow compares', () => {
  const key = (v: number): [string, number[]][] => [['tRNS', [v >> 8, v & 255]]];
  const g8 = (v: number) => rgbaOf(withAlpha(oneRowPng(3, 8, 0, [7, 8, 255], key(v))));
  assert.equal(g8(7), [[7, 7, 7, 0], [8, 8, 8, 255], [255, 255, 255, 255]]);
  assert.equal(g8(263), g8(7), '263 = 256 + 7');
  // 16-bit grey is clipped to 255 first: key 255 matches 300, 255 and 1000; key 300 nothing
  const g16 = (v: number) => rgbaOf(withAlpha(oneRowPng(4, 16, 0, [0, 7, 1, 44, 0, 255, 3, 232], key(v))));
  assert.equal(g16(255).map((p) => p[3]), [255, 0, 0, 0]);
  assert.equal(g16(300).map((p) => p[3]), [255, 255, 255, 255]);
  // 1-bit: pixels are 0 or 255, so key 0 makes black transparent and key 1 matches nothing
  const g1 = (v: number) => rgbaOf(withAlpha(oneRowPng(4, 1, 0, [0b10100000], key(v)))).map((p) => p[3]);
  assert.equal(g1(0), [255, 0, 255, 0]);
  assert.equal(g1(1), [255, 255, 255, 255]);
  // 2-bit samples scale to 0, 85, 170, 255: the raw key 3 matches none of them
  assert.equal(rgbaOf(withAlpha(oneRowPng(4, 2, 0, [0b00011011], key(3)))).map((p) => p[3]), [255, 255, 255, 255]);
});

test('keepAlpha: RGB (tRNS or not), grey and palette without tRNS, and JPEG stay RGB', () => {
  const rgbKey = oneRowPng(2, 8, 2, [1, 2, 3, 4, 5, 6], [['tRNS', [0, 1, 0, 2, 0, 3]]]);
  assert.equal(rgbOf(withAlpha(rgbKey)), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(rgbOf(withAlpha(oneRowPng(2, 8, 0, [1, 2], []))), [[1, 1, 1], [2, 2, 2]]);
  const palette = oneRowPng(1, 8, 3, [0], [['PLTE', [1, 2, 3]]]);
  assert.equal(rgbOf(withAlpha(palette)), [[1, 2, 3]]);
  const jpeg = encodeJpegLib({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(128) }, 90).data;
  assert.is(withAlpha(new Uint8Array(jpeg)).data.length, 8 * 8 * 3);
});

test('keepAlpha: a grey tRNS shorter than its 2 bytes is refused', () => {
  assertBadFormat(() => withAlpha(oneRowPng(1, 8, 0, [1], [['tRNS', [1]]])), 'alpha.png', 'short tRNS');
});

test.run();
