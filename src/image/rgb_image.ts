/**
 * The one pixel format the engine handles outside the model: 8-bit RGB, no alpha.
 * Decoders composite transparency away and reduce other depths to this; resizing,
 * cropping, the presets and the PNG writer all take and give it.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** width · height · 3 bytes: rows top to bottom, pixels left to right, R G B. */
  data: Uint8Array;
}

/**
 * RGBA, 4 bytes per pixel, → RGB composited on white (the rule in image/decode.ts's header).
 * Also for callers handing in canvas ImageData.
 */
export function compositeOnWhite(width: number, height: number, rgba: ArrayLike<number>): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const a = rgba[p * 4 + 3]!;
    for (let c = 0; c < 3; c++) {
      const v = rgba[p * 4 + c]!;
      // round((v·a + 255·(255 − a)) / 255) in integers: the remainder never equals 127.5.
      out[p * 3 + c] = Math.floor((v * a + 255 * (255 - a) + 127) / 255);
    }
  }
  return { width, height, data: out };
}
