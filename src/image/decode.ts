/**
 * PNG and JPEG bytes → 8-bit RGB. The format is sniffed from the magic bytes, never
 * from the file name; every decoder failure becomes a VqganError naming the file.
 *
 * Conventions, defined here once:
 * - 16-bit samples become 8-bit by v8 = round(v16 · 255 / 65535) (no ties occur). Pillow
 *   keeps the high byte of 16-bit RGB instead (v16 >> 8), which is up to 1 lower.
 * - 1/2/4-bit grey levels are stretched to 0..255 (v · 255 / (2^depth − 1)).
 * - Transparency (an alpha channel, a palette's tRNS, or a grey/RGB tRNS colour key) is
 *   composited on white after the samples are 8-bit:
 *   out = round((c · a + 255 · (255 − a)) / 255), with c, a in 0..255 (no ties occur).
 */
import { decode as decodePngLib } from 'fast-png';
import type { DecodedPng } from 'fast-png';
import { VqganError } from '../core/errors.js';
import { DEFAULT_MAX_PIXELS, checkPixels } from '../core/limits.js';
import { decodeJpeg } from './jpeg/decode_jpeg.js';
import { compositeOnWhite, type RgbImage } from './rgb_image.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/** `maxPixels`: larger images are refused from their header, before any pixel buffer is made. */
export function decodeImage(bytes: Uint8Array, name: string, maxPixels = DEFAULT_MAX_PIXELS): RgbImage {
  if (startsWith(bytes, PNG_MAGIC)) return decodePng(bytes, name, maxPixels);
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpeg(bytes, name, maxPixels);
  throw new VqganError('BAD_FORMAT', `${name}: not a PNG or JPEG image`);
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

const IHDR = 0x49484452;

function decodePng(bytes: Uint8Array, name: string, maxPixels: number): RgbImage {
  // IHDR must be the first chunk: width and height sit at bytes 16..23 (big-endian).
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || view.getUint32(12) !== IHDR) {
    throw new VqganError('BAD_FORMAT', `${name}: corrupt or truncated PNG (no IHDR chunk first)`);
  }
  checkPixels(view.getUint32(16), view.getUint32(20), maxPixels, name);
  let png: DecodedPng;
  try {
    // With CRC checks a flipped byte anywhere in a chunk is an error, not noise.
    png = decodePngLib(bytes, { checkCrc: true });
  } catch (err) {
    throw new VqganError('BAD_FORMAT', `${name}: corrupt or truncated PNG (${messageOf(err)})`);
  }
  return pngToRgb(png, name);
}

/** The library's message, and its cause's (fast-png wraps zlib errors). */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause === undefined ? err.message : `${err.message} ${messageOf(err.cause)}`;
}

/** Any decoded PNG (colour types 0, 2, 3, 4, 6; depths 1..16) → RGB on white. */
function pngToRgb(png: DecodedPng, name: string): RgbImage {
  const { width, height, channels } = png;
  const samples = unpackSamples(png);
  const pixel = pixelReader(png, name);
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) pixel(samples, p * channels, rgba, p * 4);
  return compositeOnWhite(width, height, rgba);
}

/**
 * One sample per array element, rows concatenated: fast-png leaves 1/2/4-bit rows
 * packed (most significant bits first, each row starting on a byte).
 */
function unpackSamples(png: DecodedPng): ArrayLike<number> {
  const { width, height, channels, depth, data } = png;
  if (depth >= 8) return data;
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const mask = (1 << depth) - 1;
  const out = new Uint8Array(perRow * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      const byte = data[y * rowBytes + (bit >> 3)]!;
      out[y * perRow + i] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** Reads one pixel from samples at s and writes its 8-bit R, G, B, A to rgba at o. */
type PixelReader = (samples: ArrayLike<number>, s: number, rgba: Uint8Array, o: number) => void;

function pixelReader(png: DecodedPng, name: string): PixelReader {
  const { channels, depth, palette, transparency } = png;
  // RGB files may carry a suggested palette too; only one-channel ones are indexed.
  if (palette && channels === 1) {
    if (depth === 16) {
      throw new VqganError('BAD_FORMAT', `${name}: palette PNG with bit depth 16 (at most 8 is allowed)`);
    }
    return (samples, s, rgba, o) => {
      const entry = palette[samples[s]!];
      if (entry === undefined) {
        throw new VqganError(
          'BAD_FORMAT',
          `${name}: palette index ${samples[s]} but the palette has ${palette.length} colours`,
        );
      }
      rgba[o] = entry[0]!;
      rgba[o + 1] = entry[1]!;
      rgba[o + 2] = entry[2]!;
      rgba[o + 3] = entry[3] ?? 255; // present only when the file has a tRNS chunk
    };
  }
  const to8 = depth === 16 ? from16 : depth === 8 ? (v: number) => v : stretch(depth);
  // A grey or RGB tRNS chunk names one colour (in raw samples) that is fully transparent.
  const isKeyed = (samples: ArrayLike<number>, s: number): boolean =>
    transparency !== undefined && transparency.every((t, i) => samples[s + i] === t);
  // Channels: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.
  const colours = channels <= 2 ? 1 : 3;
  const hasAlpha = channels === 2 || channels === 4;
  return (samples, s, rgba, o) => {
    for (let c = 0; c < 3; c++) rgba[o + c] = to8(samples[s + (colours === 1 ? 0 : c)]!);
    rgba[o + 3] = hasAlpha ? to8(samples[s + colours]!) : isKeyed(samples, s) ? 0 : 255;
  };
}

/** round(v · 255 / 65535) = round(v / 257); v · 255 + 32767 stays far below 2^53. */
function from16(v: number): number {
  return Math.floor((v * 255 + 32767) / 65535);
}

/** 1/2/4-bit grey: 255 / (2^depth − 1) is the integer 255, 85 or 17. */
function stretch(depth: number): (v: number) => number {
  const factor = 255 / ((1 << depth) - 1);
  return (v) => v * factor;
}
