/**
 * The two passes of a separable resampling of 8-bit pixels (Pillow's ImagingResample, as
 * src/image/resize.ts drives it), twin of src/compute/reference/resample.ts. Output i of a
 * pass reads inputs first[i] … first[i] + count[i] − 1 with the int32 weights
 * weights[i·taps + j] (fixed point, 22 fraction bits); each output byte is
 * clip(Σ pixel·weight + 2^21 >> 22, 0, 255), the sum in int32 (wrapping, as the twin's).
 */

const PRECISION_BITS = 22;
const HALF: i32 = 1 << (PRECISION_BITS - 1);

/** Bytes of packed weights per tap pair: the low and the high halves, each an i16x8. */
const PAIR_BYTES = 32;

/** Bytes that u8_pack_rows_rgb_weights writes for outWidth outputs of `taps` taps. */
export function u8_pack_rows_rgb_weights_bytes(outWidth: i32, taps: i32): i32 {
  return outWidth * ((taps + 1) >> 1) * PAIR_BYTES;
}

/**
 * The horizontal pass's weights in the layout u8_resample_rows_rgb reads: per output, tap
 * pairs (j, j + 1), each as two i16x8 vectors [lo_j, lo_j+1] × 3 channels, 0, 0 and the same
 * of hi, where weight = hi·2^16 + lo with lo the low 16 bits taken as signed (exact for any
 * int32 weight, mod 2^32). Taps from count[i] on weigh 0. Pixel pairs then multiply-add
 * in one i32x4.dot_i16x8_s per half.
 */
export function u8_pack_rows_rgb_weights(outWidth: i32, count: usize, weights: usize, taps: i32, packed: usize): void {
  assert(outWidth >= 0 && taps > 0, 'outWidth must be non-negative and taps positive');
  const pairs = (taps + 1) >> 1;
  for (let i = 0; i < outWidth; i++) {
    const n = load<i32>(count + (<usize>i << 2));
    assert(0 <= n && n <= taps, 'count[i] must lie in [0, taps]');
    const w = weights + (<usize>(i * taps) << 2);
    let at = packed + <usize>(i * pairs) * PAIR_BYTES;
    for (let j = 0; j < 2 * pairs; j += 2, at += PAIR_BYTES) {
      const w0 = j < n ? load<i32>(w + (<usize>j << 2)) : 0;
      const w1 = j + 1 < n ? load<i32>(w + (<usize>(j + 1) << 2)) : 0;
      const lo0 = <i32><i16>w0, lo1 = <i32><i16>w1;
      const hi0 = (w0 - lo0) >> 16, hi1 = (w1 - lo1) >> 16;
      const lo = i32x4.replace_lane(i32x4.splat((lo0 & 0xffff) | (lo1 << 16)), 3, 0);
      const hi = i32x4.replace_lane(i32x4.splat((hi0 & 0xffff) | (hi1 << 16)), 3, 0);
      v128.store(at, lo);
      v128.store(at, hi, 16);
    }
  }
}

/**
 * Pixels p and p + 1 of an RGB row at `at` as i16x8 [R_p, R_p+1, G_p, G_p+1, B_p, B_p+1, 0, 0],
 * ready for a dot product with packed weights. Reads 8 bytes: 2 past the pair.
 */
// @ts-ignore: decorator
@inline
function pixelPair(at: usize): v128 {
  const v = v128.load64_zero(at);
  // Lanes 8 … 15 of v are zero.
  return i8x16.shuffle(v, v, 0, 8, 3, 8, 1, 8, 4, 8, 2, 8, 5, 8, 8, 8, 8, 8);
}

/** Writes the R, G, B bytes of an output pixel from its sums' low and high parts. */
// @ts-ignore: decorator
@inline
function storeRgb(at: usize, lo: v128, hi: v128): void {
  const v = i32x4.shr_s(i32x4.add(lo, i32x4.shl(hi, 16)), PRECISION_BITS);
  // Saturating narrowings: to −32768 … 32767, then to 0 … 255, which is the clip.
  const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(v, v), v);
  v128.store16_lane(at, bytes, 0);
  v128.store8_lane(at, bytes, 2, 2);
}

/**
 * Horizontal pass over `rows` rows of RGB pixels: row y at src + y·srcStride → outWidth
 * pixels at dst + y·dstStride, with weights packed by u8_pack_rows_rgb_weights (first:
 * outWidth int32 pixel indices). Reads up to 8 bytes past the last pixel a row's windows
 * reach (pairs, and a pair's load is 8 bytes): the host leaves that much readable memory
 * after the last row. Two rows at a time share each weight load.
 */
