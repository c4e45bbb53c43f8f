/**
 * The one pixel format the engine handles outside the model: 8-bit RGB, no alpha.
 * Decoders drop alpha and reduce other depths to this as Pillow's convert('RGB') does;
 * resizing, cropping, the presets and the PNG writer all take and give it.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** width · height · 3 bytes: rows top to bottom, pixels left to right, R G B. */
  data: Uint8Array;
}

/**
 * 8-bit RGBA: what decodeImage gives with keepAlpha for a PNG with transparency, and an
 * API caller may hand in (canvas ImageData). Only the Chameleon preset reads its alpha
 * (it blends on white, presets.ts); otherwise the alpha is dropped (dropAlpha).
 */
export interface RgbaImage {
  width: number;
  height: number;
  /** width · height · 4 bytes: rows top to bottom, pixels left to right, R G B A. */
  data: Uint8Array;
}

/**
 * RGBA, 4 bytes per pixel, → RGB with the alpha byte dropped, not composited: Pillow's
 * convert('RGB') of an RGBA image, the rule PNG decoding follows too (image/png/to_rgb.ts).
 * For callers handing in canvas ImageData.
 */
export function dropAlpha(width: number, height: number, rgba: ArrayLike<number>): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    out[p * 3] = rgba[p * 4]!;
    out[p * 3 + 1] = rgba[p * 4 + 1]!;
    out[p * 3 + 2] = rgba[p * 4 + 2]!;
  }
  return { width, height, data: out };
}
