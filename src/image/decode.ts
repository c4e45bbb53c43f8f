/**
 * PNG and JPEG bytes → 8-bit RGB. The format is sniffed from the magic bytes, never
 * from the file name; every decoder failure becomes a VqganError naming the file.
 * Both give exactly Pillow's Image.open(f).convert('RGB') (see png/to_rgb.ts and
 * jpeg/decode_jpeg.ts). With `keepAlpha` (the Chameleon preset, which blends transparency
 * on white), a PNG with an alpha channel, or a grey or palette PNG with tRNS, gives
 * RGBA as convert('RGBA') does (png/to_rgb.ts); JPEG has no alpha.
 */
import { VqganError } from '../core/errors.js';
import { DEFAULT_MAX_PIXELS } from '../core/limits.js';
import { decodeJpeg } from './jpeg/decode_jpeg.js';
import { decodePng } from './png/decode_png.js';
import type { RgbaImage, RgbImage } from './rgb_image.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/** `maxPixels`: larger images are refused from their header, before any pixel buffer is made. */
export function decodeImage(bytes: Uint8Array, name: string, maxPixels?: number): RgbImage;
export function decodeImage(
  bytes: Uint8Array,
  name: string,
  maxPixels: number,
  keepAlpha: boolean,
): RgbImage | RgbaImage;
export function decodeImage(
  bytes: Uint8Array,
  name: string,
  maxPixels = DEFAULT_MAX_PIXELS,
  keepAlpha = false,
): RgbImage | RgbaImage {
  if (startsWith(bytes, PNG_MAGIC)) return decodePng(bytes, name, maxPixels, keepAlpha);
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpeg(bytes, name, maxPixels);
  throw new VqganError('BAD_FORMAT', `${name}: not a PNG or JPEG image`);
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
