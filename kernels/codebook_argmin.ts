/**
 * Nearest code, twin of src/compute/reference/codebook_argmin.ts (same order):
 *   d_j = f32(f32(zz + ee_j) − f32(2 · dot_j)), zz and dot_j summed over c in order;
 *   the first j with the smallest d_j.
 * Lanes over codes. The codebook comes blocked, (ceil(K/8), D, 8): the 8 codes of a block
 * side by side for every c, zero-filled past K, so a block streams contiguously. Four
 * positions share each block's loads (8 accumulators: 4 positions × 2 vectors of codes),
 * and every group of four positions of a call goes over one chunk of CHUNK_BLOCKS blocks
 * while it sits in the L2 cache: the codebook (8 MiB for f16_16384) streams from memory
 * once per call, not once per four positions (for 256 positions: 64 MiB, not 512).
 */
import { assertRange } from './common/checks';

/** Blocks of 8 codes per chunk: 256 codes, 256 KiB at D = 256. */
const CHUNK_BLOCKS = 32;

/** Bytes of a group's running state: best and index vectors (4 positions × 2), then zz (4). */
const GROUP_STATE = 144;

/** Bytes of `state` scratch that f32_codebook_argmin needs for a call of `positions` positions. */
export function f32_codebook_argmin_state_bytes(positions: i32): i32 {
  return ((positions + 3) >> 2) * GROUP_STATE;
}

/** ee_j = Σ_c E[j,c]² in c order; codebook (K, D) → norms (K). */
export function f32_codebook_norms(codebook: usize, codes: i32, dim: i32, norms: usize): void {
  for (let j = 0; j < codes; j++) {
    let acc: f32 = 0;
    for (let c = 0; c < dim; c++) {
      const e = load<f32>(codebook + (<usize>(j * dim + c) << 2));
      acc += e * e;
    }
    store<f32>(norms + (<usize>j << 2), acc);
  }
}

/** codebook (K, D) → blocked (ceil(K/8), D, 8), zeros past K. */
export function f32_codebook_block8(codebook: usize, codes: i32, dim: i32, out: usize): void {
  const blocks = (codes + 7) >> 3;
  let o = out;
  for (let b = 0; b < blocks; b++) {
    for (let c = 0; c < dim; c++) {
      for (let l = 0; l < 8; l++) {
        const j = 8 * b + l;
        store<f32>(o, j < codes ? load<f32>(codebook + (<usize>(j * dim + c) << 2)) : 0);
        o += 4;
      }
    }
  }
}

/** zz = Σ_c z[c, p]² in c order; z is (D, P). */
// @ts-ignore: decorator
@inline
function squaredNorm(z: usize, dim: i32, positions: i32, p: i32): f32 {
  let zz: f32 = 0;
  for (let c = 0; c < dim; c++) {
    const v = load<f32>(z + (<usize>(c * positions + p) << 2));
    zz += v * v;
  }
  return zz;
}

/** Four codes' distances d = (zz + ee) − 2·dot. */
// @ts-ignore: decorator
@inline
function distances(zz: f32, norms: usize, dot: v128): v128 {
  return f32x4.sub(f32x4.add(f32x4.splat(zz), v128.load(norms)), f32x4.mul(f32x4.splat(2), dot));
}

/** Across lanes: the smallest distance, the smallest index among equals. */
// @ts-ignore: decorator
@inline
function reduceLanes(best: v128, index: v128): i32 {
  let bd = f32x4.extract_lane(best, 0);
  let bi = i32x4.extract_lane(index, 0);
  for (let l = 1; l < 4; l++) {
    const d = l == 1 ? f32x4.extract_lane(best, 1) : l == 2 ? f32x4.extract_lane(best, 2) : f32x4.extract_lane(best, 3);
    const i = l == 1
      ? i32x4.extract_lane(index, 1)
      : l == 2
      ? i32x4.extract_lane(index, 2)
      : i32x4.extract_lane(index, 3);
    if (d < bd || (d == bd && i < bi)) {
      bd = d;
      bi = i;
    }
  }
  return bi;
}

