/**
 * The fast mode's stride-1 3×3 convolutions, Winograd F(4×4, 3×3): twin of
 * src/reference/conv3x3_winograd.ts, whose header gives the transforms and the canonical
 * order. Here the four lanes of a vector are four horizontally adjacent tiles (a quad),
 * so every lane does the reference's scalar operations in the reference's order.
 *
 * f32_conv3x3_winograd4x4 computes work items of CHUNK_QUADS quads (in row-major quad
 * order) × one group of output channels, through this thread's scratch:
 *   V  (36, 2, C_in, 8)   transformed input: point ξ, 8-tile block, channel, tile
 *   M  (5, 36, 16)        products of CO_BLOCK output channels: channel, point, tile
 *   T  (6, 5, 4)          a quad's patch rows done along y, one point row at a time
 *   P  (6, 20)            a quad's patch, where it is not read straight from x
 * For each block of CO_BLOCK output channels: for every point ξ the product
 * M[ξ] = U[ξ]·V[ξ] (gemm5x8: 5 channels × 8 tiles), then the output transform of those
 * channels, so M never leaves the L1 cache; V (all C_in of 16 tiles) is re-read from L2
 * for each block.
 * Quad (i, j) of the tile grid (its width rounded up to whole quads) reads the 6 × 20
 * input values at virtual rows 4i − 1 … 4i + 4, columns 16j − 1 … 16j + 18: where they
 * all lie inside the input, straight from x (s1) or upsampled into P with shuffles (up2:
 * virtual (y, x) is x[y >> 1][x >> 1]); else gathered into P one by one, with zeros.
 * Weights U come packed as (ceil(C_out / CO_BLOCK), 36, C_in, CO_BLOCK), missing channels
 * zero: the block of channels being computed reads its weights front to back.
 * Pointers are byte addresses in linear memory.
 */

/**
 * Quads (4 tiles, 16 output columns) per work item: two 8-tile blocks, for which V stays
 * in the L2 cache. (2 and 8 ran no faster.)
 */
const CHUNK_QUADS = 4;

/** Bytes of one point of M: a channel's products for the chunk's tiles. */
const M_POINT = CHUNK_QUADS * 16;

/** Chunks of CHUNK_QUADS in `quads` quads: f32_conv3x3_winograd4x4's work items per channel group. */
export function f32_conv3x3_winograd4x4_chunks(quads: i32): i32 {
  return (quads + CHUNK_QUADS - 1) / CHUNK_QUADS;
}

/** Output channels per block of U and per call of gemm5x8. */
const CO_BLOCK = 5;

/** CO_BLOCK, for the host: the packing of U and the channel groups. */
export function f32_conv3x3_winograd4x4_co_block(): i32 {
  return CO_BLOCK;
}

/** Bytes of scratch that f32_conv3x3_winograd4x4 needs per thread. */
export function f32_conv3x3_winograd4x4_scratch_bytes(cin: i32): i32 {
  return <i32>pointBytesOf(cin) * 36 + CO_BLOCK * 36 * M_POINT + 6 * 5 * 16 + 6 * 80;
}

/**
 * Bytes between V's points: two 8-tile blocks of C_in channels and a cache line more, so
 * that the 36 stores of a transformed patch do not all fall in one L1 set (with C_in a
 * power of two the blocks alone are a multiple of 4 KiB; the line made the kernel ~3%
 * faster at 256×256).
 */
// @ts-ignore: decorator
@inline
function pointBytesOf(cin: i32): usize {
  return <usize>(2 * cin * 32 + 64);
}

