/**
 * libjpeg-turbo's accurate integer IDCT, twin of src/compute/reference/jpeg_idct.ts (the
 * same int32 wrapping arithmetic, no shortcuts). Four columns, then four rows, per i32x4:
 * pass 1 on the block as loaded (lane = column), a 4×4 transpose of each quarter, pass 2
 * (lane = row), a transpose back, then the range limit and the narrowing to bytes.
 * coefs: blocks of 64 int16, natural order, blocksPerLine a row of blocks; quant (64) int16;
 * out: bytes, block (r, c) at row 8r, column 8c, outStride bytes a row. Block rows [r0, r1).
 */
const CONST_BITS = 13;
const PASS1_BITS = 2;

// @ts-ignore: decorator
@inline
function k(v: i32): v128 {
  return i32x4.splat(v);
}

/** in0, in2, in4, in6 → tmp10, tmp11, tmp12, tmp13, in e0..e3. */
// @ts-ignore: decorator
@inline
function evenPart(in0: v128, in2: v128, in4: v128, in6: v128, e: usize): void {
  const z1 = i32x4.mul(i32x4.add(in2, in6), k(4433));
  const tmp2 = i32x4.add(z1, i32x4.mul(in6, k(-15137)));
  const tmp3 = i32x4.add(z1, i32x4.mul(in2, k(6270)));
  const tmp0 = i32x4.shl(i32x4.add(in0, in4), CONST_BITS);
  const tmp1 = i32x4.shl(i32x4.sub(in0, in4), CONST_BITS);
  v128.store(e, i32x4.add(tmp0, tmp3));
  v128.store(e, i32x4.add(tmp1, tmp2), 16);
  v128.store(e, i32x4.sub(tmp1, tmp2), 32);
  v128.store(e, i32x4.sub(tmp0, tmp3), 48);
}

/** in7, in5, in3, in1 → tmp0, tmp1, tmp2, tmp3, in o0..o3. */
// @ts-ignore: decorator
@inline
function oddPart(in7: v128, in5: v128, in3: v128, in1: v128, o: usize): void {
  const z5 = i32x4.mul(i32x4.add(i32x4.add(in7, in3), i32x4.add(in5, in1)), k(9633));
  const z1 = i32x4.mul(i32x4.add(in7, in1), k(-7373));
  const z2 = i32x4.mul(i32x4.add(in5, in3), k(-20995));
  const z3 = i32x4.add(i32x4.mul(i32x4.add(in7, in3), k(-16069)), z5);
  const z4 = i32x4.add(i32x4.mul(i32x4.add(in5, in1), k(-3196)), z5);
  v128.store(o, i32x4.add(i32x4.mul(in7, k(2446)), i32x4.add(z1, z3)));
  v128.store(o, i32x4.add(i32x4.mul(in5, k(16819)), i32x4.add(z2, z4)), 16);
  v128.store(o, i32x4.add(i32x4.mul(in3, k(25172)), i32x4.add(z2, z3)), 32);
  v128.store(o, i32x4.add(i32x4.mul(in1, k(12299)), i32x4.add(z1, z4)), 48);
}

/**
 * One butterfly on 8 vectors at v (v + 16·i holds input i) into out (out + 16·i holds
 * output i): (tmp1x + tmp_x + round) >> shift in libjpeg's output order.
 */
// @ts-ignore: decorator
@inline
function butterfly(v: usize, out: usize, scratch: usize, shift: i32): void {
  evenPart(v128.load(v), v128.load(v, 32), v128.load(v, 64), v128.load(v, 96), scratch);
  oddPart(v128.load(v, 112), v128.load(v, 80), v128.load(v, 48), v128.load(v, 16), scratch + 64);
  const round = k(1 << (shift - 1));
  const e10 = v128.load(scratch),
    e11 = v128.load(scratch, 16),
    e12 = v128.load(scratch, 32),
    e13 = v128.load(scratch, 48);
  const o0 = v128.load(scratch, 64),
    o1 = v128.load(scratch, 80),
    o2 = v128.load(scratch, 96),
    o3 = v128.load(scratch, 112);
  v128.store(out, i32x4.shr_s(i32x4.add(i32x4.add(e10, o3), round), shift));
  v128.store(out, i32x4.shr_s(i32x4.add(i32x4.sub(e10, o3), round), shift), 112);
  v128.store(out, i32x4.shr_s(i32x4.add(i32x4.add(e11, o2), round), shift), 16);
  v128.store(out, i32x4.shr_s(i32x4.add(i32x4.sub(e11, o2), round), shift), 96);
  v128.store(out, i32x4.shr_s(i32x4.add(i32x4.add(e12, o1), round), shift), 32);
  v128.store(out, i32x4.shr_s(i32x4.add(i32x4.sub(e12, o1), round), shift), 80);
  v128.store(out, i32x4.shr_s(i32x4.add(i32x4.add(e13, o0), round), shift), 48);
  v128.store(out, i32x4.shr_s(i32x4.add(i32x4.sub(e13, o0), round), shift), 64);
}