export function u8_resample_rows_rgb(
  src: usize,
  srcStride: i32,
  rows: i32,
  dst: usize,
  dstStride: i32,
  outWidth: i32,
  first: usize,
  count: usize,
  packed: usize,
  taps: i32,
): void {
  assert(rows >= 0 && outWidth >= 0 && taps > 0, 'rows and outWidth must be non-negative and taps positive');
  const pairBytes = <usize>((taps + 1) >> 1) * PAIR_BYTES;
  const half = i32x4.splat(HALF);
  for (let y = 0; y < rows; y += 2) {
    // An odd last row is computed twice, as both of the pair.
    const y1 = min(y + 1, rows - 1);
    const a = src + <usize>(y * srcStride), b = src + <usize>(y1 * srcStride);
    const outA = dst + <usize>(y * dstStride), outB = dst + <usize>(y1 * dstStride);
    for (let i = 0; i < outWidth; i++) {
      const offset = <usize>(load<i32>(first + (<usize>i << 2)) * 3);
      const pairs = (load<i32>(count + (<usize>i << 2)) + 1) >> 1;
      let w = packed + <usize>i * pairBytes;
      let pa = a + offset, pb = b + offset;
      let loA = half, hiA = i32x4.splat(0), loB = half, hiB = i32x4.splat(0);
      for (let p = 0; p < pairs; p++) {
        const wLo = v128.load(w), wHi = v128.load(w, 16);
        const va = pixelPair(pa), vb = pixelPair(pb);
        loA = i32x4.add(loA, i32x4.dot_i16x8_s(va, wLo));
        hiA = i32x4.add(hiA, i32x4.dot_i16x8_s(va, wHi));
        loB = i32x4.add(loB, i32x4.dot_i16x8_s(vb, wLo));
        hiB = i32x4.add(hiB, i32x4.dot_i16x8_s(vb, wHi));
        pa += 6;
        pb += 6;
        w += PAIR_BYTES;
      }
      storeRgb(outA + <usize>(3 * i), loA, hiA);
      storeRgb(outB + <usize>(3 * i), loB, hiB);
    }
  }
}

/** Sum (2^21 included) → byte: shift, then clip to 0 … 255. */
// @ts-ignore: decorator
@inline
function clip8(sum: i32): u8 {
  const v = sum >> PRECISION_BITS;
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v);
}

/**
 * Vertical pass: outRows rows of rowBytes bytes, row y at dst + y·dstStride, from rows of
 * src (row r at src + r·srcStride), 16 bytes at a time (4 × i32x4 sums; a last, overlapping
 * 16 recomputes a few bytes rather than reading past the row); rows under 16 bytes one byte
 * at a time.
 */
export function u8_resample_columns(
  src: usize,
  srcStride: i32,
  rowBytes: i32,
  dst: usize,
  dstStride: i32,
  outRows: i32,
  first: usize,
  count: usize,
  weights: usize,
  taps: i32,
): void {
  assert(rowBytes >= 0 && outRows >= 0 && taps > 0, 'rowBytes and outRows must be non-negative and taps positive');
  for (let y = 0; y < outRows; y++) {
    const top = src + <usize>(load<i32>(first + (<usize>y << 2)) * srcStride);
    const n = load<i32>(count + (<usize>y << 2));
    assert(0 <= n && n <= taps, 'count[y] must lie in [0, taps]');
    const w = weights + (<usize>(y * taps) << 2);
    const out = dst + <usize>(y * dstStride);
    if (rowBytes < 16) {
      for (let x = 0; x < rowBytes; x++) {
        let sum = HALF;
        for (let j = 0; j < n; j++) {
          sum += <i32>load<u8>(top + <usize>(j * srcStride + x)) * load<i32>(w + (<usize>j << 2));
        }
        store<u8>(out + <usize>x, clip8(sum));
      }
      continue;
    }
    for (let x = 0;; x += 16) {
      if (x > rowBytes - 16) x = rowBytes - 16;
      let s0 = i32x4.splat(HALF), s1 = s0, s2 = s0, s3 = s0;
      let at = top + <usize>x;
      for (let j = 0; j < n; j++, at += <usize>srcStride) {
        const wj = i32x4.splat(load<i32>(w + (<usize>j << 2)));
        const v = v128.load(at);
        const lo = i16x8.extend_low_i8x16_u(v), hi = i16x8.extend_high_i8x16_u(v);
        s0 = i32x4.add(s0, i32x4.mul(i32x4.extend_low_i16x8_u(lo), wj));
        s1 = i32x4.add(s1, i32x4.mul(i32x4.extend_high_i16x8_u(lo), wj));
        s2 = i32x4.add(s2, i32x4.mul(i32x4.extend_low_i16x8_u(hi), wj));
        s3 = i32x4.add(s3, i32x4.mul(i32x4.extend_high_i16x8_u(hi), wj));
      }
      const shift = PRECISION_BITS;
      const lo = i16x8.narrow_i32x4_s(i32x4.shr_s(s0, shift), i32x4.shr_s(s1, shift));
      const hi = i16x8.narrow_i32x4_s(i32x4.shr_s(s2, shift), i32x4.shr_s(s3, shift));
      v128.store(out + <usize>x, i8x16.narrow_i16x8_u(lo, hi));
      if (x == rowBytes - 16) break;
    }
  }
}