/** Bᵀ·d on six vectors (reference: inputTransform), results to r, r + rs, … r + 5·rs. */
// @ts-ignore: decorator
@inline
function inputTransform(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, r: usize, rs: usize): void {
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

/** Aᵀ·m on six vectors at m, m + ms, … (reference: outputTransform), results to y, y + ys, … y + 3·ys. */
// @ts-ignore: decorator
@inline
function outputTransform(m: usize, ms: usize, y: usize, ys: usize): void {
  const m0 = v128.load(m), m1 = v128.load(m + ms), m2 = v128.load(m + 2 * ms);
  const m3 = v128.load(m + 3 * ms), m4 = v128.load(m + 4 * ms), m5 = v128.load(m + 5 * ms);
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  v128.store(y, f32x4.add(f32x4.add(m0, a), c));
  v128.store(y + ys, f32x4.add(b, f32x4.mul(d, f32x4.splat(2))));
  v128.store(y + 2 * ys, f32x4.add(a, f32x4.mul(c, f32x4.splat(4))));
  v128.store(y + 3 * ys, f32x4.add(f32x4.add(b, f32x4.mul(d, f32x4.splat(8))), m5));
}

/**
 * One channel of one quad: the 6 × 20 floats at p (rows rowBytes apart) → V at v, the 36
 * points vBytes apart (4 tiles each). t: 30 vectors of scratch.
 */
function inputQuad(p: usize, rowBytes: usize, v: usize, pointBytes: usize, t: usize): void {
  // Along y: each of the five column vectors (columns 4c … 4c + 3) over the six rows.
  for (let c: usize = 0; c < 5; c++) {
    const q = p + (c << 4);
    inputTransform(
      v128.load(q), v128.load(q + rowBytes), v128.load(q + 2 * rowBytes),
      v128.load(q + 3 * rowBytes), v128.load(q + 4 * rowBytes), v128.load(q + 5 * rowBytes),
      t + (c << 4), 80,
    );
  }
  // Along x: per point row, transpose so that lane l holds tile l's six columns.
  for (let k: usize = 0; k < 6; k++) {
    const row = t + k * 80;
    const a = v128.load(row), b = v128.load(row, 16), c = v128.load(row, 32), d = v128.load(row, 48), e = v128.load(row, 64);
    const ab01 = f32x4.shuffle(a, b, 0, 4, 1, 5), cd01 = f32x4.shuffle(c, d, 0, 4, 1, 5);
    const ab23 = f32x4.shuffle(a, b, 2, 6, 3, 7), cd23 = f32x4.shuffle(c, d, 2, 6, 3, 7);
    const bc01 = f32x4.shuffle(b, c, 0, 4, 1, 5), de01 = f32x4.shuffle(d, e, 0, 4, 1, 5);
    inputTransform(
      f32x4.shuffle(ab01, cd01, 0, 1, 4, 5), f32x4.shuffle(ab01, cd01, 2, 3, 6, 7),
      f32x4.shuffle(ab23, cd23, 0, 1, 4, 5), f32x4.shuffle(ab23, cd23, 2, 3, 6, 7),
      f32x4.shuffle(bc01, de01, 0, 1, 4, 5), f32x4.shuffle(bc01, de01, 2, 3, 6, 7),
      v + k * 6 * pointBytes, pointBytes,
    );
  }
}

/**
 * m[0 … 7] = Σ_ci u[ci]·v[ci] for CO_BLOCK = 5 channels (u: C_in × 5) and 8 tiles (v:
 * C_in × 8), from +0 in ci order; the 5 × 8 sums stored at mOut, channel rows 36 · 16
 * floats apart. Ten accumulators, two tile vectors, a weight and a product fill the 15
 * vector registers V8 gives a function; in L1 this ran at 70–90% of the SIMD128 peak,
 * 4 × 8 (also unrolled ×2 and ×3), 3 × 12, 4 × 12 and 6 × 8 at 55–80%.
 */
function gemm5x8(u: usize, v: usize, cin: i32, mOut: usize): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
  let vacc4x0123 = f32x4.splat(0), vacc4x4567 = f32x4.splat(0);
  for (let ci = 0; ci < cin; ci++) {
    // acc[co][t] += u[co]·v[t]
    const vv0123 = v128.load(v), vv4567 = v128.load(v, 16);
    let vu = v128.load32_splat(u);
    vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(vu, vv0123)); vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(vu, vv4567));
    vu = v128.load32_splat(u, 4);
    vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(vu, vv0123)); vacc1x4567 = f32x4.add(vacc1x4567, f32x4.mul(vu, vv4567));
    vu = v128.load32_splat(u, 8);
    vacc2x0123 = f32x4.add(vacc2x0123, f32x4.mul(vu, vv0123)); vacc2x4567 = f32x4.add(vacc2x4567, f32x4.mul(vu, vv4567));
    vu = v128.load32_splat(u, 12);
    vacc3x0123 = f32x4.add(vacc3x0123, f32x4.mul(vu, vv0123)); vacc3x4567 = f32x4.add(vacc3x4567, f32x4.mul(vu, vv4567));
    vu = v128.load32_splat(u, 16);
    vacc4x0123 = f32x4.add(vacc4x0123, f32x4.mul(vu, vv0123)); vacc4x4567 = f32x4.add(vacc4x4567, f32x4.mul(vu, vv4567));
    u += 20;
    v += 32;
  }
  const row: usize = 36 * M_POINT;
  v128.store(mOut, vacc0x0123); v128.store(mOut, vacc0x4567, 16);
  v128.store(mOut + row, vacc1x0123); v128.store(mOut + row, vacc1x4567, 16);
  v128.store(mOut + 2 * row, vacc2x0123); v128.store(mOut + 2 * row, vacc2x4567, 16);
  v128.store(mOut + 3 * row, vacc3x0123); v128.store(mOut + 3 * row, vacc3x4567, 16);
  v128.store(mOut + 4 * row, vacc4x0123); v128.store(mOut + 4 * row, vacc4x4567, 16);
}

