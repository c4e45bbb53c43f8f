/**
 * The fast mode's 3×3 convolutions, Winograd F(m×m, r×r): twin of
 * src/compute/reference/conv3x3_winograd.ts, whose header gives the transforms and the canonical
 * order. f32_winograd_f4x4_3x3 and f32_winograd_f6x6_3x3 are the stride-1 ones (r = 3,
 * padding 1); f32_winograd_f4x4_2x2 (r = 2, no padding before the first row and column) is the
 * stride-2 one on the phases of its input (kernels/phases.ts). Here the four lanes of a
 * vector are four horizontally adjacent tiles (a quad), so every lane does the
 * reference's scalar operations in the reference's order. Below, n = m + r − 1 is a
 * tile's patch side and P = n² its points.
 *
 * The kernels compute work items of chunkQuads(m, r) quads (in row-major quad order) ×
 * one group of output channels, through this thread's scratch:
 *   V  (P, blocks, C_in, 8)   transformed input: point ξ, 8-tile block, channel, tile
 *   M  (5, P, quads · 4)      products of CO_BLOCK output channels: channel, point, tile
 *   T  (n², 4)                a quad's patch rows done along y; its output rows
 *   D  (n, 4 · patchVectors)  a quad's patch, where it is not read straight from x
 * For each block of CO_BLOCK output channels: for every point ξ the product
 * M[ξ] = U[ξ]·V[ξ] (gemm5x8: 5 channels × 8 tiles), then the output transform of those
 * channels, so M never leaves the L1 cache; V (all C_in of the chunk's tiles) is re-read
 * from L2 for each block.
 * Quad (i, j) of the tile grid (its width rounded up to whole quads) reads n rows of
 * 4 · patchVectors input values from virtual row m·i − 1 and column 4m·j − 1 (r = 3; for
 * r = 2 from m·i and 4m·j), the last columns unused: where they all lie inside the input,
 * straight from x (s1, s2's phases) or upsampled into D with shuffles (up2: virtual
 * (y, x) is x[y >> 1][x >> 1]); else gathered into D four columns at a time, with zeros.
 * Weights U come packed as (ceil(C_out / CO_BLOCK), P, C_in, CO_BLOCK), missing channels
 * zero: the block of channels being computed reads its weights front to back.
 * Pointers are byte addresses in linear memory.
 */
import { assertRange } from './common/checks';

/**
 * Quads per work item: for F(4×4, 3×3) 4 (two 8-tile blocks, for which V stays in the L2
 * cache; 2 and 8 ran no faster); 2 for F(6×6), whose V is 64/36 as large per tile, and
 * for the stride-2 kernel, whose 4·C_in channels would not fit L2 (4 ran no faster).
 */
// @ts-ignore: decorator
@inline
function chunkQuads(m: i32, r: i32): i32 {
  return m == 4 && r == 3 ? 4 : 2;
}

/** Vectors of 4 columns in a quad's patch row: 4m + r − 1 columns, rounded up. */
// @ts-ignore: decorator
@inline
function patchVectors(m: i32, r: i32): i32 {
  return (4 * m + r + 2) >> 2;
}

/** Chunks of chunkQuads(m, r) in `quads` quads: the kernels' work items per channel group. */
export function f32_winograd_chunks(quads: i32, m: i32, r: i32): i32 {
  return (quads + chunkQuads(m, r) - 1) / chunkQuads(m, r);
}

/** Output channels per block of U and per call of gemm5x8. */
const CO_BLOCK = 5;

/** CO_BLOCK, for the host: the packing of U and the channel groups. */
export function f32_winograd_co_block(): i32 {
  return CO_BLOCK;
}

/** Bytes of scratch that the F(m×m, r×r) kernel needs per thread. */
export function f32_winograd_scratch_bytes(cin: i32, m: i32, r: i32): i32 {
  const n = m + r - 1;
  const points = <usize>(n * n);
  // V, M, T (n² vectors) and D, as laid out by winograd().
  return <i32>(points * pointBytesOf(cin, m, r) + <usize>CO_BLOCK * points * mPointBytes(m, r) + (points << 4)
    + (<usize>(n * patchVectors(m, r)) << 4));
}

/** Bytes of one point of M: a channel's products for a chunk's tiles. */
// @ts-ignore: decorator
@inline
function mPointBytes(m: i32, r: i32): usize {
  return <usize>chunkQuads(m, r) << 4;
}

/**
 * Bytes between V's points: the chunk's 8-tile blocks of C_in channels and a cache line
 * more, so that the stores of a transformed patch do not all fall in one L1 set (with
 * C_in a power of two the blocks alone are a multiple of 4 KiB; the line made the kernel
 * ~3% faster at 256×256).
 */
// @ts-ignore: decorator
@inline
function pointBytesOf(cin: i32, m: i32, r: i32): usize {
  return <usize>((chunkQuads(m, r) >> 1) * cin * 32 + 64);
}