/** The 4×4 block of int32 at src (rows srcStride bytes apart) transposed to dst (rows dstStride apart). */
// @ts-ignore: decorator
@inline
function transpose4x4(src: usize, srcStride: usize, dst: usize, dstStride: usize): void {
  const a = v128.load(src),
    b = v128.load(src + srcStride),
    c = v128.load(src + 2 * srcStride),
    d = v128.load(src + 3 * srcStride);
  const ab01 = i32x4.shuffle(a, b, 0, 4, 1, 5), ab23 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd01 = i32x4.shuffle(c, d, 0, 4, 1, 5), cd23 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(ab01, cd01, 0, 2));
  v128.store(dst + dstStride, i64x2.shuffle(ab01, cd01, 1, 3));
  v128.store(dst + 2 * dstStride, i64x2.shuffle(ab23, cd23, 0, 2));
  v128.store(dst + 3 * dstStride, i64x2.shuffle(ab23, cd23, 1, 3));
}

/** libjpeg's range limit on 4 lanes: t = (v + 128) & 1023; t if t < 256, else 255 below 640, else 0. */
// @ts-ignore: decorator
@inline
function rangeLimit(v: v128): v128 {
  const t = v128.and(i32x4.add(v, k(128)), k(1023));
  const high = v128.bitselect(k(255), k(0), i32x4.lt_s(t, k(640)));
  return v128.bitselect(t, high, i32x4.lt_s(t, k(256)));
}

export function i16_idct8x8_islow(
  coefs: usize,
  quant: usize,
  blocksPerLine: i32,
  out: usize,
  outStride: i32,
  scratch: usize,
  r0: i32,
  r1: i32,
): void {
  assert(blocksPerLine > 0 && outStride >= blocksPerLine * 8, 'a row of blocks must fit in outStride');
  assert(0 <= r0 && r0 <= r1, 'block rows [r0, r1) must be a range');
  // scratch: 8 × 2 input vectors, 8 × 2 pass-1 results, 8 × 2 transposed, 8 butterfly temporaries.
  const input = scratch, pass1 = scratch + 256, rows = scratch + 512, temps = scratch + 768;
  for (let r = r0; r < r1; r++) {
    for (let c = 0; c < blocksPerLine; c++) {
      const block = coefs + (<usize>((r * blocksPerLine + c) * 64) << 1);
      // Dequantised input rows as int32: columns 0..3 at input + 32·k, 4..7 at input + 32·k + 16.
      for (let i = 0; i < 8; i++) {
        const cv = v128.load(block + (<usize>i << 4)), qv = v128.load(quant + (<usize>i << 4));
        v128.store(input + (<usize>i << 5), i32x4.mul(i32x4.extend_low_i16x8_s(cv), i32x4.extend_low_i16x8_s(qv)));
        v128.store(
          input + (<usize>i << 5),
          i32x4.mul(i32x4.extend_high_i16x8_s(cv), i32x4.extend_high_i16x8_s(qv)),
          16,
        );
      }
      // Pass 1, columns 0..3 then 4..7: the butterfly reads inputs 32 bytes apart via a compact copy.
      for (let half = 0; half < 2; half++) {
        const h = <usize>half << 4;
        for (let i = 0; i < 8; i++) v128.store(temps + (<usize>i << 4), v128.load(input + (<usize>i << 5) + h));
        butterfly(temps, temps + 128, temps + 256, CONST_BITS - PASS1_BITS);
        for (let i = 0; i < 8; i++) v128.store(pass1 + (<usize>i << 5) + h, v128.load(temps + 128 + (<usize>i << 4)));
      }
      // Transpose: rows + 16·i (+ 128 for rows 4..7) holds column i of rows 0..3 (4..7).
      for (let q = 0; q < 4; q++) {
        const rowBlock = <usize>(q >> 1), colBlock = <usize>(q & 1);
        transpose4x4(pass1 + rowBlock * 128 + colBlock * 16, 32, rows + rowBlock * 128 + colBlock * 64, 16);
      }
      // Pass 2 on rows 0..3 and 4..7, then back to row order and to bytes.
      const dst = out + <usize>(r * 8 * outStride + c * 8);
      for (let g = 0; g < 2; g++) {
        const base = rows + (<usize>g << 7);
        butterfly(base, temps, temps + 256, CONST_BITS + PASS1_BITS + 3);
        // temps + 16·i: output column i of rows 4g..4g+3 → transposed into pass1 as rows.
        transpose4x4(temps, 16, pass1, 32);
        transpose4x4(temps + 64, 16, pass1 + 16, 32);
        for (let i = 0; i < 4; i++) {
          const lo = rangeLimit(v128.load(pass1 + (<usize>i << 5)));
          const hi = rangeLimit(v128.load(pass1 + (<usize>i << 5), 16));
          const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(lo, hi), i16x8.narrow_i32x4_s(lo, hi));
          v128.store_lane<i64>(dst + <usize>((g * 4 + i) * outStride), bytes, 0);
        }
      }
    }
  }
}

/** Scratch bytes i16_idct8x8_islow needs. */
export function i16_idct8x8_islow_scratch_bytes(): i32 {
  return 768 + 384;
}
