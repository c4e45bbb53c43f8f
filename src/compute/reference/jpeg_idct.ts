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
  for (let r = r0; r < r1; r++) {
    for (let c = 0; c < blocksPerLine; c++) {
      idctBlock(coefs, (r * blocksPerLine + c) * 64, quant, ws, out, r * 8 * outStride + c * 8, outStride);
    }
  }
}

function idctBlock(
  coefs: Int16Array,
  at: number,
  quant: Int16Array,
  ws: Int32Array,
  out: Uint8Array,
  o: number,
  stride: number,
): void {
  // Pass 1: columns, dequantised; results scaled by 2^PASS1_BITS.
  for (let c = 0; c < 8; c++) {
    const d = (k: number): number => mul(coefs[at + k * 8 + c]!, quant[k * 8 + c]!);
    const [even10, even11, even12, even13] = evenPart(d(0), d(2), d(4), d(6));
    const [odd0, odd1, odd2, odd3] = oddPart(d(7), d(5), d(3), d(1));
    const round = 1 << (CONST_BITS - PASS1_BITS - 1);
    const shift = CONST_BITS - PASS1_BITS;
    ws[c] = (even10 + odd3 + round) >> shift;
    ws[56 + c] = (even10 - odd3 + round) >> shift;
    ws[8 + c] = (even11 + odd2 + round) >> shift;
    ws[48 + c] = (even11 - odd2 + round) >> shift;
    ws[16 + c] = (even12 + odd1 + round) >> shift;
    ws[40 + c] = (even12 - odd1 + round) >> shift;
    ws[24 + c] = (even13 + odd0 + round) >> shift;
    ws[32 + c] = (even13 - odd0 + round) >> shift;
  }
  // Pass 2: rows; descale by 2^(CONST_BITS + PASS1_BITS + 3), then the range limit.
  for (let r = 0; r < 8; r++) {
    const w = r * 8;
    const [even10, even11, even12, even13] = evenPart(ws[w]!, ws[w + 2]!, ws[w + 4]!, ws[w + 6]!);
    const [odd0, odd1, odd2, odd3] = oddPart(ws[w + 7]!, ws[w + 5]!, ws[w + 3]!, ws[w + 1]!);
    const round = 1 << (CONST_BITS + PASS1_BITS + 3 - 1);
    const shift = CONST_BITS + PASS1_BITS + 3;
    const row = o + r * stride;
    out[row] = idctRangeLimit((even10 + odd3 + round) >> shift);
    out[row + 7] = idctRangeLimit((even10 - odd3 + round) >> shift);
    out[row + 1] = idctRangeLimit((even11 + odd2 + round) >> shift);
    out[row + 6] = idctRangeLimit((even11 - odd2 + round) >> shift);
    out[row + 2] = idctRangeLimit((even12 + odd1 + round) >> shift);
    out[row + 5] = idctRangeLimit((even12 - odd1 + round) >> shift);
    out[row + 3] = idctRangeLimit((even13 + odd0 + round) >> shift);
    out[row + 4] = idctRangeLimit((even13 - odd0 + round) >> shift);
  }
}

/** Inputs 0, 2, 4, 6 → tmp10, tmp11, tmp12, tmp13 (the rotator is sqrt(2)·c(−6)). */
function evenPart(in0: number, in2: number, in4: number, in6: number): [number, number, number, number] {
  const z1 = mul((in2 + in6) | 0, FIX_0_541196100);
  const tmp2 = (z1 + mul(in6, -FIX_1_847759065)) | 0;
  const tmp3 = (z1 + mul(in2, FIX_0_765366865)) | 0;
  const tmp0 = ((in0 + in4) | 0) << CONST_BITS;
  const tmp1 = ((in0 - in4) | 0) << CONST_BITS;
  return [(tmp0 + tmp3) | 0, (tmp1 + tmp2) | 0, (tmp1 - tmp2) | 0, (tmp0 - tmp3) | 0];
}

/** Inputs 7, 5, 3, 1 → tmp0, tmp1, tmp2, tmp3 (figure 8 of the Loeffler paper). */
function oddPart(in7: number, in5: number, in3: number, in1: number): [number, number, number, number] {
  const z5 = mul((in7 + in3 + in5 + in1) | 0, FIX_1_175875602);
  const z1 = mul((in7 + in1) | 0, -FIX_0_899976223);
  const z2 = mul((in5 + in3) | 0, -FIX_2_562915447);
  const z3 = (mul((in7 + in3) | 0, -FIX_1_961570560) + z5) | 0;
  const z4 = (mul((in5 + in1) | 0, -FIX_0_390180644) + z5) | 0;
  return [
    (mul(in7, FIX_0_298631336) + z1 + z3) | 0,
    (mul(in5, FIX_2_053119869) + z2 + z4) | 0,
    (mul(in3, FIX_3_072711026) + z2 + z3) | 0,
    (mul(in1, FIX_1_501321110) + z1 + z4) | 0,
  ];
}