/** Bᵀ·d on six vectors (reference: inputTransform4), results to r, r + rs, … r + 5·rs. */
// @ts-ignore: decorator
@inline
function inputTransform4(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, r: usize, rs: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const d4m2 = f32x4.sub(d4, d2);
  const d3m1 = f32x4.mul(f32x4.sub(d3, d1), two);
  v128.store(r, f32x4.add(f32x4.sub(f32x4.mul(d0, four), f32x4.mul(d2, five)), d4));
  v128.store(r + rs, f32x4.sub(f32x4.add(d3, d4), f32x4.mul(f32x4.add(d1, d2), four)));
  v128.store(r + 2 * rs, f32x4.add(f32x4.sub(d4, d3), f32x4.mul(f32x4.sub(d1, d2), four)));
  v128.store(r + 3 * rs, f32x4.add(d4m2, d3m1));
  v128.store(r + 4 * rs, f32x4.sub(d4m2, d3m1));
  v128.store(r + 5 * rs, f32x4.add(f32x4.sub(f32x4.mul(d1, four), f32x4.mul(d3, five)), d5));
}

/** Aᵀ·m on six vectors at m, m + ms, … (reference: outputTransform4), results to y, y + ys, … y + 3·ys. */
// @ts-ignore: decorator
@inline
function outputTransform4(m: usize, ms: usize, y: usize, ys: usize): void {
  const m0 = v128.load(m), m1 = v128.load(m + ms), m2 = v128.load(m + 2 * ms);
  const m3 = v128.load(m + 3 * ms), m4 = v128.load(m + 4 * ms), m5 = v128.load(m + 5 * ms);
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  v128.store(y, f32x4.add(f32x4.add(m0, a), c));
  v128.store(y + ys, f32x4.add(b, f32x4.mul(d, f32x4.splat(2))));
  v128.store(y + 2 * ys, f32x4.add(a, f32x4.mul(c, f32x4.splat(4))));
  v128.store(y + 3 * ys, f32x4.add(f32x4.add(b, f32x4.mul(d, f32x4.splat(8))), m5));
}

/** Bᵀ·d on five vectors for F(4, 2) (reference: inputTransform42), results to r, r + rs, … r + 4·rs. */
// @ts-ignore: decorator
@inline
function inputTransform42(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, r: usize, rs: usize): void {
  const d3m1 = f32x4.sub(d3, d1), d3m2 = f32x4.sub(d3, d2);
  v128.store(r, f32x4.add(d3m1, f32x4.mul(f32x4.sub(d0, d2), f32x4.splat(2))));
  v128.store(r + rs, f32x4.sub(d3m2, f32x4.mul(d1, f32x4.splat(2))));
  v128.store(r + 2 * rs, f32x4.add(d3m2, f32x4.mul(f32x4.sub(d1, d2), f32x4.splat(2))));
  v128.store(r + 3 * rs, d3m1);
  v128.store(r + 4 * rs, f32x4.add(f32x4.sub(d4, d2), f32x4.mul(f32x4.sub(d1, d3), f32x4.splat(2))));
}

/** Aᵀ·m on five vectors for F(4, 2) (reference: outputTransform42), results to y, y + ys, … y + 3·ys. */
// @ts-ignore: decorator
@inline
function outputTransform42(m: usize, ms: usize, y: usize, ys: usize): void {
  const m0 = v128.load(m),
    m1 = v128.load(m + ms),
    m2 = v128.load(m + 2 * ms),
    m3 = v128.load(m + 3 * ms),
    m4 = v128.load(m + 4 * ms);
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2);
  v128.store(y, f32x4.add(f32x4.add(m0, a), m3));
  v128.store(y + ys, f32x4.add(b, f32x4.mul(m3, f32x4.splat(2))));
  v128.store(y + 2 * ys, f32x4.add(a, f32x4.mul(m3, f32x4.splat(4))));
  v128.store(y + 3 * ys, f32x4.add(f32x4.add(b, f32x4.mul(m3, f32x4.splat(8))), m4));
}

