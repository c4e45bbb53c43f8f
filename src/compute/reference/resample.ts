/**
 * The two passes of a separable resampling of 8-bit pixels (twin of kernels/resample.ts):
 * Pillow's ImagingResampleHorizontal_8bpc and ImagingResampleVertical_8bpc. Each output
 * byte is Σ pixel·weight + 2^21 in int32 (wrapping: the sums of real Lanczos weights never
 * reach 2^31, so this only fixes what any int32 weights give), shifted right by 22
 * (arithmetic), clipped to 0..255.
 */

/** Fraction bits of the fixed-point weights: 32 − 8 − 2 (8 bits of pixel, 2 spare for the negative lobes' overshoot). */
export const RESAMPLE_PRECISION_BITS = 22;

/** Output i reads inputs first[i] .. first[i] + count[i] − 1 with weights[i·taps + j]. */
export interface ResampleWeights {
  readonly first: Int32Array;
  readonly count: Int32Array;
  /** Weights per output in `weights` (at least every count[i]). */
  readonly taps: number;
  /** Fixed point, RESAMPLE_PRECISION_BITS fraction bits. */
  readonly weights: Int32Array;
}

const HALF = 1 << (RESAMPLE_PRECISION_BITS - 1);

/** Fixed-point sum → byte: arithmetic shift (floor), then clip. */
function clip8(sum: number): number {
  const v = sum >> RESAMPLE_PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Horizontal pass over `rows` rows of RGB pixels: row y at src[srcAt + y·srcStride …] →
 * first.length pixels at dst[dstAt + y·dstStride …], each of the three channels alike.
 */
export function resampleRowsRgb(
  src: Uint8Array,
  srcAt: number,
  srcStride: number,
  rows: number,
  dst: Uint8Array,
  dstAt: number,
  dstStride: number,
  { first, count, taps, weights }: ResampleWeights,
): void {
  const outWidth = first.length;
  for (let y = 0; y < rows; y++) {
    const row = srcAt + y * srcStride;
    const out = dstAt + y * dstStride;
    for (let x = 0; x < outWidth; x++) {
      let r = HALF;
      let g = HALF;
      let b = HALF;
      const k = x * taps;
      for (let j = 0; j < count[x]!; j++) {
        const s = row + (first[x]! + j) * 3;
        const wj = weights[k + j]!;
        r = (r + Math.imul(src[s]!, wj)) | 0;
        g = (g + Math.imul(src[s + 1]!, wj)) | 0;
        b = (b + Math.imul(src[s + 2]!, wj)) | 0;
      }
      const o = out + x * 3;
      dst[o] = clip8(r);
      dst[o + 1] = clip8(g);
      dst[o + 2] = clip8(b);
    }
  }
}

/**
 * Vertical pass: first.length rows of rowBytes bytes, row y at dst[dstAt + y·dstStride …],
 * from rows of src (row r at src[srcAt + r·srcStride …]), each byte on its own.
 */
export function resampleColumns(
  src: Uint8Array,
  srcAt: number,
  srcStride: number,
  rowBytes: number,
  dst: Uint8Array,
  dstAt: number,
  dstStride: number,
  { first, count, taps, weights }: ResampleWeights,
): void {
  const outRows = first.length;
  for (let y = 0; y < outRows; y++) {
    const k = y * taps;
    const top = srcAt + first[y]! * srcStride;
    const out = dstAt + y * dstStride;
    for (let x = 0; x < rowBytes; x++) {
      let sum = HALF;
      for (let j = 0; j < count[y]!; j++) {
        sum = (sum + Math.imul(src[top + j * srcStride + x]!, weights[k + j]!)) | 0;
      }
      dst[out + x] = clip8(sum);
    }
  }
}
