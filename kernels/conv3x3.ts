/**
 * 3×3 convolutions, twin of src/reference/conv3x3.ts (same canonical order: bias, then
 * w·x over (ci, ky, kx), a rounding after every multiply and add, taps on the padding
 * included as w·0, residual added to the finished sum).
 *
 * Two steps. A layout kernel writes the input once into a zero-padded scratch copy
 * (f32_pad_s1, f32_pad_up2, f32_pad_s2), so that the compute kernel f32_conv3x3_4x8 sees
 * every tap of every output pixel as `input + tap offset + ox`, with no edge cases:
 *   s1:  (C, H+2, W+2),   tap (ky, kx) at ky·(W+2) + kx,  one padded row per output row
 *   up2: (C, 2H+2, 2W+2), the nearest ×2 upsampling folded into the copy, taps as s1
 *   s2:  (C, H+1, W+1),   each row split into even columns E[0 … W/2] (E[W/2] = 0) and
 *        odd columns O[0 … W/2): tap kx = 0, 1, 2 reads E[ox], O[ox], E[ox+1], so stride
 *        2 becomes contiguous; two padded rows per output row
 * Pointers are byte addresses in linear memory; sizes and offsets count floats.
 */

/** (C, H, W) → (C, H+2, W+2) with a zero border. */
export function f32_pad_s1(x: usize, c: i32, h: i32, w: i32, out: usize): void {
  const wp = w + 2;
  memory.fill(out, 0, <usize>(c * (h + 2) * wp) << 2);
  for (let ci = 0; ci < c; ci++) {
    for (let y = 0; y < h; y++) {
      const src = x + (<usize>((ci * h + y) * w) << 2);
      const dst = out + (<usize>((ci * (h + 2) + y + 1) * wp + 1) << 2);
      memory.copy(dst, src, <usize>w << 2);
    }
  }
}

/** (C, H, W) → nearest ×2 → (C, 2H+2, 2W+2) with a zero border. */
export function f32_pad_up2(x: usize, c: i32, h: i32, w: i32, out: usize): void {
  const wp = 2 * w + 2;
  const hp = 2 * h + 2;
  memory.fill(out, 0, <usize>(c * hp * wp) << 2);
  for (let ci = 0; ci < c; ci++) {
    for (let y = 0; y < h; y++) {
      const src = x + (<usize>((ci * h + y) * w) << 2);
      const row = out + (<usize>((ci * hp + 2 * y + 1) * wp + 1) << 2);
      let i = 0;
      for (; i + 4 <= w; i += 4) {
        const v = v128.load(src + (<usize>i << 2));
        v128.store(row + (<usize>(2 * i) << 2), i32x4.shuffle(v, v, 0, 0, 1, 1));
        v128.store(row + (<usize>(2 * i + 4) << 2), i32x4.shuffle(v, v, 2, 2, 3, 3));
      }
      for (; i < w; i++) {
        const v = load<f32>(src + (<usize>i << 2));
        store<f32>(row + (<usize>(2 * i) << 2), v);
        store<f32>(row + (<usize>(2 * i + 1) << 2), v);
      }
      memory.copy(row + (<usize>wp << 2), row, <usize>(2 * w) << 2); // the row below repeats it
    }
  }
}

/** (C, H, W), H and W even → (C, H+1, W+1) rows of [E: x[0], x[2], …, 0 | O: x[1], x[3], …]. */
export function f32_pad_s2(x: usize, c: i32, h: i32, w: i32, out: usize): void {
  const half = w >> 1;
  const wr = w + 1;
  memory.fill(out, 0, <usize>(c * (h + 1) * wr) << 2);
  for (let ci = 0; ci < c; ci++) {
    for (let y = 0; y < h; y++) {
      const src = x + (<usize>((ci * h + y) * w) << 2);
      const even = out + (<usize>((ci * (h + 1) + y) * wr) << 2);
      const odd = even + (<usize>(half + 1) << 2);
      let j = 0;
      for (; j + 4 <= half; j += 4) {
        const a = v128.load(src + (<usize>(2 * j) << 2));
        const b = v128.load(src + (<usize>(2 * j + 4) << 2));
        v128.store(even + (<usize>j << 2), i32x4.shuffle(a, b, 0, 2, 4, 6));
        v128.store(odd + (<usize>j << 2), i32x4.shuffle(a, b, 1, 3, 5, 7));
      }
      for (; j < half; j++) {
        store<f32>(even + (<usize>j << 2), load<f32>(src + (<usize>(2 * j) << 2)));
        store<f32>(odd + (<usize>j << 2), load<f32>(src + (<usize>(2 * j + 1) << 2)));
      }
    }
  }
}