/** Bᵀ·d on eight vectors (reference: inputTransform6), results to r, r + rs, … r + 7·rs. */
// @ts-ignore: decorator
@inline
function inputTransform6(
  d0: v128,
  d1: v128,
  d2: v128,
  d3: v128,
  d4: v128,
  d5: v128,
  d6: v128,
  d7: v128,
  r: usize,
  rs: usize,
): void {
  const t1 = f32x4.sub(f32x4.add(d2, d6), f32x4.mul(d4, f32x4.splat(4.25)));
  const t2 = f32x4.sub(f32x4.add(d1, d5), f32x4.mul(d3, f32x4.splat(4.25)));
  const t3 = f32x4.sub(f32x4.add(d6, f32x4.mul(d2, f32x4.splat(0.25))), f32x4.mul(d4, f32x4.splat(1.25)));
  const t4 = f32x4.add(
    f32x4.sub(f32x4.mul(d1, f32x4.splat(0.5)), f32x4.mul(d3, f32x4.splat(2.5))),
    f32x4.mul(d5, f32x4.splat(2)),
  );
  const t5 = f32x4.add(d6, f32x4.mul(f32x4.sub(d2, f32x4.mul(d4, f32x4.splat(1.25))), f32x4.splat(4)));
  const t6 = f32x4.add(
    f32x4.sub(f32x4.mul(d1, f32x4.splat(2)), f32x4.mul(d3, f32x4.splat(2.5))),
    f32x4.mul(d5, f32x4.splat(0.5)),
  );
  v128.store(r, f32x4.add(f32x4.sub(d0, d6), f32x4.mul(f32x4.sub(d4, d2), f32x4.splat(5.25))));
  v128.store(r + rs, f32x4.add(t1, t2));
  v128.store(r + 2 * rs, f32x4.sub(t1, t2));
  v128.store(r + 3 * rs, f32x4.add(t3, t4));
  v128.store(r + 4 * rs, f32x4.sub(t3, t4));
  v128.store(r + 5 * rs, f32x4.add(t5, t6));
  v128.store(r + 6 * rs, f32x4.sub(t5, t6));
  v128.store(r + 7 * rs, f32x4.add(f32x4.sub(d7, d1), f32x4.mul(f32x4.sub(d3, d5), f32x4.splat(5.25))));
}

/** Aᵀ·m on eight vectors at m, m + ms, … (reference: outputTransform6), results to y, y + ys, … y + 5·ys. */
// @ts-ignore: decorator
@inline
function outputTransform6(m: usize, ms: usize, y: usize, ys: usize): void {
  const m0 = v128.load(m), m1 = v128.load(m + ms), m2 = v128.load(m + 2 * ms), m3 = v128.load(m + 3 * ms);
  const m4 = v128.load(m + 4 * ms), m5 = v128.load(m + 5 * ms), m6 = v128.load(m + 6 * ms), m7 = v128.load(m + 7 * ms);
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  const e = f32x4.add(m5, m6), f = f32x4.sub(m5, m6);
  v128.store(y, f32x4.add(f32x4.add(f32x4.add(m0, a), c), e));
  v128.store(y + ys, f32x4.add(f32x4.add(b, f32x4.mul(d, f32x4.splat(2))), f32x4.mul(f, f32x4.splat(0.5))));
  v128.store(y + 2 * ys, f32x4.add(f32x4.add(a, f32x4.mul(c, f32x4.splat(4))), f32x4.mul(e, f32x4.splat(0.25))));
  v128.store(y + 3 * ys, f32x4.add(f32x4.add(b, f32x4.mul(d, f32x4.splat(8))), f32x4.mul(f, f32x4.splat(0.125))));
  v128.store(y + 4 * ys, f32x4.add(f32x4.add(a, f32x4.mul(c, f32x4.splat(16))), f32x4.mul(e, f32x4.splat(0.0625))));
  v128.store(
    y + 5 * ys,
    f32x4.add(f32x4.add(f32x4.add(b, f32x4.mul(d, f32x4.splat(32))), f32x4.mul(f, f32x4.splat(0.03125))), m7),
  );
}

/**
 * F(4×4, r×r), one channel of one quad: the n × 20 floats at p (rows rowBytes apart; n =
 * r + 3; for r = 2 the last three columns unused) → V at v, the n² points pointBytes
 * apart (4 tiles each). t: n × 5 vectors of scratch.
 */
function inputQuad4(r: i32, p: usize, rowBytes: usize, v: usize, pointBytes: usize, t: usize): void {
  const n = <usize>(r + 3);
  // Along y: each of the five column vectors (columns 4c … 4c + 3) over the n rows.
  for (let c: usize = 0; c < 5; c++) {
    const q = p + (c << 4);
    const d0 = v128.load(q), d1 = v128.load(q + rowBytes), d2 = v128.load(q + 2 * rowBytes);
    const d3 = v128.load(q + 3 * rowBytes), d4 = v128.load(q + 4 * rowBytes);
    if (r == 3) inputTransform4(d0, d1, d2, d3, d4, v128.load(q + 5 * rowBytes), t + (c << 4), 80);
    else inputTransform42(d0, d1, d2, d3, d4, t + (c << 4), 80);
  }
  // Along x: per point row, transpose so that lane l holds tile l's n columns (4l …).
  for (let k: usize = 0; k < n; k++) {
    const row = t + k * 80;
    const a = v128.load(row),
      b = v128.load(row, 16),
      c = v128.load(row, 32),
      d = v128.load(row, 48),
      e = v128.load(row, 64);
    const ab01 = f32x4.shuffle(a, b, 0, 4, 1, 5), cd01 = f32x4.shuffle(c, d, 0, 4, 1, 5);
    const ab23 = f32x4.shuffle(a, b, 2, 6, 3, 7), cd23 = f32x4.shuffle(c, d, 2, 6, 3, 7);
    const bc01 = f32x4.shuffle(b, c, 0, 4, 1, 5), de01 = f32x4.shuffle(d, e, 0, 4, 1, 5);
    const x0 = f32x4.shuffle(ab01, cd01, 0, 1, 4, 5), x1 = f32x4.shuffle(ab01, cd01, 2, 3, 6, 7);
    const x2 = f32x4.shuffle(ab23, cd23, 0, 1, 4, 5), x3 = f32x4.shuffle(ab23, cd23, 2, 3, 6, 7);
    const x4 = f32x4.shuffle(bc01, de01, 0, 1, 4, 5);
    if (r == 3) {
      inputTransform4(x0, x1, x2, x3, x4, f32x4.shuffle(bc01, de01, 2, 3, 6, 7), v + k * 6 * pointBytes, pointBytes);
    } else inputTransform42(x0, x1, x2, x3, x4, v + k * 5 * pointBytes, pointBytes);
  }
}

