/**
 * PNG and JPEG bytes → 8-bit RGB. The format is sniffed from the magic bytes, never
 * from the file name; every decoder failure becomes a VqganError naming the file.
 * PNGs give exactly Pillow's Image.open(f).convert('RGB') (see png/to_rgb.ts).
 */
import { decode as decodeJpegLib } from 'jpeg-js';
import { VqganError } from '../core/errors.js';
import { DEFAULT_MAX_PIXELS, checkPixels } from '../core/limits.js';
import { decodePng } from './png/decode_png.js';
import type { RgbImage } from './rgb_image.js';

/** jpeg-js's cap on its working memory, per pixel allowed: its component planes and output. */
const JPEG_BYTES_PER_PIXEL = 16;

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

function decodeJpeg(bytes: Uint8Array, name: string, maxPixels: number): RgbImage {
  const size = jpegSize(bytes);
  if (size !== undefined) checkPixels(size.width, size.height, maxPixels, name);
  try {
    // jpeg-js throws on truncation ("marker was not found", "unknown JPEG marker 0"):
    // its parser only finishes on an EOI marker and checks the marker after each scan.
    const { width, height, data } = decodeJpegLib(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // jpeg-js checks these itself too, when it reads a frame header
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: Math.max(64, (maxPixels * JPEG_BYTES_PER_PIXEL) / 2 ** 20),
    });
    return { width, height, data };
  } catch (err) {
    throw new VqganError('BAD_FORMAT', `${name}: cannot decode JPEG (${messageOf(err)})`);
  }
}

/**
 * The first frame header's size (SOF0–SOF15 but DHT, JPG, DAC), found by walking the
 * marker segments before the first scan; undefined if none comes first (the decoder
 * then refuses the file itself).
 */
function jpegSize(bytes: Uint8Array): { width: number; height: number; } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 2;
  while (p + 9 <= bytes.length && bytes[p] === 0xff) {
    const marker = bytes[p + 1]!;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(p + 5), width: view.getUint16(p + 7) };
    }
    if (marker === 0xda) return undefined; // a scan before any frame header
    p += 2 + view.getUint16(p + 2);
  }
  return undefined;
}

/** The library's message, and its cause's. */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause === undefined ? err.message : `${err.message} ${messageOf(err.cause)}`;
}
