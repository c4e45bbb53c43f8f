/**
 * The project's float32 exp, scalar and f32x4, operation for operation the same as
 * src/compute/reference/math.ts (see there for the constants' reasons).
 */
const EXP_MIN: f32 = -87.33654;
const EXP_MAX: f32 = 88.37626;
const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444005469057e-4;
const C7: f32 = <f32>(1.0 / 5040.0);
const C6: f32 = <f32>(1.0 / 720.0);
const C5: f32 = <f32>(1.0 / 120.0);
const C4: f32 = <f32>(1.0 / 24.0);
const C3: f32 = <f32>(1.0 / 6.0);
const C2: f32 = 0.5;

// @ts-ignore: decorator
@inline
export function expf(x: f32): f32 {
  // expf(x) = p(r) · 2^n, n = floor(x·LOG2E + 0.5), r = (x − n·LN2_HI) − n·LN2_LO
  x = x < EXP_MIN ? EXP_MIN : x > EXP_MAX ? EXP_MAX : x;
  const n = Mathf.floor(x * LOG2E + <f32>0.5);
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  let p = C7;
  p = p * r + C6;
  p = p * r + C5;
  p = p * r + C4;
  p = p * r + C3;
  p = p * r + C2;
  p = p * r + <f32>1;
  p = p * r + <f32>1;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

/**
 * expf4 and swishf4 take their constants as three vectors, loaded by a kernel once per
 * call from the table f32_exp_constants writes: V8 rebuilds a v128 constant at every use
 * inside a loop (three instructions each), which made GroupNorm + swish 1.7× slower,
 * while a lane of a loaded vector is one shuffle away.
 *   k0 = (EXP_MIN, EXP_MAX, LOG2E, 0.5)   k1 = (LN2_HI, LN2_LO, C7, C6)   k2 = (C5, C4, C3, 1)
 */
/** Bytes of the table that f32_exp_constants writes. */
export function f32_exp_constants_bytes(): i32 {
  return 48;
}

/** Writes the table of expf4's constants (f32_exp_constants_bytes) at out. */
export function f32_exp_constants(out: usize): void {
  v128.store(out, f32x4(EXP_MIN, EXP_MAX, LOG2E, 0.5));
  v128.store(out, f32x4(LN2_HI, LN2_LO, C7, C6), 16);
  v128.store(out, f32x4(C5, C4, C3, 1), 32);
}

// Lane i of k in every lane.
// @ts-ignore: decorator
@inline
function lane0(k: v128): v128 {
  return i32x4.shuffle(k, k, 0, 0, 0, 0);
}
// @ts-ignore: decorator
@inline
function lane1(k: v128): v128 {
  return i32x4.shuffle(k, k, 1, 1, 1, 1);
}
// @ts-ignore: decorator
@inline
function lane2(k: v128): v128 {
  return i32x4.shuffle(k, k, 2, 2, 2, 2);
}
// @ts-ignore: decorator
@inline
function lane3(k: v128): v128 {
  return i32x4.shuffle(k, k, 3, 3, 3, 3);
}

// @ts-ignore: decorator
@inline
export function expf4(x: v128, k0: v128, k1: v128, k2: v128): v128 {
  const one = lane3(k2);
  x = f32x4.pmax(x, lane0(k0)); // x < MIN ? MIN : x
  x = f32x4.pmin(x, lane1(k0)); // MAX < x ? MAX : x
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, lane2(k0)), lane3(k0)));
  let r = f32x4.sub(x, f32x4.mul(n, lane0(k1)));
  r = f32x4.sub(r, f32x4.mul(n, lane1(k1)));
  let p = lane2(k1);
  p = f32x4.add(f32x4.mul(p, r), lane3(k1));
  p = f32x4.add(f32x4.mul(p, r), lane0(k2));
  p = f32x4.add(f32x4.mul(p, r), lane1(k2));
  p = f32x4.add(f32x4.mul(p, r), lane2(k2));
  p = f32x4.add(f32x4.mul(p, r), lane3(k0)); // C2 = 0.5
  p = f32x4.add(f32x4.mul(p, r), one);
  p = f32x4.add(f32x4.mul(p, r), one);
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** y · (1 / (1 + exp(−y))) */
// @ts-ignore: decorator
@inline
export function swishf(y: f32): f32 {
  return y * (<f32>1 / (<f32>1 + expf(-y)));
}

// @ts-ignore: decorator
@inline
export function swishf4(y: v128, k0: v128, k1: v128, k2: v128): v128 {
  const one = lane3(k2);
  const e = expf4(f32x4.neg(y), k0, k1, k2);
  return f32x4.mul(y, f32x4.div(one, f32x4.add(one, e)));
}

/**
 * Σ x[0 … n) in float64 as sumLanes4 in src/compute/reference/math.ts: partial sums s[i mod 4],
 * here two f64x2 accumulators (s0, s1) and (s2, s3), combined (s0 + s1) + (s2 + s3).
 * With `center`, sums (x − center)² instead.
 */
// @ts-ignore: decorator
@inline
export function sumLanes4(x: usize, n: i32, squaredAround: bool, center: f64): f64 {
  let a = f64x2.splat(0); // s0, s1
  let b = f64x2.splat(0); // s2, s3
  const vc = f64x2.splat(center);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    let lo = f64x2.promote_low_f32x4(v);
    let hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    if (squaredAround) {
      lo = f64x2.sub(lo, vc);
      hi = f64x2.sub(hi, vc);
      lo = f64x2.mul(lo, lo);
      hi = f64x2.mul(hi, hi);
    }
    a = f64x2.add(a, lo);
    b = f64x2.add(b, hi);
  }
  let s0 = f64x2.extract_lane(a, 0), s1 = f64x2.extract_lane(a, 1);
  let s2 = f64x2.extract_lane(b, 0);
  const s3 = f64x2.extract_lane(b, 1);
  if (i < n) s0 += term(x, i++, squaredAround, center);
  if (i < n) s1 += term(x, i++, squaredAround, center);
  if (i < n) s2 += term(x, i, squaredAround, center);
  return s0 + s1 + (s2 + s3);
}

// @ts-ignore: decorator
@inline
function term(x: usize, i: i32, squaredAround: bool, center: f64): f64 {
  const v = <f64>load<f32>(x + (<usize>i << 2));
  if (!squaredAround) return v;
  const d = v - center;
  return d * d;
}