/**
 * F(6×6), one channel of one quad: the 8 × 28 floats at p (rows rowBytes apart; columns
 * 26 and 27 unused) → V at v, the 64 points pointBytes apart. t: 56 vectors of scratch.
 */
function inputQuad6(p: usize, rowBytes: usize, v: usize, pointBytes: usize, t: usize): void {
  // Along y: each of the seven column vectors over the eight rows.
  for (let c: usize = 0; c < 7; c++) {
    const q = p + (c << 4);
    inputTransform6(
      v128.load(q),
      v128.load(q + rowBytes),
      v128.load(q + 2 * rowBytes),
      v128.load(q + 3 * rowBytes),
      v128.load(q + 4 * rowBytes),
      v128.load(q + 5 * rowBytes),
      v128.load(q + 6 * rowBytes),
      v128.load(q + 7 * rowBytes),
      t + (c << 4),
      112,
    );
  }
  // Along x: per point row r[0 … 27] (vectors a … g), lane l of column vector j is r[6l + j].
  for (let k: usize = 0; k < 8; k++) {
    const row = t + k * 112;
    const a = v128.load(row), b = v128.load(row, 16), c = v128.load(row, 32), d = v128.load(row, 48);
    const e = v128.load(row, 64), f = v128.load(row, 80), g = v128.load(row, 96);
    const ab = f32x4.shuffle(a, b, 0, 6, 1, 7), de = f32x4.shuffle(d, e, 0, 6, 1, 7); // r0 r6 r1 r7, r12 r18 r13 r19
    const ac = f32x4.shuffle(a, c, 2, 4, 3, 5), df = f32x4.shuffle(d, f, 2, 4, 3, 5); // r2 r8 r3 r9, r14 r20 r15 r21
    const bc = f32x4.shuffle(b, c, 0, 6, 1, 7), ef = f32x4.shuffle(e, f, 0, 6, 1, 7); // r4 r10 r5 r11, r16 r22 r17 r23
    const bd = f32x4.shuffle(b, d, 2, 4, 3, 5), eg = f32x4.shuffle(e, g, 2, 4, 3, 5); // r6 r12 r7 r13, r18 r24 r19 r25
    inputTransform6(
      f32x4.shuffle(ab, de, 0, 1, 4, 5),
      f32x4.shuffle(ab, de, 2, 3, 6, 7),
      f32x4.shuffle(ac, df, 0, 1, 4, 5),
      f32x4.shuffle(ac, df, 2, 3, 6, 7),
      f32x4.shuffle(bc, ef, 0, 1, 4, 5),
      f32x4.shuffle(bc, ef, 2, 3, 6, 7),
      f32x4.shuffle(bd, eg, 0, 1, 4, 5),
      f32x4.shuffle(bd, eg, 2, 3, 6, 7),
      v + k * 8 * pointBytes,
      pointBytes,
    );
  }
}

/**
 * m[0 … 7] = Σ_ci u[ci]·v[ci] for CO_BLOCK = 5 channels (u: C_in × 5) and 8 tiles (v:
 * C_in × 8), from +0 in ci order; the 5 × 8 sums stored at mOut, channel rows mRowBytes
 * apart. Ten accumulators, two tile vectors, a weight and a product fill the 15 vector
 * registers V8 gives a function; in L1 this ran at 70–90% of the SIMD128 peak, 4 × 8
 * (also unrolled ×2 and ×3), 3 × 12, 4 × 12 and 6 × 8 at 55–80%.
 */
