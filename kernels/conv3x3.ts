/**
 * 3×3 convolutions, twin of src/compute/reference/conv3x3.ts (same canonical order: bias, then
 * w·x over (ci, ky, kx), a rounding after every multiply and add, taps on the padding
 * included as w·0, residual added to the finished sum).
 *
 * Two steps, so that the compute loop streams contiguous memory with no edge cases:
 *
 * 1. A pack kernel copies the input into tiles. Output columns go in tiles of 8; for
 *    each packed row r, tile t and input channel ci, one line of L floats holds every
 *    input value the tile's taps read from that row, zeros where they fall on the
 *    padding. Layout (R, T, C_in, L):
 *      s1   L = 12: virtual columns 8t − 1 … 8t + 10 of row r − 1;  R = H + 2
 *      up2  L = 12: the same on the nearest ×2 upsampled input;     R = 2H + 2
 *      s2   L = 20: even columns E[8t … 8t+8] at 0 … 8 and odd columns O[8t … 8t+7]
 *           at 10 … 17 of row r (E[W/2] and row H are the zero padding); R = H + 1
 *    Packed rows lie rowBytes apart, a little more than their size: a row stride that is
 *    a multiple of 4 KiB puts the three rows a tap reads in the same cache sets, which
 *    cost a third of the speed at 256×256.
 *    Output row oy reads packed rows oy·S + ky (S = 1, or 2 for s2), and tap (ky, kx)
 *    lies at ky·rowBytes + column offset: kx for s1/up2; 0, 10, 1 for s2.
 * 2. f32_conv3x3_4x8 computes tiles of 4 output channels × 8 pixels (8 f32x4
 *    accumulators) from the packed input and weights packed as (C_out/4, C_in, 9, 4).
 *    Partial tiles (C_out or W_out not a multiple of 4 or 8) are computed in full on the
 *    zero padding and only their valid outputs stored.
 * Pointers are byte addresses in linear memory.
 *
 * Every kernel here computes a range [r0, r1) of its output (rows, or rows by channel
 * groups), so that threads can share one call: each output is computed in the same
 * order whatever the range.
 */
import { assertRange } from './common/checks';
import { store8 } from './common/store';

// @ts-ignore: decorator
@inline
function loadOrZero(x: usize, i: i32, n: i32): f32 {
  return i >= 0 && i < n ? load<f32>(x + (<usize>i << 2)) : 0;
}

/**
 * x (C, H, W) → packed rows [r0, r1) of (H + 2, T, C, 12), T = ceil(W / 8), rows
 * rowBytes apart; `up` folds nearest ×2.
 */
function pack(x: usize, c: i32, h: i32, w: i32, up: bool, out: usize, rowBytes: i32, r0: i32, r1: i32): void {
  const hv = up ? 2 * h : h; // the virtual (upsampled) input
  const wv = up ? 2 * w : w;
  const shift = up ? 1 : 0;
  const tiles = (wv + 7) >> 3;
  for (let r = r0; r < r1; r++) {
    const vy = r - 1;
    let o = out + <usize>r * <usize>rowBytes;
    for (let t = 0; t < tiles; t++) {
      for (let ci = 0; ci < c; ci++) {
        if (vy < 0 || vy >= hv) {
          v128.store(o, i32x4.splat(0));
          v128.store(o, i32x4.splat(0), 16);
          v128.store(o, i32x4.splat(0), 32);
        } else {
          const row = x + (<usize>((ci * h + (vy >> shift)) * w) << 2);
          for (let i = 0; i < 12; i++) {
            const vx = 8 * t - 1 + i;
            store<f32>(o + (<usize>i << 2), vx >= 0 && vx < wv ? load<f32>(row + (<usize>(vx >> shift) << 2)) : 0);
          }
        }
        o += 48;
      }
    }
  }
}