/**
 * The 6 × 20 patch of quad (ti, qj) of channel plane x (H × W) upsampled ×2, for a quad
 * whose patch lies inside: virtual rows 4ti − 1 … 4ti + 4 are stored rows 2ti − 1, 2ti,
 * 2ti, 2ti + 1, 2ti + 1, 2ti + 2; virtual columns 16qj − 1 + c are stored columns
 * 8qj − 1 + ((c + 1) >> 1), c = 0 … 19, made from three vectors of a stored row.
 */
function upsampleQuad(x: usize, w: i32, ti: i32, qj: i32, patch: usize): void {
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
 * The 6 × 20 patch of quad (ti, qj) of channel plane x (H × W, virtual Hv × Wv) → P, zeros
 * outside the virtual input; `shift` 1 reads through the nearest ×2 upsampling. Four
 * columns at a time: rows outside are zero vectors, and without upsampling four columns
 * inside are one load (on maps of 16×16 and less every quad comes here).
 */
function gatherQuad(x: usize, h: i32, w: i32, shift: i32, ti: i32, qj: i32, patch: usize): void {
  const hv = h << shift, wv = w << shift;
  for (let r = 0; r < 6; r++) {
    const vy = 4 * ti - 1 + r;
    const row = x + (<usize>((vy >> shift) * w) << 2);
    for (let k = 0; k < 5; k++) {
      const vx0 = 16 * qj - 1 + 4 * k;
      const o = patch + <usize>(r * 20 + 4 * k) * 4;
      if (vy < 0 || vy >= hv) {
        v128.store(o, f32x4.splat(0));
      } else if (shift == 0 && vx0 >= 0 && vx0 + 4 <= w) {
        v128.store(o, v128.load(row + (<usize>vx0 << 2)));
      } else {
        for (let c = 0; c < 4; c++) {
          const vx = vx0 + c;
          store<f32>(o + (<usize>c << 2), vx >= 0 && vx < wv ? load<f32>(row + (<usize>(vx >> shift) << 2)) : 0);
        }
      }
    }
  }
}

/**
 * out[co, y, x] = residual + (Winograd conv + bias[co]) for work items [i0, i1): item
 * c · G + g is quads [c · CHUNK_QUADS, …) × channels [g · coGroup, (g + 1) · coGroup)
 * (coGroup a multiple of CO_BLOCK; G = ceil(C_out / coGroup)). x (C_in, H, W), upsampled
 * ×2 first when `up`; out (C_out, H_out, W_out), th × qw quads; u packed as in the header;
 * residual 0 for none; scratch: this thread's f32_conv3x3_winograd4x4_scratch_bytes.
 */
export function f32_conv3x3_winograd4x4(
  x: usize, cin: i32, h: i32, w: i32, up: i32, th: i32, qw: i32, u: usize, bias: usize,
  out: usize, cout: i32, hout: i32, wout: i32, residual: usize, scratch: usize, coGroup: i32, i0: i32, i1: i32,
): void {
  const shift = up != 0 ? 1 : 0;
  const rowBytes = <usize>w << 2;
  const planeBytes = <usize>h * rowBytes;
  const pointBytes = pointBytesOf(cin);
  const v = scratch;
  const m = v + 36 * pointBytes;
  const t = m + CO_BLOCK * 36 * M_POINT;
  const patch = t + 6 * 80;
  const quads = th * qw;
  const groups = (cout + coGroup - 1) / coGroup;
  const uPointBytes = <usize>(cin * CO_BLOCK * 4); // one point's weights of a channel block
  const uBlockBytes = uPointBytes * 36; // a channel block's weights, all points in a row
  const outPlane = <usize>(hout * wout) << 2;
  for (let item = i0; item < i1; item++) {
    const q0 = (item / groups) * CHUNK_QUADS;
    const q1 = min(quads, q0 + CHUNK_QUADS);
    const coStart = (item % groups) * coGroup;
    const coEnd = min(cout, coStart + coGroup);
    // V: quad k of the chunk is block k >> 1, tiles (k & 1) · 4 … + 3; a missing last quad
    // is zeros. Channel by channel, so that the quads' rows are read side by side.
    for (let ci = 0; ci < cin; ci++) {
      const plane = x + <usize>ci * planeBytes;
      for (let k = 0; k < CHUNK_QUADS; k++) {
        const q = q0 + k;
        const vq = v + (<usize>(k >> 1) * <usize>(cin * 32)) + (<usize>(k & 1) << 4) + (<usize>ci << 5);
        if (q >= q1) {
          for (let p = 0; p < 36; p++) v128.store(vq + <usize>p * pointBytes, f32x4.splat(0));
          continue;
        }
        const ti = q / qw, qj = q % qw;
        const inside = ti > 0 && qj > 0 && (shift == 0 ? 4 * ti + 5 <= h && 16 * qj + 19 <= w : 2 * ti + 3 <= h && 8 * qj + 11 <= w);
        if (inside && shift == 0) {
          inputQuad(plane + (<usize>((4 * ti - 1) * w + 16 * qj - 1) << 2), rowBytes, vq, pointBytes, t);
        } else if (inside) {
          upsampleQuad(plane, w, ti, qj, patch);
          inputQuad(patch, 80, vq, pointBytes, t);
        } else {
          gatherQuad(plane, h, w, shift, ti, qj, patch);
          inputQuad(patch, 80, vq, pointBytes, t);
        }
      }
    }
    for (let co = coStart; co < coEnd; co += CO_BLOCK) {
      const ub = u + <usize>(co / CO_BLOCK) * uBlockBytes;
      for (let p = 0; p < 36; p++) {
        const up = ub + <usize>p * uPointBytes;
        const vp = v + <usize>p * pointBytes;
        // The chunk's two 8-tile blocks, as two calls: a function called from one place is
        // inlined by Binaryen, and inlined here the loop ran about 1.6× slower.
        gemm5x8(up, vp, cin, m + <usize>p * M_POINT);
        gemm5x8(up, vp + <usize>(cin * 32), cin, m + <usize>p * M_POINT + 32);
      }
      for (let l = 0; l < CO_BLOCK && co + l < coEnd; l++) {
        const vb = f32x4.splat(load<f32>(bias + (<usize>(co + l) << 2)));
        const mc = m + <usize>l * 36 * M_POINT;
        const o = out + <usize>(co + l) * outPlane;
        for (let k = 0; k < q1 - q0; k++) {
          outputQuad(mc + (<usize>k << 4), t, vb, o, residual == 0 ? 0 : residual + <usize>(co + l) * outPlane, (q0 + k) / qw, ((q0 + k) % qw) << 2, hout, wout);
        }
      }
    }
  }
}

/**
 * The output transform of one channel of one quad: M points at mq (64 bytes apart) →
 * bias added → the quad's 4 × 16 pixels of plane o, from tile row ti and tile column j0,
 * residual added where residual ≠ 0; pixels outside H_out × W_out are not stored.
 */
function outputQuad(mq: usize, t: usize, vb: v128, o: usize, residual: usize, ti: i32, j0: i32, hout: i32, wout: i32): void {
  // Along y: each point column ξx → 4 rows, to t (4, 6).
  for (let px: usize = 0; px < 6; px++) outputTransform(mq + px * M_POINT, 6 * M_POINT, t + (px << 4), 96);
  for (let k = 0; k < 4; k++) {
    const gy = 4 * ti + k;
    if (gy >= hout) break;
    const s = t + <usize>k * 96;
    outputTransform(s, 16, s, 16); // along x: y0 … y3 over the 4 lanes' tiles, in place
    const y0 = f32x4.add(v128.load(s), vb), y1 = f32x4.add(v128.load(s, 16), vb);
    const y2 = f32x4.add(v128.load(s, 32), vb), y3 = f32x4.add(v128.load(s, 48), vb);
    // Transpose: lane l's four pixels side by side.
    const a01 = f32x4.shuffle(y0, y1, 0, 4, 1, 5), b01 = f32x4.shuffle(y2, y3, 0, 4, 1, 5);
    const a23 = f32x4.shuffle(y0, y1, 2, 6, 3, 7), b23 = f32x4.shuffle(y2, y3, 2, 6, 3, 7);
    storePixels(o, residual, gy * wout + 4 * j0, f32x4.shuffle(a01, b01, 0, 1, 4, 5), wout - 4 * j0);
    storePixels(o, residual, gy * wout + 4 * j0 + 4, f32x4.shuffle(a01, b01, 2, 3, 6, 7), wout - 4 * j0 - 4);
    storePixels(o, residual, gy * wout + 4 * j0 + 8, f32x4.shuffle(a23, b23, 0, 1, 4, 5), wout - 4 * j0 - 8);
    storePixels(o, residual, gy * wout + 4 * j0 + 12, f32x4.shuffle(a23, b23, 2, 3, 6, 7), wout - 4 * j0 - 12);
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
