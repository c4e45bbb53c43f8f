/**
 * Scalar reference for the fast mode's stride-1 3×3 convolutions (twin of
 * kernels/conv3x3_winograd.ts): Winograd minimal filtering F(4×4, 3×3) (Lavin & Gray,
 * 2016). Each 4×4 tile of the output comes from the 6×6 patch of input around it:
 *
 *   Y = Aᵀ · [ Σ_ci (G·g·Gᵀ) ⊙ (Bᵀ·d·B) ] · A,   out = residual + (Y + bias)
 *
 * 36 multiplies per 16 outputs and input channel instead of 144. The filter transform
 * U = G·g·Gᵀ is done once at load, in float64, rounded once to float32. Everything else
 * is float32, rounded after every operation, in this canonical order (the kernel's lanes
 * do the same operations on four tiles at once, so both give the same bytes):
 *
 *   input    each 1-D transform below applied to the patch's 6 columns (along y), then
 *            to the 6 rows of that (along x): V[ξy][ξx]
 *   product  M[ξ] = Σ_ci U[ξ][co][ci]·V[ξ][ci], from +0, ci = 0 … C_in − 1
 *   output   the 1-D output transform along y (6 → 4 for each ξx), then along x; then
 *            + bias, then residual + that
 *
 * Patches read the zero padding (and, for 'up2', the nearest ×2 upsampled input) exactly
 * as the direct convolution does, so both modes compute the same function.
 */
const f32 = Math.fround;

/** Output pixels per tile side, and transform points per tile (its 6 × 6 patch). */
const WINOGRAD_TILE = 4;
export const WINOGRAD_POINTS = 36;

/** Bᵀ·d on 6 values d[o], d[o + s], …, written to r[0 … 5]. */
function inputTransform(d: Float32Array, o: number, s: number, r: Float32Array, ro: number, rs: number): void {
  const d0 = d[o]!, d1 = d[o + s]!, d2 = d[o + 2 * s]!, d3 = d[o + 3 * s]!, d4 = d[o + 4 * s]!, d5 = d[o + 5 * s]!;
  const d4m2 = f32(d4 - d2);
  const d3m1 = f32(f32(d3 - d1) * 2);
  r[ro] = f32(f32(f32(d0 * 4) - f32(d2 * 5)) + d4);
  r[ro + rs] = f32(f32(d3 + d4) - f32(f32(d1 + d2) * 4));
  r[ro + 2 * rs] = f32(f32(d4 - d3) + f32(f32(d1 - d2) * 4));
  r[ro + 3 * rs] = f32(d4m2 + d3m1);
  r[ro + 4 * rs] = f32(d4m2 - d3m1);
  r[ro + 5 * rs] = f32(f32(f32(d1 * 4) - f32(d3 * 5)) + d5);
}

/** Aᵀ·m on 6 values m[o], m[o + s], …, written to y[0 … 3]. */
function outputTransform(m: Float32Array, o: number, s: number, y: Float32Array, yo: number, ys: number): void {
  const m0 = m[o]!, m1 = m[o + s]!, m2 = m[o + 2 * s]!, m3 = m[o + 3 * s]!, m4 = m[o + 4 * s]!, m5 = m[o + 5 * s]!;
  const a = f32(m1 + m2), b = f32(m1 - m2), c = f32(m3 + m4), d = f32(m3 - m4);
  y[yo] = f32(f32(m0 + a) + c);
  y[yo + ys] = f32(b + f32(d * 2));
  y[yo + 2 * ys] = f32(a + f32(c * 4));
  y[yo + 3 * ys] = f32(f32(b + f32(d * 8)) + m5);
}

/**
 * weight (C_out, C_in, 3, 3) → U (36, C_out, C_in): G·g·Gᵀ per filter in float64, each
 * value rounded once to float32. Both backends use these values.
 */