/** The pack kernels' sizes; rowBytes a multiple of 16 keeps every packed line's vectors aligned. */
// @ts-ignore: decorator
@inline
function assertPack(c: i32, h: i32, w: i32, rowBytes: i32): void {
  assert(c > 0 && h > 0 && w > 0, 'C, H and W must be positive');
  assert(rowBytes > 0 && rowBytes % 16 == 0, 'rowBytes must be a positive multiple of 16');
}

/** Packed input for stride 1, padding 1: rows [r0, r1) of H + 2. */
export function f32_pack3x3_s1(x: usize, c: i32, h: i32, w: i32, out: usize, rowBytes: i32, r0: i32, r1: i32): void {
  assertPack(c, h, w, rowBytes);
  assertRange(r0, r1, h + 2);
  pack(x, c, h, w, false, out, rowBytes, r0, r1);
}

/** Packed input for nearest ×2 upsampling then stride 1, padding 1: rows [r0, r1) of 2H + 2. */
export function f32_pack3x3_up2(x: usize, c: i32, h: i32, w: i32, out: usize, rowBytes: i32, r0: i32, r1: i32): void {
  assertPack(c, h, w, rowBytes);
  assertRange(r0, r1, 2 * h + 2);
  pack(x, c, h, w, true, out, rowBytes, r0, r1);
}

/** x (C, H, W), H and W even → packed rows [r0, r1) of (H + 1, T, C, 20), T = ceil(W / 16). */
export function f32_pack3x3_s2(x: usize, c: i32, h: i32, w: i32, out: usize, rowBytes: i32, r0: i32, r1: i32): void {
  assertPack(c, h, w, rowBytes);
  assert(h % 2 == 0 && w % 2 == 0, 'stride 2: H and W must be even');
  assertRange(r0, r1, h + 1);
  const tiles = ((w >> 1) + 7) >> 3;
  for (let r = r0; r < r1; r++) {
    let o = out + <usize>r * <usize>rowBytes;
    for (let t = 0; t < tiles; t++) {
      for (let ci = 0; ci < c; ci++) {
        const row = x + (<usize>((ci * h + r) * w) << 2);
        if (r < h && 16 * t + 20 <= w) {
          // x[16t … 16t + 19] as five vectors, split into E[8t … 8t+9] and O[8t … 8t+9].
          const src = row + (<usize>(16 * t) << 2);
          const v0 = v128.load(src),
            v1 = v128.load(src, 16),
            v2 = v128.load(src, 32),
            v3 = v128.load(src, 48),
            v4 = v128.load(src, 64);
          v128.store(o, i32x4.shuffle(v0, v1, 0, 2, 4, 6)); // E0 … E3
          v128.store(o, i32x4.shuffle(v2, v3, 0, 2, 4, 6), 16); // E4 … E7
          v128.store(o, i32x4.shuffle(v4, v0, 0, 2, 5, 7), 32); // E8 E9 O0 O1
          v128.store(o, i32x4.shuffle(v1, v2, 1, 3, 5, 7), 48); // O2 … O5
          v128.store(o, i32x4.shuffle(v3, v4, 1, 3, 5, 7), 64); // O6 … O9
        } else {
          for (let i = 0; i < 10; i++) {
            const j = 8 * t + i; // E[j] = x[2j], O[j] = x[2j + 1]
            store<f32>(o + (<usize>i << 2), r < h ? loadOrZero(row, 2 * j, w) : 0);
            store<f32>(o + (<usize>(10 + i) << 2), r < h ? loadOrZero(row, 2 * j + 1, w) : 0);
          }
        }
        o += 80;
      }
    }
  }
}

