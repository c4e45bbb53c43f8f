/**
 * Scalar reference for GroupNorm (32 groups, eps 1e-6) with optional fused swish (twin
 * of kernels/group_norm.ts).
 *
 * Canonical order. A group is the contiguous block of its C/G channels × H·W values.
 *   mean = sumLanes4(group) / n                                   (float64)
 *   var  = sumSquaredDeviationsLanes4(group, mean) / n            (float64, biased)
 *   m = f32(mean); r = f32(1 / sqrt(var + eps))                   (sqrt, ÷ in float64)
 *   per channel c: a_c = f32(r · weight[c])
 *   y = f32(f32(f32(x − m) · a_c) + bias[c]);  then, with swish, y = swishf(y).
 */
import { sumLanes4, sumSquaredDeviationsLanes4, swishf } from './math.js';

const f32 = Math.fround;
export const GROUP_NORM_EPS = 1e-6;

export function groupNorm(
  x: Float32Array, channels: number, pixels: number, // (C, P)
  weight: Float32Array, bias: Float32Array, // (C), (C)
  groups: number,
  out: Float32Array, // (C, P); may be x itself
  swish: boolean,
): void {
  const cg = channels / groups;
  const n = cg * pixels;
  for (let g = 0; g < groups; g++) {
    const start = g * n;
    const mean = sumLanes4(x, start, n) / n;
    const variance = sumSquaredDeviationsLanes4(x, start, n, mean) / n;
    const m = f32(mean);
    const r = f32(1 / Math.sqrt(variance + GROUP_NORM_EPS));
    for (let c = g * cg; c < (g + 1) * cg; c++) {
      const a = f32(r * weight[c]!);
      const b = bias[c]!;
      const row = c * pixels;
      if (swish) {
        for (let p = row; p < row + pixels; p++) out[p] = swishf(f32(f32(f32(x[p]! - m) * a) + b));
      } else {
        for (let p = row; p < row + pixels; p++) out[p] = f32(f32(x[p]! - m) * a) + b;
      }
    }
  }
}