function gemm5x8(u: usize, v: usize, cin: i32, mOut: usize, mRowBytes: usize): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
  let vacc4x0123 = f32x4.splat(0), vacc4x4567 = f32x4.splat(0);
  for (let ci = 0; ci < cin; ci++) {
    // acc[co][t] += u[co]·v[t]
    const vv0123 = v128.load(v), vv4567 = v128.load(v, 16);
    let vu = v128.load32_splat(u);
    vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(vu, vv0123));
    vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(vu, vv4567));
    vu = v128.load32_splat(u, 4);
    vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(vu, vv0123));
    vacc1x4567 = f32x4.add(vacc1x4567, f32x4.mul(vu, vv4567));
    vu = v128.load32_splat(u, 8);
    vacc2x0123 = f32x4.add(vacc2x0123, f32x4.mul(vu, vv0123));
    vacc2x4567 = f32x4.add(vacc2x4567, f32x4.mul(vu, vv4567));
    vu = v128.load32_splat(u, 12);
    vacc3x0123 = f32x4.add(vacc3x0123, f32x4.mul(vu, vv0123));
    vacc3x4567 = f32x4.add(vacc3x4567, f32x4.mul(vu, vv4567));
    vu = v128.load32_splat(u, 16);
    vacc4x0123 = f32x4.add(vacc4x0123, f32x4.mul(vu, vv0123));
    vacc4x4567 = f32x4.add(vacc4x4567, f32x4.mul(vu, vv4567));
    u += 20;
    v += 32;
  }
  v128.store(mOut, vacc0x0123);
  v128.store(mOut, vacc0x4567, 16);
  v128.store(mOut + mRowBytes, vacc1x0123);
  v128.store(mOut + mRowBytes, vacc1x4567, 16);
  v128.store(mOut + 2 * mRowBytes, vacc2x0123);
  v128.store(mOut + 2 * mRowBytes, vacc2x4567, 16);
  v128.store(mOut + 3 * mRowBytes, vacc3x0123);
  v128.store(mOut + 3 * mRowBytes, vacc3x4567, 16);
  v128.store(mOut + 4 * mRowBytes, vacc4x0123);
  v128.store(mOut + 4 * mRowBytes, vacc4x4567, 16);
}

/**
 * F(4×4): the 6 × 20 patch of quad (ti, qj) of channel plane x (H × W) upsampled ×2, for
 * a quad whose patch lies inside: virtual rows 4ti − 1 … 4ti + 4 are stored rows
 * (4ti − 1 + r) >> 1; virtual columns 16qj − 1 + c are stored columns
 * 8qj − 1 + ((c + 1) >> 1), c = 0 … 19, made from three vectors of a stored row.
 */
function upsampleQuad4(x: usize, w: i32, ti: i32, qj: i32, patch: usize): void {
  for (let r = 0; r < 6; r++) {
    const row = x + (<usize>(((4 * ti - 1 + r) >> 1) * w + 8 * qj - 1) << 2);
    const a = v128.load(row), b = v128.load(row, 16), c = v128.load(row, 32);
    const o = patch + <usize>r * 80;
    v128.store(o, f32x4.shuffle(a, a, 0, 1, 1, 2));
    v128.store(o, f32x4.shuffle(a, b, 2, 3, 3, 4), 16);
    v128.store(o, f32x4.shuffle(b, b, 0, 1, 1, 2), 32);
    v128.store(o, f32x4.shuffle(b, c, 2, 3, 3, 4), 48);
    v128.store(o, f32x4.shuffle(c, c, 0, 1, 1, 2), 64);
  }
}

/**
 * F(6×6): the same for the 8 × 28 patch: virtual rows 6ti − 1 … 6ti + 6, virtual columns
 * 24qj − 1 + c from stored columns 12qj − 1 + ((c + 1) >> 1), c = 0 … 27 (four vectors).
 */
function upsampleQuad6(x: usize, w: i32, ti: i32, qj: i32, patch: usize): void {
  for (let r = 0; r < 8; r++) {
    const row = x + (<usize>(((6 * ti - 1 + r) >> 1) * w + 12 * qj - 1) << 2);
    const a = v128.load(row), b = v128.load(row, 16), c = v128.load(row, 32), d = v128.load(row, 48);
    const o = patch + <usize>r * 112;
    v128.store(o, f32x4.shuffle(a, a, 0, 1, 1, 2));
    v128.store(o, f32x4.shuffle(a, b, 2, 3, 3, 4), 16);
    v128.store(o, f32x4.shuffle(b, b, 0, 1, 1, 2), 32);
    v128.store(o, f32x4.shuffle(b, c, 2, 3, 3, 4), 48);
    v128.store(o, f32x4.shuffle(c, c, 0, 1, 1, 2), 64);
    v128.store(o, f32x4.shuffle(c, d, 2, 3, 3, 4), 80);
    v128.store(o, f32x4.shuffle(d, d, 0, 1, 1, 2), 96);
  }
}

/**
 * The n × 4·patchVectors patch of quad (ti, qj) of channel plane x (H × W, virtual Hv × Wv)
 * → D, from row m·ti − 1 and column 4m·qj − 1 (r = 3; r = 2: m·ti and 4m·qj), zeros outside
 * the virtual input; `shift` 1 reads through the nearest ×2 upsampling.
 * Four columns at a time: rows outside are zero vectors, and without upsampling four
 * columns inside are one load (on maps of 16×16 and less every quad comes here).
 */