/** weight (C_out, C_in, 3, 3) → (ceil(C_out/4), C_in, 9, 4), missing channels zero. */
export function f32_pack3x3_weights(weight: usize, cout: i32, cin: i32, out: usize): void {
  assert(cout > 0 && cin > 0, 'C_out and C_in must be positive');
  const blocks = (cout + 3) >> 2;
  let o = out;
  for (let b = 0; b < blocks; b++) {
    for (let ci = 0; ci < cin; ci++) {
      for (let t = 0; t < 9; t++) {
        for (let l = 0; l < 4; l++) {
          const co = 4 * b + l;
          store<f32>(o, co < cout ? load<f32>(weight + (<usize>((co * cin + ci) * 9 + t) << 2)) : 0);
          o += 4;
        }
      }
    }
  }
}

/**
 * Input channels per pass over the output-channel blocks: one pass's tile lines and
 * weights (CHUNK × 288 bytes) stay in the L1 cache, whatever the physical placement of
 * the pages (with whole C_in, 256×256 maps ran at 55% or 85% of peak from run to run).
 */
const CHUNK = 32;

/**
 * Tiles of a row that share each (chunk, output-channel block) of weights while it sits
 * in L1: the weights stream from L2/L3 once per TILES tiles instead of once per tile,
 * which is what keeps two threads (one L3) as fast per core as one.
 */
const TILES = 4;

/** Bytes of `partial` scratch that f32_conv3x3_4x8 needs per thread for C_out channels. */
export function f32_conv3x3_4x8_scratch_bytes(cout: i32): i32 {
  return TILES * (((cout + 3) >> 2) << 7);
}

/**
 * out[co, oy, ox] = residual + (bias[co] + Σ_ci Σ_t w[co, ci, t] · x[tap t of (oy, ox)])
 * in (ci, t) order. packed from a pack kernel (rowBytes between packed rows, lineBytes per
 * channel line, step packed rows per output row); taps: 9 i32 byte offsets within a
 * tile; packedWeights from f32_pack3x3_weights; residual 0 for none; partial: this
 * thread's scratch (f32_conv3x3_4x8_scratch_bytes). Computes work items [i0, i1): item
 * oy · G + g is output row oy, channels [g · coGroup, (g + 1) · coGroup) (coGroup a
 * multiple of 4; G = ceil(C_out / coGroup)), so that small maps still give every thread
 * pieces.
 * Each row's tiles go in groups of TILES; for each group the input channels go in chunks
 * of CHUNK, each chunk over every output-channel block and every tile of the group, the
 * sums parked in `partial` in between (float32 stores are exact: the order of operations
 * per output is unchanged).
 */