/**
 * out[co, oy, ox] = residual + (bias[co] + Σ_ci Σ_t w[co, ci, t] · xp[ci·channelStride +
 * oy·rowStride + taps[t] + ox]), t = ky·3 + kx in order, on the padded input xp.
 * Register tile: 4 output channels × 8 pixels (8 f32x4 accumulators); tails: 4 × 4, then
 * one pixel at a time; leftover output channels one at a time (1 × 8, 1 × 4, 1 × 1).
 * taps: 9 i32 offsets, read from memory inside the loop (an L1 hit beside 16 SIMD
 * operations per tap); weight (C_out, C_in, 3, 3); residual 0 for none.
 */
export function f32_conv3x3_4x8(
  xp: usize, channelStride: i32, rowStride: i32, taps: usize, cin: i32,
  weight: usize, bias: usize,
  out: usize, cout: i32, hout: i32, wout: i32, residual: usize,
): void {
  const cs = <usize>channelStride << 2;
  const ws = <usize>(cin * 9) << 2; // bytes between consecutive output channels' weights
  const plane = <usize>(hout * wout) << 2;
  let co = 0;
  for (; co + 4 <= cout; co += 4) {
    const wco = weight + <usize>co * ws;
    const b0 = f32x4.splat(load<f32>(bias + (<usize>co << 2)));
    const b1 = f32x4.splat(load<f32>(bias + (<usize>co << 2), 4));
    const b2 = f32x4.splat(load<f32>(bias + (<usize>co << 2), 8));
    const b3 = f32x4.splat(load<f32>(bias + (<usize>co << 2), 12));
    for (let oy = 0; oy < hout; oy++) {
      const xrow = xp + (<usize>(oy * rowStride) << 2);
      const orow = <usize>(co * hout * wout + oy * wout) << 2;
      let ox = 0;
      for (; ox + 8 <= wout; ox += 8) {
        let a00 = b0, a01 = b0, a10 = b1, a11 = b1, a20 = b2, a21 = b2, a30 = b3, a31 = b3;
        let px = xrow + (<usize>ox << 2);
        let pw = wco;
        for (let ci = 0; ci < cin; ci++) {
          // One tap: two input vectors (8 pixels) times four splatted weights (4 channels).
          for (let t = 0; t < 9; t++) {
            const off = <usize>load<i32>(taps + (<usize>t << 2)) << 2;
            const v0 = v128.load(px + off);
            const v1 = v128.load(px + off, 16);
            const pwt = pw + (<usize>t << 2);
            let w = v128.load32_splat(pwt);
            a00 = f32x4.add(a00, f32x4.mul(w, v0)); a01 = f32x4.add(a01, f32x4.mul(w, v1));
            w = v128.load32_splat(pwt + ws);
            a10 = f32x4.add(a10, f32x4.mul(w, v0)); a11 = f32x4.add(a11, f32x4.mul(w, v1));
            w = v128.load32_splat(pwt + 2 * ws);
            a20 = f32x4.add(a20, f32x4.mul(w, v0)); a21 = f32x4.add(a21, f32x4.mul(w, v1));
            w = v128.load32_splat(pwt + 3 * ws);
            a30 = f32x4.add(a30, f32x4.mul(w, v0)); a31 = f32x4.add(a31, f32x4.mul(w, v1));
          }
          px += cs;
          pw += 36;
        }
        const o = orow + (<usize>ox << 2);
        store4(out, residual, o, a00); store4(out, residual, o + 16, a01);
        store4(out, residual, o + plane, a10); store4(out, residual, o + plane + 16, a11);
        store4(out, residual, o + 2 * plane, a20); store4(out, residual, o + 2 * plane + 16, a21);
        store4(out, residual, o + 3 * plane, a30); store4(out, residual, o + 3 * plane + 16, a31);
      }
      for (; ox + 4 <= wout; ox += 4) {
        let a0 = b0, a1 = b1, a2 = b2, a3 = b3;
        let px = xrow + (<usize>ox << 2);
        let pw = wco;
        for (let ci = 0; ci < cin; ci++) {
          for (let t = 0; t < 9; t++) {
            const off = <usize>load<i32>(taps + (<usize>t << 2)) << 2;
            const v = v128.load(px + off);
            const pwt = pw + (<usize>t << 2);
            a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(pwt), v));
            a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(pwt + ws), v));
            a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(pwt + 2 * ws), v));
            a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(pwt + 3 * ws), v));
          }
          px += cs;
          pw += 36;
        }
        const o = orow + (<usize>ox << 2);
        store4(out, residual, o, a0);
        store4(out, residual, o + plane, a1);
        store4(out, residual, o + 2 * plane, a2);
        store4(out, residual, o + 3 * plane, a3);
      }
      for (; ox < wout; ox++) {
        for (let i = 0; i < 4; i++) {
          scalarPixel(xrow + (<usize>ox << 2), cs, cin, wco + <usize>i * ws, load<f32>(bias + (<usize>(co + i) << 2)),
            taps, out, residual, orow + <usize>i * plane + (<usize>ox << 2));
        }
      }
    }
  }
  // Leftover output channels (C_out not a multiple of 4, e.g. conv_out's 3), one at a time.
  for (; co < cout; co++) {
    const wco = weight + <usize>co * ws;
    const bco = load<f32>(bias + (<usize>co << 2));
    const b = f32x4.splat(bco);
    for (let oy = 0; oy < hout; oy++) {
      const xrow = xp + (<usize>(oy * rowStride) << 2);
      const orow = <usize>(co * hout * wout + oy * wout) << 2;
      let ox = 0;
      for (; ox + 8 <= wout; ox += 8) {
        let a0 = b, a1 = b;
        let px = xrow + (<usize>ox << 2);
        let pw = wco;
        for (let ci = 0; ci < cin; ci++) {
          for (let t = 0; t < 9; t++) {
            const off = <usize>load<i32>(taps + (<usize>t << 2)) << 2;
            const w = v128.load32_splat(pw + (<usize>t << 2));
            a0 = f32x4.add(a0, f32x4.mul(w, v128.load(px + off)));
            a1 = f32x4.add(a1, f32x4.mul(w, v128.load(px + off, 16)));
          }
          px += cs;
          pw += 36;
        }
        const o = orow + (<usize>ox << 2);
        store4(out, residual, o, a0);
        store4(out, residual, o + 16, a1);
      }
      for (; ox < wout; ox++) {
        scalarPixel(xrow + (<usize>ox << 2), cs, cin, wco, bco, taps, out, residual, orow + (<usize>ox << 2));
      }
    }
  }
}

/** out = residual + acc (when there is a residual), four lanes. */
// @ts-ignore: decorator
@inline
function store4(out: usize, residual: usize, o: usize, acc: v128): void {
  if (residual != 0) acc = f32x4.add(v128.load(residual + o), acc);
  v128.store(out + o, acc);
}

/** One output pixel of one channel, scalar, in the same order. */
// @ts-ignore: decorator
@inline
function scalarPixel(px: usize, cs: usize, cin: i32, pw: usize, bias: f32, taps: usize, out: usize, residual: usize, o: usize): void {
  let acc = bias;
  for (let ci = 0; ci < cin; ci++) {
    for (let t = 0; t < 9; t++) {
      acc += load<f32>(pw + (<usize>t << 2)) * load<f32>(px + (<usize>load<i32>(taps + (<usize>t << 2)) << 2));
    }
    px += cs;
    pw += 36;
  }
  if (residual != 0) acc = load<f32>(residual + o) + acc;
  store<f32>(out + o, acc);
}
