/** Comparing decoded images byte for byte, with a message that says where and by how much. */
import type { RgbImage } from '../../src/image/rgb_image.js';

/**
 * undefined when `actual` has `expected`'s bytes; otherwise "n of N bytes differ; first at
 * pixel (x, y) channel c: a, expected b".
 */
export function imageDifference(actual: RgbImage, expected: RgbImage): string | undefined {
  let count = 0;
  let first = -1;
  for (let i = 0; i < expected.data.length; i++) {
    if (actual.data[i] !== expected.data[i]) {
      count++;
      if (first < 0) first = i;
    }
  }
  if (count === 0) return undefined;
  const pixel = Math.floor(first / 3);
  return `${count} of ${expected.data.length} bytes differ; first at pixel (${pixel % expected.width}, ${
    Math.floor(pixel / expected.width)
  }) channel ${first % 3}: ${actual.data[first]}, expected ${expected.data[first]}`;
}
