/**
 * The pixel limit. Image headers are checked against it before a single pixel buffer is
 * made, and token grids and tensors that would decode to (or come from) more pixels are
 * refused before any compute. The default, 4096×4096, leaves room for 2048×2048 photos
 * and more, and stops a hostile header that claims 65535×65535 (17 GB of RGBA) at once.
 * Set it with `maxPixels` (API) or `--max-pixels` (CLI).
 */
import { VqganError } from './errors.js';

export const DEFAULT_MAX_PIXELS = 4096 * 4096;

/** `what` is e.g. "photo.png" or "tokens.json (decoded)". */
export function checkPixels(width: number, height: number, maxPixels: number, what: string): void {
  if (width * height > maxPixels) {
    throw new VqganError(
      'TOO_LARGE',
      `${what}: ${width}×${height} is ${
        width * height
      } pixels, more than the limit of ${maxPixels} (raise it with --max-pixels or the maxPixels option)`,
    );
  }
}

/** A limit given by a user: a positive integer. */
export function parseMaxPixels(value: unknown, source: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new VqganError('BAD_ARGUMENT', `${source} ${String(value)}: expected a positive whole number of pixels`);
  }
  return n;
}
