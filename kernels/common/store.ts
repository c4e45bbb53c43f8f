/** Stores shared by the convolution kernels. */

/** Stores the first min(8, valid) (valid ≥ 1) of 8 pixels at byte offset o, residual + acc when there is a residual. */
// @ts-ignore: decorator
@inline
export function store8(out: usize, residual: usize, o: usize, lo: v128, hi: v128, valid: i32): void {
  if (valid >= 8) {
    if (residual != 0) {
      lo = f32x4.add(v128.load(residual + o), lo);
      hi = f32x4.add(v128.load(residual + o, 16), hi);
    }
    v128.store(out + o, lo);
    v128.store(out + o, hi, 16);
    return;
  }
  for (let i = 0; i < valid; i++) {
    const v = i < 4 ? lo : hi;
    const l = i & 3;
    let x = l == 0
      ? f32x4.extract_lane(v, 0)
      : l == 1
      ? f32x4.extract_lane(v, 1)
      : l == 2
      ? f32x4.extract_lane(v, 2)
      : f32x4.extract_lane(v, 3);
    const at = o + (<usize>i << 2);
    if (residual != 0) x = load<f32>(residual + at) + x;
    store<f32>(out + at, x);
  }
}