/**
 * z (D, P), blocked codebook from f32_codebook_block8, norms (K, readable up to a whole
 * block: the allocator rounds to 64 bytes) → tokens (P) as i32. Per lane the smallest
 * distance so far and its index, codes in increasing order; strict < keeps the first index
 * on ties. Computes positions [pStart, pEnd), keeping each group's lanes in `state`
 * (f32_codebook_argmin_state_bytes(pEnd − pStart)) between chunks.
 */
export function f32_codebook_argmin(
  z: usize,
  dim: i32,
  positions: i32,
  blocked: usize,
  codes: i32,
  norms: usize,
  tokens: usize,
  state: usize,
  pStart: i32,
  pEnd: i32,
): void {
  assert(dim > 0 && codes > 0, 'D and K must be positive');
  assertRange(pStart, pEnd, positions);
  const blocks = (codes + 7) >> 3;
  for (let b0 = 0; b0 < blocks; b0 += CHUNK_BLOCKS) {
    const b1 = min(blocks, b0 + CHUNK_BLOCKS);
    for (let p0 = pStart; p0 < pEnd; p0 += 4) {
      const s = state + <usize>((p0 - pStart) >> 2) * GROUP_STATE;
      // Up to four positions; a missing one repeats the last (its result is not stored).
      const n = min(4, pEnd - p0);
      const q1 = p0 + min(1, n - 1), q2 = p0 + min(2, n - 1), q3 = p0 + min(3, n - 1);
      if (b0 == 0) {
        const inf = f32x4.splat(Infinity), zero = i32x4.splat(0);
        v128.store(s, inf);
        v128.store(s, inf, 16);
        v128.store(s, inf, 32);
        v128.store(s, inf, 48);
        v128.store(s, zero, 64);
        v128.store(s, zero, 80);
        v128.store(s, zero, 96);
        v128.store(s, zero, 112);
        store<f32>(s, squaredNorm(z, dim, positions, p0), 128);
        store<f32>(s, squaredNorm(z, dim, positions, q1), 132);
        store<f32>(s, squaredNorm(z, dim, positions, q2), 136);
        store<f32>(s, squaredNorm(z, dim, positions, q3), 140);
      }
      argminChunk(z, dim, positions, blocked, codes, norms, b0, b1, s, p0, q1, q2, q3);
      if (b1 < blocks) continue;
      store<i32>(tokens + (<usize>p0 << 2), reduceLanes(v128.load(s), v128.load(s, 64)));
      if (n > 1) store<i32>(tokens + (<usize>(p0 + 1) << 2), reduceLanes(v128.load(s, 16), v128.load(s, 80)));
      if (n > 2) store<i32>(tokens + (<usize>(p0 + 2) << 2), reduceLanes(v128.load(s, 32), v128.load(s, 96)));
      if (n > 3) store<i32>(tokens + (<usize>(p0 + 3) << 2), reduceLanes(v128.load(s, 48), v128.load(s, 112)));
    }
  }
}

