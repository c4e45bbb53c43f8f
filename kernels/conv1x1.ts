/**
 * 1×1 convolution, twin of src/compute/reference/conv1x1.ts: out = bias, then += w·x over ci in
 * order, a rounding after every multiply and add; residual + sum when there is one.
 * x (C_in, P), weight (C_out, C_in), out (C_out, P); residual 0 for none.
 *
 * Two steps, like the 3×3 convolutions: f32_pack1x1 copies x into blocks of 8 pixels,
 * (ceil(P/8), C_in, 8), zeros past the last pixel, so that the compute loop reads one
 * contiguous line per block (reading x itself, the C_in rows of a block lie a plane
 * apart: a multiple of 4 KiB at 32×32 and up, all in one L1 set, which held 128×128
 * maps to 14% of peak). f32_conv1x1_4x8 then computes groups of pixel blocks, every
 * output channel of them: register tile 4 output channels × 8 pixels, leftover channels
 * one at a time; pixels past P are computed on the zeros and not stored.
 */
import { assertRange } from './common/checks';
import { store8 } from './common/store';

/** x (C_in, P) → blocks [b0, b1) of packed (ceil(P/8), C_in, 8). */
export function f32_pack1x1(x: usize, cin: i32, pixels: i32, packed: usize, b0: i32, b1: i32): void {
  assert(cin > 0 && pixels > 0, 'C_in and P must be positive');
  assertRange(b0, b1, (pixels + 7) >> 3);
  const plane = <usize>pixels << 2;
  for (let b = b0; b < b1; b++) {
    const p = b << 3;
    const valid = min(8, pixels - p);
    let o = packed + <usize>b * <usize>cin * 32;
    let src = x + (<usize>p << 2);
    for (let ci = 0; ci < cin; ci++) {
      if (valid == 8) {
        v128.store(o, v128.load(src));
        v128.store(o, v128.load(src, 16), 16);
      } else {
        for (let i = 0; i < 8; i++) store<f32>(o + (<usize>i << 2), i < valid ? load<f32>(src + (<usize>i << 2)) : 0);
      }
      o += 32;
      src += plane;
    }
  }
}

/**
 * Pixel blocks per pass over the weights: each 4-channel slice of the weights is used on
 * GROUP blocks while it sits in L1, and the group (GROUP × C_in × 32 bytes) stays in L2.
 */
const GROUP = 8;

/** out (C_out, P) for pixel blocks [b0, b1) of `packed` (from f32_pack1x1). */
export function f32_conv1x1_4x8(
  packed: usize,
  cin: i32,
  pixels: i32,
  weight: usize,
  bias: usize,
  out: usize,
  cout: i32,
  residual: usize,
  b0: i32,
  b1: i32,
): void {
  assert(cin > 0 && cout > 0 && pixels > 0, 'C_in, C_out and P must be positive');
  assertRange(b0, b1, (pixels + 7) >> 3);
  const plane = <usize>pixels << 2;
  const ws = <usize>cin << 2;
  for (let g0 = b0; g0 < b1; g0 += GROUP) {
    const g1 = min(b1, g0 + GROUP);
    let co = 0;
    for (; co + 4 <= cout; co += 4) {
      const wco = weight + <usize>co * ws;
      const vb0 = f32x4.splat(load<f32>(bias + (<usize>co << 2))),
        vb1 = f32x4.splat(load<f32>(bias + (<usize>co << 2), 4));
      const vb2 = f32x4.splat(load<f32>(bias + (<usize>co << 2), 8)),
        vb3 = f32x4.splat(load<f32>(bias + (<usize>co << 2), 12));
      for (let b = g0; b < g1; b++) {
        let vacc0x0123 = vb0, vacc0x4567 = vb0, vacc1x0123 = vb1, vacc1x4567 = vb1;
        let vacc2x0123 = vb2, vacc2x4567 = vb2, vacc3x0123 = vb3, vacc3x4567 = vb3;
        let px = packed + <usize>b * <usize>cin * 32;
        let pw = wco;
        for (let ci = 0; ci < cin; ci++) {
          // acc[co][p] += w[co][ci]·x[ci][p]
          const vx0123 = v128.load(px), vx4567 = v128.load(px, 16);
          let vw = v128.load32_splat(pw);
          vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(vw, vx0123));
          vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(vw, vx4567));
          vw = v128.load32_splat(pw + ws);
          vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(vw, vx0123));
          vacc1x4567 = f32x4.add(vacc1x4567, f32x4.mul(vw, vx4567));
          vw = v128.load32_splat(pw + 2 * ws);
          vacc2x0123 = f32x4.add(vacc2x0123, f32x4.mul(vw, vx0123));
          vacc2x4567 = f32x4.add(vacc2x4567, f32x4.mul(vw, vx4567));
          vw = v128.load32_splat(pw + 3 * ws);
          vacc3x0123 = f32x4.add(vacc3x0123, f32x4.mul(vw, vx0123));
          vacc3x4567 = f32x4.add(vacc3x4567, f32x4.mul(vw, vx4567));
          px += 32;
          pw += 4;
        }
        const p = b << 3;
        const valid = pixels - p;
        const o = <usize>co * plane + (<usize>p << 2);
        store8(out, residual, o, vacc0x0123, vacc0x4567, valid);
        store8(out, residual, o + plane, vacc1x0123, vacc1x4567, valid);
        store8(out, residual, o + 2 * plane, vacc2x0123, vacc2x4567, valid);
        store8(out, residual, o + 3 * plane, vacc3x0123, vacc3x4567, valid);
      }
    }
    for (; co < cout; co++) {
      const vb = f32x4.splat(load<f32>(bias + (<usize>co << 2)));
      for (let b = g0; b < g1; b++) {
        let vacc0123 = vb, vacc4567 = vb;
        let px = packed + <usize>b * <usize>cin * 32;
        let pw = weight + <usize>co * ws;
        for (let ci = 0; ci < cin; ci++) {
          const vw = v128.load32_splat(pw);
          vacc0123 = f32x4.add(vacc0123, f32x4.mul(vw, v128.load(px)));
          vacc4567 = f32x4.add(vacc4567, f32x4.mul(vw, v128.load(px, 16)));
          px += 32;
          pw += 4;
        }
        const p = b << 3;
        store8(out, residual, <usize>co * plane + (<usize>p << 2), vacc0123, vacc4567, pixels - p);
      }
    }
  }
}
