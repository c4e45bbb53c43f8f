/**
 * Single-head spatial self-attention, twin of src/compute/reference/attention.ts (same order),
 * in two kernels: f32_transpose makes vt (N, C) from v (C, N), then
 * f32_attention_rows computes query positions [i0, i1):
 *   scores[i, j] = f32(Σ_c q[c,i]·k[c,j] · scale)  lanes over j, c in order from +0
 *   softmax per row: max, expf(s − max), float64 lane sums, A = f32(e · (1/sum))
 *   out[c, i] = Σ_j A[i,j] · v[c,j]               lanes over c (from vt)
 * q, k, out (C, N); scores (N, N) is caller-provided scratch (row i used by query i);
 * expConstants: the table of kernels/math.ts's f32_exp_constants.
 */
import { assertRange } from './common/checks';
import { expf, expf4, sumLanes4 } from './math';

/** out[j, r] = x[r, j] for rows r in [r0, r1): x (R, C) → out (C, R). */
export function f32_transpose(x: usize, rows: i32, cols: i32, out: usize, r0: i32, r1: i32): void {
  assert(cols >= 0, 'C must not be negative');
  assertRange(r0, r1, rows);
  for (let r = r0; r < r1; r++) {
    for (let j = 0; j < cols; j++) {
      store<f32>(out + (<usize>(j * rows + r) << 2), load<f32>(x + (<usize>(r * cols + j) << 2)));
    }
  }
}

export function f32_attention_rows(
  q: usize,
  k: usize,
  vt: usize,
  channels: i32,
  n: i32,
  scale: f32,
  scores: usize,
  out: usize,
  expConstants: usize,
  i0: i32,
  i1: i32,
): void {
  assert(channels > 0 && n > 0, 'C and N must be positive');
  assertRange(i0, i1, n);
  const k0 = v128.load(expConstants), k1 = v128.load(expConstants, 16), k2 = v128.load(expConstants, 32);
  const rowBytes = <usize>n << 2;
  const vscale = f32x4.splat(scale);
  for (let i = i0; i < i1; i++) {
    const srow = scores + <usize>i * rowBytes;
    let j = 0;
    for (; j + 16 <= n; j += 16) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let c = 0; c < channels; c++) {
        const qc = v128.load32_splat(q + (<usize>(c * n + i) << 2));
        const kr = k + (<usize>(c * n + j) << 2);
        a0 = f32x4.add(a0, f32x4.mul(qc, v128.load(kr)));
        a1 = f32x4.add(a1, f32x4.mul(qc, v128.load(kr, 16)));
        a2 = f32x4.add(a2, f32x4.mul(qc, v128.load(kr, 32)));
        a3 = f32x4.add(a3, f32x4.mul(qc, v128.load(kr, 48)));
      }
      const s = srow + (<usize>j << 2);
      v128.store(s, f32x4.mul(a0, vscale));
      v128.store(s, f32x4.mul(a1, vscale), 16);
      v128.store(s, f32x4.mul(a2, vscale), 32);
      v128.store(s, f32x4.mul(a3, vscale), 48);
    }
    for (; j < n; j++) {
      let acc: f32 = 0;
      for (let c = 0; c < channels; c++) {
        acc += load<f32>(q + (<usize>(c * n + i) << 2)) * load<f32>(k + (<usize>(c * n + j) << 2));
      }
      store<f32>(srow + (<usize>j << 2), acc * scale);
    }
    // The maximum is the same whatever the order of comparisons.
    let max = -Infinity as f32;
    for (j = 0; j < n; j++) {
      const s = load<f32>(srow + (<usize>j << 2));
      if (s > max) max = s;
    }
    const vmax = f32x4.splat(max);
    for (j = 0; j + 4 <= n; j += 4) {
      const p = srow + (<usize>j << 2);
      v128.store(p, expf4(f32x4.sub(v128.load(p), vmax), k0, k1, k2));
    }
    for (; j < n; j++) {
      const p = srow + (<usize>j << 2);
      store<f32>(p, expf(load<f32>(p) - max));
    }
    const inv = 1.0 / sumLanes4(srow, n, false, 0);
    const vinv = f64x2.splat(inv);
    for (j = 0; j + 4 <= n; j += 4) {
      const p = srow + (<usize>j << 2);
      const e = v128.load(p);
      const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(e), vinv));
      const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)), vinv));
      v128.store(p, i32x4.shuffle(lo, hi, 0, 1, 4, 5));
    }
    for (; j < n; j++) {
      const p = srow + (<usize>j << 2);
      store<f32>(p, <f32>(<f64>load<f32>(p) * inv));
    }
  }
  const plane = <usize>n << 2;
  for (let i = i0; i < i1; i++) {
    const arow = scores + <usize>i * rowBytes;
    let c = 0;
    for (; c + 16 <= channels; c += 16) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let pv = vt + (<usize>c << 2);
      for (let j = 0; j < n; j++) {
        const w = v128.load32_splat(arow + (<usize>j << 2));
        a0 = f32x4.add(a0, f32x4.mul(w, v128.load(pv)));
        a1 = f32x4.add(a1, f32x4.mul(w, v128.load(pv, 16)));
        a2 = f32x4.add(a2, f32x4.mul(w, v128.load(pv, 32)));
        a3 = f32x4.add(a3, f32x4.mul(w, v128.load(pv, 48)));
        pv += <usize>channels << 2;
      }
      const o = out + (<usize>(c * n + i) << 2);
      storeColumn(o, plane, a0);
      storeColumn(o + 4 * plane, plane, a1);
      storeColumn(o + 8 * plane, plane, a2);
      storeColumn(o + 12 * plane, plane, a3);
    }
    for (; c < channels; c++) {
      let acc: f32 = 0;
      for (let j = 0; j < n; j++) {
        acc += load<f32>(arow + (<usize>j << 2)) * load<f32>(vt + (<usize>(j * channels + c) << 2));
      }
      store<f32>(out + (<usize>(c * n + i) << 2), acc);
    }
  }
}

/** Lanes 0 … 3 of v to o, o + plane, o + 2·plane, o + 3·plane (four channels, one position). */
// @ts-ignore: decorator
@inline
function storeColumn(o: usize, plane: usize, v: v128): void {
  store<f32>(o, f32x4.extract_lane(v, 0));
  store<f32>(o + plane, f32x4.extract_lane(v, 1));
  store<f32>(o + 2 * plane, f32x4.extract_lane(v, 2));
  store<f32>(o + 3 * plane, f32x4.extract_lane(v, 3));
}
