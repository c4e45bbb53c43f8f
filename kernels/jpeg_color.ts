/**
 * libjpeg-turbo's YCbCr → RGB, twin of src/compute/reference/jpeg_color.ts (the same
 * integers). Eight pixels a step: int32 lanes for the products, then the saturating
 * narrowings int32 → int16 → uint8 are the clamp to 0..255; an explicit tail loop.
 * y, cb, cr: planes, stride bytes a row; out: width × rows RGB pixels, packed.
 */

// @ts-ignore: decorator
@inline
function k(v: i32): v128 {
  return i32x4.splat(v);
}

/** Y + (a·x + c) >> 16 for the low or high four pixels, as int32. */
// @ts-ignore: decorator
@inline
function channel(y: v128, term: v128): v128 {
  return i32x4.add(y, i32x4.shr_s(term, 16));
}

// @ts-ignore: decorator
@inline
function clamp8(v: i32): u8 {
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v);
}

export function u8_ycc_to_rgb(y: usize, cb: usize, cr: usize, stride: i32, width: i32, rows: i32, out: usize): void {
  assert(width > 0 && stride >= width && rows >= 0, 'a row must fit in stride');
  for (let r = 0; r < rows; r++) {
    const row = <usize>(r * stride);
    const dst = out + <usize>(r * width * 3);
    let x = 0;
    for (; x + 8 <= width; x += 8) {
      const y16 = i16x8.extend_low_i8x16_u(v128.load64_zero(y + row + x));
      const b16 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(cb + row + x)), i16x8.splat(128));
      const r16 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(cr + row + x)), i16x8.splat(128));
      const yl = i32x4.extend_low_i16x8_s(y16), yh = i32x4.extend_high_i16x8_s(y16);
      const bl = i32x4.extend_low_i16x8_s(b16), bh = i32x4.extend_high_i16x8_s(b16);
      const rl = i32x4.extend_low_i16x8_s(r16), rh = i32x4.extend_high_i16x8_s(r16);
      // R = Y + (91881·xr + 32768) >> 16; G = Y + (−22554·xb + 32768 − 46802·xr) >> 16; B = Y + (116130·xb + 32768) >> 16
      const red = i16x8.narrow_i32x4_s(
        channel(yl, i32x4.add(i32x4.mul(rl, k(91881)), k(32768))),
        channel(yh, i32x4.add(i32x4.mul(rh, k(91881)), k(32768))),
      );
      const green = i16x8.narrow_i32x4_s(
        channel(yl, i32x4.sub(i32x4.add(i32x4.mul(bl, k(-22554)), k(32768)), i32x4.mul(rl, k(46802)))),
        channel(yh, i32x4.sub(i32x4.add(i32x4.mul(bh, k(-22554)), k(32768)), i32x4.mul(rh, k(46802)))),
      );
      const blue = i16x8.narrow_i32x4_s(
        channel(yl, i32x4.add(i32x4.mul(bl, k(116130)), k(32768))),
        channel(yh, i32x4.add(i32x4.mul(bh, k(116130)), k(32768))),
      );
      const rg = i8x16.narrow_i16x8_u(red, green); // r0..r7 g0..g7
      const bb = i8x16.narrow_i16x8_u(blue, blue); // b0..b7 b0..b7
      const first = i8x16.shuffle(rg, bb, 0, 8, 16, 1, 9, 17, 2, 10, 18, 3, 11, 19, 4, 12, 20, 5);
      const rest = i8x16.shuffle(rg, bb, 13, 21, 6, 14, 22, 7, 15, 23, 0, 0, 0, 0, 0, 0, 0, 0);
      const o = dst + <usize>(x * 3);
      v128.store(o, first);
      v128.store_lane<i64>(o + 16, rest, 0);
    }
    for (; x < width; x++) {
      const s = row + <usize>x;
      const luma = <i32>load<u8>(y + s);
      const xb = <i32>load<u8>(cb + s) - 128;
      const xr = <i32>load<u8>(cr + s) - 128;
      const o = dst + <usize>(x * 3);
      store<u8>(o, clamp8(luma + ((91881 * xr + 32768) >> 16)));
      store<u8>(o + 1, clamp8(luma + ((-22554 * xb + 32768 - 46802 * xr) >> 16)));
      store<u8>(o + 2, clamp8(luma + ((116130 * xb + 32768) >> 16)));
    }
  }
}
