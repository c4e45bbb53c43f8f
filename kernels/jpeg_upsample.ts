/**
 * libjpeg-turbo's fancy chroma upsampling, twin of src/compute/reference/jpeg_upsample.ts
 * (the same formulas and edges; see there). The triangular filters run on 8 input samples
 * a step in int16 lanes (sums stay below 4·1020), then the even and odd outputs are
 * interleaved; the first and last columns and a tail are scalar.
 * One output row per call; the caller picks the input rows (libjpeg's context rows).
 */

// @ts-ignore: decorator
@inline
function at(p: usize): i32 {
  return <i32>load<u8>(p);
}

// @ts-ignore: decorator
@inline
function widen(p: usize): v128 {
  return i16x8.extend_low_i8x16_u(v128.load64_zero(p));
}

/** The even outputs (lanes of `even`) and odd ones interleaved into 16 bytes at o. */
// @ts-ignore: decorator
@inline
function storeInterleaved(o: usize, even: v128, odd: v128): void {
  const bytes = i8x16.narrow_i16x8_u(even, odd);
  v128.store(o, i8x16.shuffle(bytes, bytes, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
}

/** 2:1 horizontally; dw ≥ 2; one row of 2·dw outputs. */
export function u8_upsample_h2v1_fancy(src: usize, dw: i32, out: usize): void {
  assert(dw >= 2, 'dw must be at least 2');
  const s = src, o = out;
  store<u8>(o, load<u8>(s));
  store<u8>(o + 1, <u8>((at(s) * 3 + at(s + 1) + 2) >> 2));
  let i = 1;
  // out[2i] = (3·in[i] + in[i−1] + 1) >> 2, out[2i+1] = (3·in[i] + in[i+1] + 2) >> 2
  for (; i + 9 <= dw; i += 8) {
    const v3 = i16x8.mul(widen(s + <usize>i), i16x8.splat(3));
    const even = i16x8.shr_u(i16x8.add(i16x8.add(v3, widen(s + <usize>i - 1)), i16x8.splat(1)), 2);
    const odd = i16x8.shr_u(i16x8.add(i16x8.add(v3, widen(s + <usize>i + 1)), i16x8.splat(2)), 2);
    storeInterleaved(o + <usize>(2 * i), even, odd);
  }
  for (; i < dw - 1; i++) {
    const v = at(s + <usize>i) * 3;
    store<u8>(o + <usize>(2 * i), <u8>((v + at(s + <usize>i - 1) + 1) >> 2));
    store<u8>(o + <usize>(2 * i + 1), <u8>((v + at(s + <usize>i + 1) + 2) >> 2));
  }
  const last = s + <usize>(dw - 1);
  store<u8>(o + <usize>(2 * dw - 2), <u8>((at(last) * 3 + at(last - 1) + 1) >> 2));
  store<u8>(o + <usize>(2 * dw - 1), load<u8>(last));
}

/** 1:2 vertically: one row of dw outputs (3·near + far + bias) >> 2. */
export function u8_upsample_h1v2_fancy(near: usize, far: usize, dw: i32, bias: i32, out: usize): void {
  assert(dw >= 1 && (bias == 1 || bias == 2), 'dw must be positive and bias 1 or 2');
  let x = 0;
  for (; x + 8 <= dw; x += 8) {
    const sum = i16x8.add(i16x8.mul(widen(near + <usize>x), i16x8.splat(3)), widen(far + <usize>x));
    const v = i16x8.shr_u(i16x8.add(sum, i16x8.splat(<i16>bias)), 2);
    v128.store_lane<i64>(out + <usize>x, i8x16.narrow_i16x8_u(v, v), 0);
  }
  for (; x < dw; x++) store<u8>(out + <usize>x, <u8>((at(near + <usize>x) * 3 + at(far + <usize>x) + bias) >> 2));
}

/** 2:1 both ways; dw ≥ 2; one row of 2·dw outputs from the near and far input rows. */
export function u8_upsample_h2v2_fancy(near: usize, far: usize, dw: i32, out: usize): void {
  assert(dw >= 2, 'dw must be at least 2');
  const o = out;
  // Column sums c[i] = 3·near[i] + far[i].
  const c0 = at(near) * 3 + at(far), c1 = at(near + 1) * 3 + at(far + 1);
  store<u8>(o, <u8>((c0 * 4 + 8) >> 4));
  store<u8>(o + 1, <u8>((c0 * 3 + c1 + 7) >> 4));
  let i = 1;
  // out[2i] = (3·c[i] + c[i−1] + 8) >> 4, out[2i+1] = (3·c[i] + c[i+1] + 7) >> 4
  for (; i + 9 <= dw; i += 8) {
    const p = <usize>i;
    const here = i16x8.add(i16x8.mul(widen(near + p), i16x8.splat(3)), widen(far + p));
    const before = i16x8.add(i16x8.mul(widen(near + p - 1), i16x8.splat(3)), widen(far + p - 1));
    const after = i16x8.add(i16x8.mul(widen(near + p + 1), i16x8.splat(3)), widen(far + p + 1));
    const here3 = i16x8.mul(here, i16x8.splat(3));
    const even = i16x8.shr_u(i16x8.add(i16x8.add(here3, before), i16x8.splat(8)), 4);
    const odd = i16x8.shr_u(i16x8.add(i16x8.add(here3, after), i16x8.splat(7)), 4);
    storeInterleaved(o + <usize>(2 * i), even, odd);
  }
  for (; i < dw - 1; i++) {
    const p = <usize>i;
    const here = at(near + p) * 3 + at(far + p);
    store<u8>(o + <usize>(2 * i), <u8>((here * 3 + at(near + p - 1) * 3 + at(far + p - 1) + 8) >> 4));
    store<u8>(o + <usize>(2 * i + 1), <u8>((here * 3 + at(near + p + 1) * 3 + at(far + p + 1) + 7) >> 4));
  }
  const l = <usize>(dw - 1);
  const cl = at(near + l) * 3 + at(far + l), cp = at(near + l - 1) * 3 + at(far + l - 1);
  store<u8>(o + <usize>(2 * dw - 2), <u8>((cl * 3 + cp + 8) >> 4));
  store<u8>(o + <usize>(2 * dw - 1), <u8>((cl * 4 + 7) >> 4));
}

/** Integer factor h by replication: one row, out[x] = in[x / h] for x < outW. */
export function u8_upsample_replicate(src: usize, h: i32, outW: i32, out: usize): void {
  assert(h >= 1 && outW >= 0, 'h must be positive');
  for (let x = 0; x < outW; x++) store<u8>(out + <usize>x, load<u8>(src + <usize>(x / h)));
}
