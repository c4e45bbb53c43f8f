/**
 * The machine's SIMD128 arithmetic peak, for the benchmark's "share of peak": twelve
 * independent f32x4 chains x = x·m + c (one multiply and one add each, 8 FLOP per chain
 * step), enough chains to hide the latency. x converges to c / (1 − m) = 2: no
 * overflow, no subnormals. Returns a lane sum so the work cannot be optimised away.
 */
export function f32_simd_peak(iterations: i32): f32 {
  const m = f32x4.splat(0.5);
  const c = f32x4.splat(1);
  let x0 = f32x4.splat(0.1), x1 = f32x4.splat(0.2), x2 = f32x4.splat(0.3), x3 = f32x4.splat(0.4);
  let x4 = f32x4.splat(0.5), x5 = f32x4.splat(0.6), x6 = f32x4.splat(0.7), x7 = f32x4.splat(0.8);
  let x8 = f32x4.splat(0.9), x9 = f32x4.splat(1.0), x10 = f32x4.splat(1.1), x11 = f32x4.splat(1.2);
  for (let i = 0; i < iterations; i++) {
    x0 = f32x4.add(f32x4.mul(x0, m), c);
    x1 = f32x4.add(f32x4.mul(x1, m), c);
    x2 = f32x4.add(f32x4.mul(x2, m), c);
    x3 = f32x4.add(f32x4.mul(x3, m), c);
    x4 = f32x4.add(f32x4.mul(x4, m), c);
    x5 = f32x4.add(f32x4.mul(x5, m), c);
    x6 = f32x4.add(f32x4.mul(x6, m), c);
    x7 = f32x4.add(f32x4.mul(x7, m), c);
    x8 = f32x4.add(f32x4.mul(x8, m), c);
    x9 = f32x4.add(f32x4.mul(x9, m), c);
    x10 = f32x4.add(f32x4.mul(x10, m), c);
    x11 = f32x4.add(f32x4.mul(x11, m), c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(x0, x1), f32x4.add(x2, x3)), f32x4.add(f32x4.add(x4, x5), f32x4.add(x6, x7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(x8, x9), f32x4.add(x10, x11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}
