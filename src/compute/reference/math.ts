/**
 * The project's own float32 math, shared by every backend so that results are the same
 * bytes everywhere: Math.exp differs between engines, so exp is built here from
 * operations that IEEE 754 rounds exactly (+, −, ×, ÷, floor), each result rounded to
 * float32 with Math.fround. The WebAssembly kernels perform the same operations in the
 * same order.
 */
const f32 = Math.fround;

// Inputs are clamped so that 2^n stays a normal float32: n = floor(x·log2(e) + 0.5)
// then lies in [−126, 127].
const EXP_MIN = f32(-87.33654);
const EXP_MAX = f32(88.37626);
const LOG2E = f32(1.4426950408889634);
// ln 2 split in two: LN2_HI has 9 significant bits, so n·LN2_HI is exact for |n| ≤ 127.
const LN2_HI = f32(0.693359375);
const LN2_LO = f32(-2.1219444005469057e-4);
// Taylor coefficients 1/k! for k = 7 … 2; |r| ≤ ln2/2 keeps the truncation below 1e-8.
const C7 = f32(1 / 5040);
const C6 = f32(1 / 720);
const C5 = f32(1 / 120);
const C4 = f32(1 / 24);
const C3 = f32(1 / 6);
const C2 = f32(0.5);

const pow2Bits = new Int32Array(1);
const pow2Value = new Float32Array(pow2Bits.buffer);

/** 2^n as a float32 for integer n in [−126, 127], built from its exponent bits. */
function pow2(n: number): number {
  pow2Bits[0] = (n + 127) << 23;
  return pow2Value[0]!;
}

/**
 * exp(x) in float32, within about 2 ulp of the true value on [−87.3, 88.4]; inputs
 * outside are clamped (exp(−87.3) ≈ 1.2e−38, exp(88.4) ≈ 2.4e38).
 * Order: clamp; n = floor(x·LOG2E + 0.5); r = (x − n·LN2_HI) − n·LN2_LO;
 * p = Horner(C7 … C2) then p·r + 1 twice (r²/2 + r + 1); result p · 2^n.
 */
export function expf(x: number): number {
  x = x < EXP_MIN ? EXP_MIN : x > EXP_MAX ? EXP_MAX : x;
  const n = Math.floor(f32(f32(x * LOG2E) + 0.5));
  let r = f32(x - f32(n * LN2_HI));
  r = f32(r - f32(n * LN2_LO));
  let p = C7;
  p = f32(f32(p * r) + C6);
  p = f32(f32(p * r) + C5);
  p = f32(f32(p * r) + C4);
  p = f32(f32(p * r) + C3);
  p = f32(f32(p * r) + C2);
  p = f32(f32(p * r) + 1);
  p = f32(f32(p * r) + 1);
  return f32(p * pow2(n));
}

/** swish(y) = y · sigmoid(y) = y · (1 / (1 + exp(−y))), every step rounded to float32. */
export function swishf(y: number): number {
  const e = expf(-y);
  return f32(y * f32(1 / f32(1 + e)));
}

/**
 * Σ data[start … start+n) in float64 with four partial sums, s[i mod 4] += x_i in
 * increasing i, combined as (s0 + s1) + (s2 + s3). Float64 keeps the statistics
 * accurate for millions of terms; the lane pattern is what two f64x2 accumulators give.
 */
export function sumLanes4(data: Float32Array, start: number, n: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += data[start + i]!;
    s1 += data[start + i + 1]!;
    s2 += data[start + i + 2]!;
    s3 += data[start + i + 3]!;
  }
  if (i < n) s0 += data[start + i++]!;
  if (i < n) s1 += data[start + i++]!;
  if (i < n) s2 += data[start + i]!;
  return s0 + s1 + (s2 + s3);
}

/** Σ (x_i − mean)² in float64, same lane pattern as sumLanes4. */
export function sumSquaredDeviationsLanes4(data: Float32Array, start: number, n: number, mean: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d0 = data[start + i]! - mean;
    const d1 = data[start + i + 1]! - mean;
    const d2 = data[start + i + 2]! - mean;
    const d3 = data[start + i + 3]! - mean;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  if (i < n) { const d = data[start + i++]! - mean; s0 += d * d; }
  if (i < n) { const d = data[start + i++]! - mean; s1 += d * d; }
  if (i < n) { const d = data[start + i]! - mean; s2 += d * d; }
  return s0 + s1 + (s2 + s3);
}
