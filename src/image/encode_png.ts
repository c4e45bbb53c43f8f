import { encode } from 'fast-png';
import type { RgbImage } from './rgb_image.js';

/** An 8-bit RGB PNG (colour type 2, no interlace) of the image. */
export function encodePng(img: RgbImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, depth: 8, channels: 3 });
}
