/**
 * The four phases of a map, twin of src/compute/reference/phases.ts: x (C, H, W), H and W even →
 * out (4C, H/2, W/2), channel 4c + 2·py + px holding x[c, 2i + py, 2j + px]. A stride-2
 * 3×3 convolution of x is a 2×2 stride-1 one of its phases (the fast mode's s2).
 * Computes channels [c0, c1).
 */
import { assertRange } from './common/checks';

export function f32_split_phases(x: usize, c: i32, h: i32, w: i32, out: usize, c0: i32, c1: i32): void {
  assert(h > 0 && w > 0 && h % 2 == 0 && w % 2 == 0, 'H and W must be positive and even');
  assertRange(c0, c1, c);
  const hh = h >> 1, wh = w >> 1;
  const planeBytes = <usize>(hh * wh) << 2;
  for (let ch = c0; ch < c1; ch++) {
    for (let y = 0; y < h; y++) {
      const src = x + (<usize>((ch * h + y) * w) << 2);
      // (py, 0) and (py, 1): the even and the odd columns of row y.
      const even = out + <usize>(4 * ch + 2 * (y & 1)) * planeBytes + (<usize>((y >> 1) * wh) << 2);
      const odd = even + planeBytes;
      let j = 0;
      for (; j + 4 <= wh; j += 4) {
        const a = v128.load(src + (<usize>(2 * j) << 2)), b = v128.load(src + (<usize>(2 * j) << 2), 16);
        v128.store(even + (<usize>j << 2), i32x4.shuffle(a, b, 0, 2, 4, 6));
        v128.store(odd + (<usize>j << 2), i32x4.shuffle(a, b, 1, 3, 5, 7));
      }
      for (; j < wh; j++) {
        store<f32>(even + (<usize>j << 2), load<f32>(src + (<usize>(2 * j) << 2)));
        store<f32>(odd + (<usize>j << 2), load<f32>(src + (<usize>(2 * j + 1) << 2)));
      }
    }
  }
}
