/**
 * libjpeg-turbo's accurate integer IDCT (jpeg_idct_islow, jidctint.c), the one Pillow and
 * almost every Python pipeline decode with (twin of kernels/jpeg_idct.ts).
 *
 * Canonical arithmetic: int32, wrapping (Math.imul, `| 0`), no zero-column or zero-row
 * shortcuts. libjpeg-turbo computes in 64-bit and skips all-zero columns and rows; for any
 * block a conforming encoder can write, no intermediate leaves int32 and the shortcuts give
 * the same values, so the bytes are libjpeg-turbo's. On hostile coefficients (products
 * beyond 2^31) this order is still one fixed order, the same in both twins.
 *
 * Per block: pass 1 on columns, with dequantisation, scales by 2^PASS1_BITS; pass 2 on
 * rows descales by 2^(CONST_BITS + PASS1_BITS + 3) and maps through libjpeg's
 * range-limit table: v & 1023 indexes [v + 128 for v in 0..127, 255 up to 511, 0 from
 * 512 to 895, v − 896 + 0 above], i.e. clamp(v + 128) for −512 ≤ v < 512, wrapping outside.
 */
const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

const mul = Math.imul;

/** libjpeg's IDCT output range limit: (v & 1023) → byte. */
export function idctRangeLimit(v: number): number {
  const i = v & 1023;
  return i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896;
}

/**
 * coefs: blockRows × blocksPerLine blocks of 64 int16 in natural (row-major) order;
 * quant: 64 int16 in natural order; out: the samples, block (r, c) at row 8r, column 8c,
 * with outStride bytes a row. Block rows [r0, r1).
 */
export function idct8x8Islow(
  coefs: Int16Array,
  quant: Int16Array, // (64)
  blocksPerLine: number,
  out: Uint8Array,
  outStride: number,
  r0: number,
  r1: number,
): void {
  const ws = new Int32Array(64);
  const v = new Int32Array(8);
  const o = new Int32Array(8);
  for (let r = r0; r < r1; r++) {
    for (let c = 0; c < blocksPerLine; c++) {
      const at = (r * blocksPerLine + c) * 64;
      // Pass 1: columns, dequantised; results scaled by 2^PASS1_BITS.
      for (let col = 0; col < 8; col++) {
        for (let k = 0; k < 8; k++) v[k] = mul(coefs[at + k * 8 + col]!, quant[k * 8 + col]!);
        butterfly(v, o, CONST_BITS - PASS1_BITS);
        for (let k = 0; k < 8; k++) ws[k * 8 + col] = o[k]!;
      }
      // Pass 2: rows; descale by 2^(CONST_BITS + PASS1_BITS + 3), then the range limit.
      for (let row = 0; row < 8; row++) {
        for (let k = 0; k < 8; k++) v[k] = ws[row * 8 + k]!;
        butterfly(v, o, CONST_BITS + PASS1_BITS + 3);
        const dst = (r * 8 + row) * outStride + c * 8;
        for (let k = 0; k < 8; k++) out[dst + k] = idctRangeLimit(o[k]!);
      }
    }
  }
}

/**
 * The 1-D IDCT of v[0..7] into o[0..7], descaled: (x + 2^(shift − 1)) >> shift. Even part
 * (the rotator is sqrt(2)·c(−6)) and odd part (figure 8 of Loeffler et al.) as jidctint.c.
 */
function butterfly(v: Int32Array, o: Int32Array, shift: number): void {
  const in0 = v[0]!, in1 = v[1]!, in2 = v[2]!, in3 = v[3]!, in4 = v[4]!, in5 = v[5]!, in6 = v[6]!, in7 = v[7]!;
  // Even part: inputs 0, 2, 4, 6 → tmp10..tmp13.
  const z1 = mul((in2 + in6) | 0, FIX_0_541196100);
  const tmp2 = (z1 + mul(in6, -FIX_1_847759065)) | 0;
  const tmp3 = (z1 + mul(in2, FIX_0_765366865)) | 0;
  const tmp0 = ((in0 + in4) | 0) << CONST_BITS;
  const tmp1 = ((in0 - in4) | 0) << CONST_BITS;
  const tmp10 = (tmp0 + tmp3) | 0;
  const tmp13 = (tmp0 - tmp3) | 0;
  const tmp11 = (tmp1 + tmp2) | 0;
  const tmp12 = (tmp1 - tmp2) | 0;
  // Odd part: inputs 7, 5, 3, 1 → t0..t3.
  const z5 = mul((in7 + in3 + in5 + in1) | 0, FIX_1_175875602);
  const y1 = mul((in7 + in1) | 0, -FIX_0_899976223);
  const y2 = mul((in5 + in3) | 0, -FIX_2_562915447);
  const y3 = (mul((in7 + in3) | 0, -FIX_1_961570560) + z5) | 0;
  const y4 = (mul((in5 + in1) | 0, -FIX_0_390180644) + z5) | 0;
  const t0 = (mul(in7, FIX_0_298631336) + y1 + y3) | 0;
  const t1 = (mul(in5, FIX_2_053119869) + y2 + y4) | 0;
  const t2 = (mul(in3, FIX_3_072711026) + y2 + y3) | 0;
  const t3 = (mul(in1, FIX_1_501321110) + y1 + y4) | 0;
  const round = 1 << (shift - 1);
  o[0] = (tmp10 + t3 + round) >> shift;
  o[7] = (tmp10 - t3 + round) >> shift;
  o[1] = (tmp11 + t2 + round) >> shift;
  o[6] = (tmp11 - t2 + round) >> shift;
  o[2] = (tmp12 + t1 + round) >> shift;
  o[5] = (tmp12 - t1 + round) >> shift;
  o[3] = (tmp13 + t0 + round) >> shift;
  o[4] = (tmp13 - t0 + round) >> shift;
}