function gatherQuad(x: usize, h: i32, w: i32, shift: i32, m: i32, r: i32, ti: i32, qj: i32, patch: usize): void {
  const hv = h << shift, wv = w << shift;
  const vectors = patchVectors(m, r);
  const origin = r == 3 ? -1 : 0;
  for (let row = 0; row < m + r - 1; row++) {
    const vy = m * ti + origin + row;
    const at = x + (<usize>((vy >> shift) * w) << 2);
    for (let k = 0; k < vectors; k++) {
      const vx0 = 4 * m * qj + origin + 4 * k;
      const o = patch + (<usize>(row * vectors + k) << 4);
      if (vy < 0 || vy >= hv) {
        v128.store(o, f32x4.splat(0));
      } else if (shift == 0 && vx0 >= 0 && vx0 + 4 <= w) {
        v128.store(o, v128.load(at + (<usize>vx0 << 2)));
      } else {
        for (let c = 0; c < 4; c++) {
          const vx = vx0 + c;
          store<f32>(o + (<usize>c << 2), vx >= 0 && vx < wv ? load<f32>(at + (<usize>(vx >> shift) << 2)) : 0);
        }
      }
    }
  }
}

/**
 * What a Winograd kernel computes on, written by the host at the pointer the kernel takes
 * (src/compute/wasm/backend.ts, by field name: the generated bindings give the layout).
 */
// @ts-ignore: decorator
@unmanaged
class WinogradParams {
  x: usize; // (C_in, H, W)
  cin: i32;
  h: i32;
  w: i32;
  up: i32; // 1: x upsampled ×2 first (r = 3 only)
  th: i32; // the grid of quads, th × qw
  qw: i32;
  u: usize; // weights, packed as in the header
  bias: usize; // (C_out)
  out: usize; // (C_out, H_out, W_out)
  cout: i32;
  hout: i32;
  wout: i32;
  residual: usize; // (C_out, H_out, W_out), 0 for none
  coGroup: i32; // output channels per work item, a multiple of CO_BLOCK
}

/**
 * out[co, y, x] = residual + (Winograd conv + bias[co]), F(4×4, 3×3), on `params`, for
 * work items [lo, hi): item c · G + g is quads [c · chunkQuads, …) × channels
 * [g · coGroup, (g + 1) · coGroup) (G = ceil(C_out / coGroup)); scratch: this thread's
 * f32_winograd_scratch_bytes.
 */
export function f32_winograd_f4x4_3x3(params: WinogradParams, scratch: usize, lo: i32, hi: i32): void {
  winograd(4, 3, params, scratch, lo, hi);
}

/** The same with F(6×6, 3×3). */
export function f32_winograd_f6x6_3x3(params: WinogradParams, scratch: usize, lo: i32, hi: i32): void {
  winograd(6, 3, params, scratch, lo, hi);
}

/**
 * F(4×4, 2×2): out[co, y, x] = residual + (Σ_ci Σ_(a,b) w[co, ci, a, b] · x[ci, y + a, x + b]
 * + bias[co]), x zero past its last row and column (no padding before the first): the
 * fast mode's stride-2 convolution on the phases of its input (kernels/phases.ts). `up`
 * must be 0; the rest as f32_winograd_f4x4_3x3.
 */
export function f32_winograd_f4x4_2x2(params: WinogradParams, scratch: usize, lo: i32, hi: i32): void {
  winograd(4, 2, params, scratch, lo, hi);
}

