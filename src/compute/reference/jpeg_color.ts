/**
 * libjpeg-turbo's YCbCr → RGB (ycc_rgb_convert, jdcolor.c), twin of kernels/jpeg_color.ts.
 * Its tables, computed inline (the same integers): with x = Cb − 128 or Cr − 128 and
 * 16 fraction bits,
 *   R = clamp(Y + ((91881·xr + 32768) >> 16))
 *   G = clamp(Y + ((−22554·xb + 32768 − 46802·xr) >> 16))
 *   B = clamp(Y + ((116130·xb + 32768) >> 16))
 * where 91881 = FIX(1.40200), 116130 = FIX(1.77200), 46802 = FIX(0.71414),
 * 22554 = FIX(0.34414), FIX(v) = (int)(v·65536 + 0.5), and clamp is to 0..255.
 */
export const CR_R = 91881;
export const CB_B = 116130;
export const CR_G = 46802;
export const CB_G = 22554;
const HALF = 1 << 15;

/** Planes y, cb, cr (stride bytes a row) → width × rows RGB pixels, 3 bytes each, packed. */
export function yccToRgb(
  y: Uint8Array,
  cb: Uint8Array,
  cr: Uint8Array,
  stride: number,
  width: number,
  rows: number,
  out: Uint8Array,
): void {
  for (let r = 0; r < rows; r++) {
    for (let x = 0; x < width; x++) {
      const s = r * stride + x;
      const luma = y[s]!;
      const xb = cb[s]! - 128;
      const xr = cr[s]! - 128;
      const o = (r * width + x) * 3;
      out[o] = clamp8(luma + ((CR_R * xr + HALF) >> 16));
      out[o + 1] = clamp8(luma + ((-CB_G * xb + HALF - CR_G * xr) >> 16));
      out[o + 2] = clamp8(luma + ((CB_B * xb + HALF) >> 16));
    }
  }
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