export function f32_conv3x3_4x8(
  packed: usize,
  rowBytes: i32,
  lineBytes: i32,
  step: i32,
  taps: usize,
  cin: i32,
  packedWeights: usize,
  bias: usize,
  out: usize,
  cout: i32,
  hout: i32,
  wout: i32,
  residual: usize,
  partial: usize,
  coGroup: i32,
  i0: i32,
  i1: i32,
): void {
  const tiles = (wout + 7) >> 3;
  const tileBytes = <usize>(cin * lineBytes);
  const blockBytes = <usize>(cin * 144); // one co-block's weights: C_in × 9 taps × 4 lanes
  const plane = <usize>(hout * wout) << 2;
  const partialBytes = <usize>((cout + 3) >> 2) << 7; // one tile's sums: 4 channels × 8 pixels per block
  assert(cin > 0 && cout > 0 && hout > 0 && wout > 0, 'C_in, C_out, H_out and W_out must be positive');
  assert(step == 1 || step == 2, 'step must be 1 or 2');
  assert(coGroup > 0 && coGroup % 4 == 0, 'coGroup must be a positive multiple of 4');
  const groups = (cout + coGroup - 1) / coGroup;
  assertRange(i0, i1, hout * groups);
  for (let item = i0; item < i1; item++) {
    const oy = item / groups;
    const coStart = (item % groups) * coGroup;
    const coEnd = min(cout, coStart + coGroup);
    const rowBase = packed + <usize>(oy * step) * <usize>rowBytes;
    for (let t0 = 0; t0 < tiles; t0 += TILES) {
      const t1 = min(tiles, t0 + TILES);
      for (let c0 = 0; c0 < cin; c0 += CHUNK) {
        const c1 = min(cin, c0 + CHUNK);
        for (let co = coStart; co < coEnd; co += 4) {
          const pw0 = packedWeights + <usize>(co >> 2) * blockBytes + <usize>c0 * 144;
          for (let t = t0; t < t1; t++) {
            const acc = partial + <usize>(t - t0) * partialBytes + (<usize>co << 5); // 8 vectors: 4 channels × 8 pixels
            let a00: v128, a01: v128, a10: v128, a11: v128, a20: v128, a21: v128, a30: v128, a31: v128;
            if (c0 == 0) {
              const b = bias + (<usize>co << 2);
              const b0 = f32x4.splat(load<f32>(b));
              const b1 = co + 1 < cout ? f32x4.splat(load<f32>(b, 4)) : b0;
              const b2 = co + 2 < cout ? f32x4.splat(load<f32>(b, 8)) : b0;
              const b3 = co + 3 < cout ? f32x4.splat(load<f32>(b, 12)) : b0;
              a00 = b0;
              a01 = b0;
              a10 = b1;
              a11 = b1;
              a20 = b2;
              a21 = b2;
              a30 = b3;
              a31 = b3;
            } else {
              a00 = v128.load(acc);
              a01 = v128.load(acc, 16);
              a10 = v128.load(acc, 32);
              a11 = v128.load(acc, 48);
              a20 = v128.load(acc, 64);
              a21 = v128.load(acc, 80);
              a30 = v128.load(acc, 96);
              a31 = v128.load(acc, 112);
            }
            let px = rowBase + <usize>t * tileBytes + <usize>c0 * <usize>lineBytes;
            let pw = pw0;
            for (let ci = c0; ci < c1; ci++) {
              for (let tap = 0; tap < 9; tap++) {
                // 8 pixels (two vectors) × 4 output channels (four splatted weights).
                const p = px + <usize>load<i32>(taps + (<usize>tap << 2));
                const v0 = v128.load(p);
                const v1 = v128.load(p, 16);
                let w = v128.load32_splat(pw);
                a00 = f32x4.add(a00, f32x4.mul(w, v0));
                a01 = f32x4.add(a01, f32x4.mul(w, v1));
                w = v128.load32_splat(pw, 4);
                a10 = f32x4.add(a10, f32x4.mul(w, v0));
                a11 = f32x4.add(a11, f32x4.mul(w, v1));
                w = v128.load32_splat(pw, 8);
                a20 = f32x4.add(a20, f32x4.mul(w, v0));
                a21 = f32x4.add(a21, f32x4.mul(w, v1));
                w = v128.load32_splat(pw, 12);
                a30 = f32x4.add(a30, f32x4.mul(w, v0));
                a31 = f32x4.add(a31, f32x4.mul(w, v1));
                pw += 16;
              }
              px += <usize>lineBytes;
            }
            if (c1 < cin) {
              v128.store(acc, a00);
              v128.store(acc, a01, 16);
              v128.store(acc, a10, 32);
              v128.store(acc, a11, 48);
              v128.store(acc, a20, 64);
              v128.store(acc, a21, 80);
              v128.store(acc, a30, 96);
              v128.store(acc, a31, 112);
              continue;
            }
            const ox = t << 3;
            const o = <usize>(co * hout * wout + oy * wout + ox) << 2;
            const valid = wout - ox; // pixels of this tile inside the row
            store8(out, residual, o, a00, a01, valid);
            if (co + 1 < cout) store8(out, residual, o + plane, a10, a11, valid);
            if (co + 2 < cout) store8(out, residual, o + 2 * plane, a20, a21, valid);
            if (co + 3 < cout) store8(out, residual, o + 3 * plane, a30, a31, valid);
          }
        }
      }
    }
  }
}