export function winogradFilter4x4(weight: Float32Array, cout: number, cin: number): Float32Array {
  const u = new Float32Array(WINOGRAD_POINTS * cout * cin);
  const t = new Float64Array(18); // G·g: (6, 3)
  // G·v for a 3-vector v: the rows of G are 1/4·[1 0 0], −1/6·[1 1 1], −1/6·[1 −1 1],
  // 1/24·[1 2 4], 1/24·[1 −2 4], [0 0 1].
  const g = (v0: number, v1: number, v2: number, out: (i: number, x: number) => void): void => {
    out(0, v0 / 4);
    out(1, -(v0 + v1 + v2) / 6);
    out(2, -(v0 - v1 + v2) / 6);
    out(3, (v0 + 2 * v1 + 4 * v2) / 24);
    out(4, (v0 - 2 * v1 + 4 * v2) / 24);
    out(5, v2);
  };
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const w = (co * cin + ci) * 9;
      for (let kx = 0; kx < 3; kx++) g(weight[w + kx]!, weight[w + 3 + kx]!, weight[w + 6 + kx]!, (i, x) => (t[i * 3 + kx] = x));
      for (let i = 0; i < 6; i++) {
        g(t[i * 3]!, t[i * 3 + 1]!, t[i * 3 + 2]!, (j, x) => (u[((i * 6 + j) * cout + co) * cin + ci] = x));
      }
    }
  }
  return u;
}

/**
 * out = residual + (conv3x3(x) + bias), stride 1, padding 1, with F(4×4, 3×3).
 * up2: x is first upsampled ×2 (nearest), so H_out = 2·H_in.
 */
export function conv3x3Winograd(
  x: Float32Array, cin: number, hin: number, win: number, // (C_in, H_in, W_in)
  u: Float32Array, // (36, C_out, C_in) from winogradFilter4x4
  bias: Float32Array, // (C_out)
  out: Float32Array, cout: number, hout: number, wout: number, // (C_out, H_out, W_out)
  up2: boolean,
  residual: Float32Array | null, // (C_out, H_out, W_out) or null
): void {
  const shift = up2 ? 1 : 0; // virtual (upsampled) → stored coordinate
  const th = Math.ceil(hout / WINOGRAD_TILE);
  const tw = Math.ceil(wout / WINOGRAD_TILE);
  const tiles = th * tw;
  const v = new Float32Array(WINOGRAD_POINTS * cin * tiles); // (36, C_in, tiles)
  const d = new Float32Array(36); // a patch (6, 6)
  const t = new Float32Array(36); // along y done: (6, 6)
  const r = new Float32Array(36);
  for (let ci = 0; ci < cin; ci++) {
    for (let ti = 0; ti < th; ti++) {
      for (let tj = 0; tj < tw; tj++) {
        for (let py = 0; py < 6; py++) {
          for (let px = 0; px < 6; px++) {
            const vy = 4 * ti - 1 + py, vx = 4 * tj - 1 + px;
            const inside = vy >= 0 && vy < hout && vx >= 0 && vx < wout;
            d[py * 6 + px] = inside ? x[(ci * hin + (vy >> shift)) * win + (vx >> shift)]! : 0;
          }
        }
        for (let px = 0; px < 6; px++) inputTransform(d, px, 6, t, px, 6); // columns
        for (let k = 0; k < 6; k++) inputTransform(t, k * 6, 1, r, k * 6, 1); // rows
        const tile = ti * tw + tj;
        for (let p = 0; p < 36; p++) v[(p * cin + ci) * tiles + tile] = r[p]!;
      }
    }
  }
  const m = new Float32Array(36);
  const s = new Float32Array(24); // along y done: (4, 6)
  const y = new Float32Array(16);
  for (let co = 0; co < cout; co++) {
    const b = bias[co]!;
    for (let ti = 0; ti < th; ti++) {
      for (let tj = 0; tj < tw; tj++) {
        const tile = ti * tw + tj;
        for (let p = 0; p < 36; p++) {
          const up = (p * cout + co) * cin;
          const vp = p * cin * tiles + tile;
          let acc = 0;
          for (let ci = 0; ci < cin; ci++) acc = f32(acc + f32(u[up + ci]! * v[vp + ci * tiles]!));
          m[p] = acc;
        }
        for (let px = 0; px < 6; px++) outputTransform(m, px, 6, s, px, 6);
        for (let k = 0; k < 4; k++) outputTransform(s, k * 6, 1, y, k * 4, 1);
        for (let oy = 0; oy < 4; oy++) {
          for (let ox = 0; ox < 4; ox++) {
            const gy = 4 * ti + oy, gx = 4 * tj + ox;
            if (gy >= hout || gx >= wout) continue;
            const o = (co * hout + gy) * wout + gx;
            const sum = f32(y[oy * 4 + ox]! + b);
            out[o] = residual === null ? sum : f32(residual[o]! + sum);
          }
        }
      }
    }
  }
}
