/**
 * GroupNorm with optional fused swish, twin of src/compute/reference/group_norm.ts (same order:
 * float64 statistics with four interleaved partial sums, then per element
 * y = ((x − m) · a_c) + b_c in float32, then swish).
 * x, out (C, P), may be the same; weight, bias (C); groups [g0, g1) of `groups`;
 * expConstants: the table of kernels/math.ts's f32_exp_constants.
 */
import { assertRange } from './common/checks';
import { sumLanes4, swishf, swishf4 } from './math';

const EPS: f64 = 1e-6;

export function f32_group_norm(
  x: usize,
  channels: i32,
  pixels: i32,
  weight: usize,
  bias: usize,
  groups: i32,
  out: usize,
  swish: i32,
  expConstants: usize,
  g0: i32,
  g1: i32,
): void {
  const k0 = v128.load(expConstants), k1 = v128.load(expConstants, 16), k2 = v128.load(expConstants, 32);
  const cg = channels / groups;
  // A product, not a remainder: a remainder may trap, so release builds would keep it.
  assert(groups > 0 && cg * groups == channels, 'C must be a positive multiple of groups');
  assert(pixels > 0, 'P must be positive');
  assertRange(g0, g1, groups);
  const n = cg * pixels;
  for (let g = g0; g < g1; g++) {
    const start = x + (<usize>(g * n) << 2);
    const mean = sumLanes4(start, n, false, 0) / <f64>n;
    const variance = sumLanes4(start, n, true, mean) / <f64>n;
    const m = <f32>mean;
    const r = <f32>(1.0 / Math.sqrt(variance + EPS));
    for (let c = g * cg; c < (g + 1) * cg; c++) {
      const a = r * load<f32>(weight + (<usize>c << 2));
      const b = load<f32>(bias + (<usize>c << 2));
      const va = f32x4.splat(a), vb = f32x4.splat(b), vm = f32x4.splat(m);
      const src = x + (<usize>(c * pixels) << 2);
      const dst = out + (<usize>(c * pixels) << 2);
      let p = 0;
      if (swish) {
        // Two vectors per step: the exp of one overlaps the other's.
        for (; p + 8 <= pixels; p += 8) {
          const at = <usize>p << 2;
          const y0 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(src + at), vm), va), vb);
          const y1 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(src + at, 16), vm), va), vb);
          v128.store(dst + at, swishf4(y0, k0, k1, k2));
          v128.store(dst + at, swishf4(y1, k0, k1, k2), 16);
        }
        for (; p < pixels; p++) {
          store<f32>(dst + (<usize>p << 2), swishf((load<f32>(src + (<usize>p << 2)) - m) * a + b));
        }
      } else {
        for (; p + 4 <= pixels; p += 4) {
          v128.store(
            dst + (<usize>p << 2),
            f32x4.add(f32x4.mul(f32x4.sub(v128.load(src + (<usize>p << 2)), vm), va), vb),
          );
        }
        for (; p < pixels; p++) {
          store<f32>(dst + (<usize>p << 2), (load<f32>(src + (<usize>p << 2)) - m) * a + b);
        }
      }
    }
  }
}