/** The three kernels, m and r constants once inlined; the record's fields read once, into locals. */
// @ts-ignore: decorator
@inline
function winograd(m: i32, r: i32, params: WinogradParams, scratch: usize, lo: i32, hi: i32): void {
  const x = params.x, cin = params.cin, h = params.h, w = params.w, up = params.up, th = params.th, qw = params.qw;
  const u = params.u, bias = params.bias, out = params.out, residual = params.residual, coGroup = params.coGroup;
  const cout = params.cout, hout = params.hout, wout = params.wout;
  const n = m + r - 1;
  const points = n * n;
  const origin = r == 3 ? -1 : 0; // the patch's first row and column, from the tile's
  const quadsPerChunk = chunkQuads(m, r);
  const shift = up != 0 ? 1 : 0;
  const rowBytes = <usize>w << 2;
  const planeBytes = <usize>h * rowBytes;
  const pointBytes = pointBytesOf(cin, m, r);
  const blockBytes = <usize>(cin * 32); // one 8-tile block of V at one point
  const mp = mPointBytes(m, r);
  const v = scratch;
  const mm = v + <usize>points * pointBytes;
  const t = mm + <usize>(CO_BLOCK * points) * mp;
  const patch = t + (<usize>points << 4);
  const vectors = patchVectors(m, r);
  const patchRowBytes = <usize>vectors << 4;
  const quads = th * qw;
  const groups = (cout + coGroup - 1) / coGroup;
  const uPointBytes = <usize>(cin * CO_BLOCK * 4); // one point's weights of a channel block
  const uBlockBytes = uPointBytes * points; // a channel block's weights, all points in a row
  const outPlane = <usize>(hout * wout) << 2;
  assert(cin > 0 && cout > 0 && h > 0 && w > 0, 'C_in, C_out, H and W must be positive');
  assert(up == 0 || (up == 1 && r == 3), 'up must be 0, or 1 with a 3x3 filter');
  assert(hout == h << up && wout == w << up, 'H_out and W_out must be H and W, doubled when up');
  assert(th == (hout + m - 1) / m && qw == (wout + 4 * m - 1) / (4 * m), 'th and qw must be the grid of quads');
  assert(coGroup > 0 && coGroup % CO_BLOCK == 0, 'coGroup must be a positive multiple of CO_BLOCK');
  assertRange(lo, hi, f32_winograd_chunks(quads, m, r) * groups);
  for (let item = lo; item < hi; item++) {
    const q0 = (item / groups) * quadsPerChunk;
    const q1 = min(quads, q0 + quadsPerChunk);
    const coStart = (item % groups) * coGroup;
    const coEnd = min(cout, coStart + coGroup);
    // V: quad k of the chunk is block k >> 1, tiles (k & 1) · 4 … + 3; a missing last quad
    // is zeros. Channel by channel, so that the quads' rows are read side by side.
    for (let ci = 0; ci < cin; ci++) {
      const plane = x + <usize>ci * planeBytes;
      for (let k = 0; k < quadsPerChunk; k++) {
        const q = q0 + k;
        const vq = v + <usize>(k >> 1) * blockBytes + (<usize>(k & 1) << 4) + (<usize>ci << 5);
        if (q >= q1) {
          for (let p = 0; p < points; p++) v128.store(vq + <usize>p * pointBytes, f32x4.splat(0));
          continue;
        }
        const ti = q / qw, qj = q % qw;
        // The patch's first and last rows and the columns its vectors read, inside the input.
        const y0 = m * ti + origin, x0 = 4 * m * qj + origin;
        const inside = y0 >= 0 && x0 >= 0 && (shift == 0
          ? y0 + n <= h && x0 + 4 * vectors <= w
          : (m >> 1) * (ti + 1) + 1 <= h && 2 * m * qj + 2 * m + 3 <= w);
        let p = patch, pRowBytes = patchRowBytes;
        if (inside && shift == 0) {
          p = plane + (<usize>(y0 * w + x0) << 2);
          pRowBytes = rowBytes;
        } else if (inside) {
          if (m == 4) upsampleQuad4(plane, w, ti, qj, patch);
          else upsampleQuad6(plane, w, ti, qj, patch);
        } else {
          gatherQuad(plane, h, w, shift, m, r, ti, qj, patch);
        }
        if (m == 4) inputQuad4(r, p, pRowBytes, vq, pointBytes, t);
        else inputQuad6(p, pRowBytes, vq, pointBytes, t);
      }
    }
    for (let co = coStart; co < coEnd; co += CO_BLOCK) {
      const ub = u + <usize>(co / CO_BLOCK) * uBlockBytes;
      for (let p = 0; p < points; p++) {
        const uPoint = ub + <usize>p * uPointBytes;
        const vp = v + <usize>p * pointBytes;
        // The chunk's 8-tile blocks, one call each (gemm5x8 stays out of line: inlined
        // into the conv, the loop ran about 1.6× slower).
        for (let b = 0; b < quadsPerChunk >> 1; b++) {
          gemm5x8(uPoint, vp + <usize>b * blockBytes, cin, mm + <usize>p * mp + (<usize>b << 5), <usize>points * mp);
        }
      }
      for (let l = 0; l < CO_BLOCK && co + l < coEnd; l++) {
        const vb = f32x4.splat(load<f32>(bias + (<usize>(co + l) << 2)));
        const mc = mm + <usize>(l * points) * mp;
        const o = out + <usize>(co + l) * outPlane;
        const res: usize = residual == 0 ? 0 : residual + <usize>(co + l) * outPlane;
        for (let k = 0; k < q1 - q0; k++) {
          const ti = (q0 + k) / qw, x0 = ((q0 + k) % qw) * 4 * m;
          if (m == 4) outputQuad4(r, mc + (<usize>k << 4), mp, t, vb, o, res, ti, x0, hout, wout);
          else outputQuad6(mc + (<usize>k << 4), mp, t, vb, o, res, ti, x0, hout, wout);
        }
      }
    }
  }
}

/**
 * F(4×4, r×r), the output transform of one channel of one quad: M points at mq (mp bytes
 * apart) → bias added → the quad's 4 × 16 pixels of plane o from row 4ti, column x0,
 * residual added where residual ≠ 0; pixels outside H_out × W_out are not stored.
 */