/** Blocks [b0, b1) for positions p0, q1, q2, q3, their lanes' best and index in `s`. */
// @ts-ignore: decorator
@inline
function argminChunk(
  z: usize,
  dim: i32,
  positions: i32,
  blocked: usize,
  codes: i32,
  norms: usize,
  b0: i32,
  b1: i32,
  s: usize,
  p0: i32,
  q1: i32,
  q2: i32,
  q3: i32,
): void {
  const blockBytes = <usize>(dim * 32);
  const lane = i32x4(0, 1, 2, 3);
  const zz0 = load<f32>(s, 128), zz1 = load<f32>(s, 132), zz2 = load<f32>(s, 136), zz3 = load<f32>(s, 140);
  let best0 = v128.load(s), best1 = v128.load(s, 16), best2 = v128.load(s, 32), best3 = v128.load(s, 48);
  let index0 = v128.load(s, 64), index1 = v128.load(s, 80), index2 = v128.load(s, 96), index3 = v128.load(s, 112);
  for (let b = b0; b < b1; b++) {
    let d00 = f32x4.splat(0), d01 = d00, d10 = d00, d11 = d00, d20 = d00, d21 = d00, d30 = d00, d31 = d00;
    let pe = blocked + <usize>b * blockBytes;
    let pz = z;
    for (let c = 0; c < dim; c++) {
      const e0 = v128.load(pe);
      const e1 = v128.load(pe, 16);
      let v = v128.load32_splat(pz + (<usize>p0 << 2));
      d00 = f32x4.add(d00, f32x4.mul(v, e0));
      d01 = f32x4.add(d01, f32x4.mul(v, e1));
      v = v128.load32_splat(pz + (<usize>q1 << 2));
      d10 = f32x4.add(d10, f32x4.mul(v, e0));
      d11 = f32x4.add(d11, f32x4.mul(v, e1));
      v = v128.load32_splat(pz + (<usize>q2 << 2));
      d20 = f32x4.add(d20, f32x4.mul(v, e0));
      d21 = f32x4.add(d21, f32x4.mul(v, e1));
      v = v128.load32_splat(pz + (<usize>q3 << 2));
      d30 = f32x4.add(d30, f32x4.mul(v, e0));
      d31 = f32x4.add(d31, f32x4.mul(v, e1));
      pe += 32;
      pz += <usize>positions << 2;
    }
    const j = 8 * b;
    const nj = norms + (<usize>j << 2);
    const i0 = i32x4.add(i32x4.splat(j), lane);
    const i1 = i32x4.add(i32x4.splat(j + 4), lane);
    // Codes past K (the zero-filled tail of the last block) must never win.
    const valid1 = i32x4.lt_s(i1, i32x4.splat(codes));
    const valid0 = i32x4.lt_s(i0, i32x4.splat(codes));
    let d: v128, lt: v128;
    d = distances(zz0, nj, d00);
    lt = v128.and(f32x4.lt(d, best0), valid0);
    best0 = v128.bitselect(d, best0, lt);
    index0 = v128.bitselect(i0, index0, lt);
    d = distances(zz0, nj + 16, d01);
    lt = v128.and(f32x4.lt(d, best0), valid1);
    best0 = v128.bitselect(d, best0, lt);
    index0 = v128.bitselect(i1, index0, lt);
    d = distances(zz1, nj, d10);
    lt = v128.and(f32x4.lt(d, best1), valid0);
    best1 = v128.bitselect(d, best1, lt);
    index1 = v128.bitselect(i0, index1, lt);
    d = distances(zz1, nj + 16, d11);
    lt = v128.and(f32x4.lt(d, best1), valid1);
    best1 = v128.bitselect(d, best1, lt);
    index1 = v128.bitselect(i1, index1, lt);
    d = distances(zz2, nj, d20);
    lt = v128.and(f32x4.lt(d, best2), valid0);
    best2 = v128.bitselect(d, best2, lt);
    index2 = v128.bitselect(i0, index2, lt);
    d = distances(zz2, nj + 16, d21);
    lt = v128.and(f32x4.lt(d, best2), valid1);
    best2 = v128.bitselect(d, best2, lt);
    index2 = v128.bitselect(i1, index2, lt);
    d = distances(zz3, nj, d30);
    lt = v128.and(f32x4.lt(d, best3), valid0);
    best3 = v128.bitselect(d, best3, lt);
    index3 = v128.bitselect(i0, index3, lt);
    d = distances(zz3, nj + 16, d31);
    lt = v128.and(f32x4.lt(d, best3), valid1);
    best3 = v128.bitselect(d, best3, lt);
    index3 = v128.bitselect(i1, index3, lt);
  }
  v128.store(s, best0);
  v128.store(s, best1, 16);
  v128.store(s, best2, 32);
  v128.store(s, best3, 48);
  v128.store(s, index0, 64);
  v128.store(s, index1, 80);
  v128.store(s, index2, 96);
  v128.store(s, index3, 112);
}