function outputQuad4(
  r: i32,
  mq: usize,
  mp: usize,
  t: usize,
  vb: v128,
  o: usize,
  residual: usize,
  ti: i32,
  x0: i32,
  hout: i32,
  wout: i32,
): void {
  const n = <usize>(r + 3);
  // Along y: each point column ξx → 4 rows, to t (4, n).
  for (let px: usize = 0; px < n; px++) {
    if (r == 3) outputTransform4(mq + px * mp, n * mp, t + (px << 4), n << 4);
    else outputTransform42(mq + px * mp, n * mp, t + (px << 4), n << 4);
  }
  for (let k = 0; k < 4; k++) {
    const gy = 4 * ti + k;
    if (gy >= hout) break;
    const s = t + (<usize>k * n << 4);
    // Along x: y0 … y3 over the 4 lanes' tiles, in place.
    if (r == 3) outputTransform4(s, 16, s, 16);
    else outputTransform42(s, 16, s, 16);
    const y0 = f32x4.add(v128.load(s), vb), y1 = f32x4.add(v128.load(s, 16), vb);
    const y2 = f32x4.add(v128.load(s, 32), vb), y3 = f32x4.add(v128.load(s, 48), vb);
    // Transpose: lane l's four pixels side by side.
    const a01 = f32x4.shuffle(y0, y1, 0, 4, 1, 5), b01 = f32x4.shuffle(y2, y3, 0, 4, 1, 5);
    const a23 = f32x4.shuffle(y0, y1, 2, 6, 3, 7), b23 = f32x4.shuffle(y2, y3, 2, 6, 3, 7);
    const i = gy * wout + x0;
    storePixels(o, residual, i, f32x4.shuffle(a01, b01, 0, 1, 4, 5), wout - x0);
    storePixels(o, residual, i + 4, f32x4.shuffle(a01, b01, 2, 3, 6, 7), wout - x0 - 4);
    storePixels(o, residual, i + 8, f32x4.shuffle(a23, b23, 0, 1, 4, 5), wout - x0 - 8);
    storePixels(o, residual, i + 12, f32x4.shuffle(a23, b23, 2, 3, 6, 7), wout - x0 - 12);
  }
}

/** F(6×6), the same: 64 points → the quad's 6 × 24 pixels from row 6ti, column x0. */
function outputQuad6(
  mq: usize,
  mp: usize,
  t: usize,
  vb: v128,
  o: usize,
  residual: usize,
  ti: i32,
  x0: i32,
  hout: i32,
  wout: i32,
): void {
  // Along y: each point column ξx → 6 rows, to t (6, 8).
  for (let px: usize = 0; px < 8; px++) outputTransform6(mq + px * mp, 8 * mp, t + (px << 4), 128);
  for (let k = 0; k < 6; k++) {
    const gy = 6 * ti + k;
    if (gy >= hout) break;
    const s = t + <usize>k * 128;
    outputTransform6(s, 16, s, 16); // along x: y0 … y5 over the 4 lanes' tiles, in place
    const y0 = f32x4.add(v128.load(s), vb), y1 = f32x4.add(v128.load(s, 16), vb), y2 = f32x4.add(v128.load(s, 32), vb);
    const y3 = f32x4.add(v128.load(s, 48), vb),
      y4 = f32x4.add(v128.load(s, 64), vb),
      y5 = f32x4.add(v128.load(s, 80), vb);
    // Transpose: pixel 6l + j of the 24 is lane l of y_j.
    const t01 = f32x4.shuffle(y0, y1, 0, 4, 1, 5), u01 = f32x4.shuffle(y0, y1, 2, 6, 3, 7); // tiles 0, 1 / 2, 3
    const t23 = f32x4.shuffle(y2, y3, 0, 4, 1, 5), u23 = f32x4.shuffle(y2, y3, 2, 6, 3, 7);
    const t45 = f32x4.shuffle(y4, y5, 0, 4, 1, 5), u45 = f32x4.shuffle(y4, y5, 2, 6, 3, 7);
    const i = gy * wout + x0;
    storePixels(o, residual, i, f32x4.shuffle(t01, t23, 0, 1, 4, 5), wout - x0);
    storePixels(o, residual, i + 4, f32x4.shuffle(t45, t01, 0, 1, 6, 7), wout - x0 - 4);
    storePixels(o, residual, i + 8, f32x4.shuffle(t23, t45, 2, 3, 6, 7), wout - x0 - 8);
    storePixels(o, residual, i + 12, f32x4.shuffle(u01, u23, 0, 1, 4, 5), wout - x0 - 12);
    storePixels(o, residual, i + 16, f32x4.shuffle(u45, u01, 0, 1, 6, 7), wout - x0 - 16);
    storePixels(o, residual, i + 20, f32x4.shuffle(u23, u45, 2, 3, 6, 7), wout - x0 - 20);
  }
}

/** Stores the first min(4, valid) pixels of px at float index i of plane o, residual + px where there is one. */
// @ts-ignore: decorator
@inline
function storePixels(o: usize, residual: usize, i: i32, px: v128, valid: i32): void {
  if (valid <= 0) return;
  const at = <usize>i << 2;
  if (valid >= 4) {
    v128.store(o + at, residual != 0 ? f32x4.add(v128.load(residual + at), px) : px);
    return;
  }
  for (let l = 0; l < valid; l++) {
    let x = l == 0 ? f32x4.extract_lane(px, 0) : l == 1 ? f32x4.extract_lane(px, 1) : f32x4.extract_lane(px, 2);
    if (residual != 0) x = load<f32>(residual + at + (<usize>l << 2)) + x;
    store<f32>(o + at + (<usize>l << 2), x);
  }
}
