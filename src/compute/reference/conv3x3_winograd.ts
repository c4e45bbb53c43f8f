/**
 * Scalar reference for the fast mode's stride-1 3×3 convolutions (twin of
 * kernels/conv3x3_winograd.ts): Winograd minimal filtering F(m×m, 3×3) (Lavin & Gray,
 * 2016), m = 4 or 6. Each m×m tile of the output comes from the n×n patch of input
 * around it (n = m + 2):
 *
 *   Y = Aᵀ · [ Σ_ci (G·g·Gᵀ) ⊙ (Bᵀ·d·B) ] · A,   out = residual + (Y + bias)
 *
 * Per input channel and 16 outputs, F(4×4) does 36 multiplies and F(6×6) 28.4, instead
 * of 144; F(6×6) rounds a little more (its points reach ±1/2 and its transforms have
 * larger coefficients) and needs maps of a few tiles to pay: a convolution uses F(6×6)
 * where the map it is made for is at least WINOGRAD6_MIN_WIDTH wide (winogradKindFor).
 * The filter transform U = G·g·Gᵀ is done once at load, in float64, rounded once to
 * float32. Everything else is float32, rounded after every operation, in this canonical
 * order (the kernel's lanes do the same operations on four tiles at once, so both give
 * the same bytes):
 *
 *   input    the 1-D input transform below applied to the patch's n columns (along y),
 *            then to the n rows of that (along x): V[ξy][ξx]
 *   product  M[ξ] = Σ_ci U[ξ][co][ci]·V[ξ][ci], from +0, ci = 0 … C_in − 1
 *   output   the 1-D output transform along y (n → m for each ξx), then along x; then
 *            + bias, then residual + that
 *
 * Patches read the zero padding (and, for 'up2', the nearest ×2 upsampled input) exactly
 * as the direct convolution does, so both modes compute the same function.
 *
 * The stride-2 convolutions go the same way after a change of variables: on the four
 * phases of the input (phases.ts), a stride-2 3×3 convolution is a stride-1 2×2 one with
 * 4·C_in channels (filter taps (2a, 2b), (2a, 2b + 1), (2a + 1, 2b), (2a + 1, 2b + 1) of
 * each phase, zeros where those pass 2), computed with F(4×4, 2×2): 25 multiplies per 16
 * outputs and phase channel, 100 per input channel against the direct 144.
 */
import type { WinogradTile } from '../winograd_plan.js';

const f32 = Math.fround;

/** Bᵀ·d for F(4): 6 values d[o], d[o + s], … → r[ro], r[ro + rs], … */
function inputTransform4(d: Float32Array, o: number, s: number, r: Float32Array, ro: number, rs: number): void {
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

/**
 * Bᵀ·d for F(6), points 0, ±1, ±2, ±1/2, ∞: 8 values → 8, the rows of Bᵀ factored in
 * pairs that share their even and odd parts.
 */
function inputTransform6(d: Float32Array, o: number, s: number, r: Float32Array, ro: number, rs: number): void {
  const d0 = d[o]!, d1 = d[o + s]!, d2 = d[o + 2 * s]!, d3 = d[o + 3 * s]!;
  const d4 = d[o + 4 * s]!, d5 = d[o + 5 * s]!, d6 = d[o + 6 * s]!, d7 = d[o + 7 * s]!;
  const t1 = f32(f32(d2 + d6) - f32(d4 * 4.25)), t2 = f32(f32(d1 + d5) - f32(d3 * 4.25));
  const t3 = f32(f32(d6 + f32(d2 * 0.25)) - f32(d4 * 1.25)), t4 = f32(f32(f32(d1 * 0.5) - f32(d3 * 2.5)) + f32(d5 * 2));
  const t5 = f32(d6 + f32(f32(d2 - f32(d4 * 1.25)) * 4)), t6 = f32(f32(f32(d1 * 2) - f32(d3 * 2.5)) + f32(d5 * 0.5));
  r[ro] = f32(f32(d0 - d6) + f32(f32(d4 - d2) * 5.25));
  r[ro + rs] = f32(t1 + t2);
  r[ro + 2 * rs] = f32(t1 - t2);
  r[ro + 3 * rs] = f32(t3 + t4);
  r[ro + 4 * rs] = f32(t3 - t4);
  r[ro + 5 * rs] = f32(t5 + t6);
  r[ro + 6 * rs] = f32(t5 - t6);
  r[ro + 7 * rs] = f32(f32(d7 - d1) + f32(f32(d3 - d5) * 5.25));
}

/** Bᵀ·d for F(4, 2), points 0, 1, −1, 2, ∞: 5 values → 5. */
function inputTransform42(d: Float32Array, o: number, s: number, r: Float32Array, ro: number, rs: number): void {
  const d0 = d[o]!, d1 = d[o + s]!, d2 = d[o + 2 * s]!, d3 = d[o + 3 * s]!, d4 = d[o + 4 * s]!;
  const d3m1 = f32(d3 - d1), d3m2 = f32(d3 - d2);
  r[ro] = f32(d3m1 + f32(f32(d0 - d2) * 2));
  r[ro + rs] = f32(d3m2 - f32(d1 * 2));
  r[ro + 2 * rs] = f32(d3m2 + f32(f32(d1 - d2) * 2));
  r[ro + 3 * rs] = d3m1;
  r[ro + 4 * rs] = f32(f32(d4 - d2) + f32(f32(d1 - d3) * 2));
}

/** Aᵀ·m for F(4, 2): 5 values → 4. */
function outputTransform42(m: Float32Array, o: number, s: number, y: Float32Array, yo: number, ys: number): void {
  const m0 = m[o]!, m1 = m[o + s]!, m2 = m[o + 2 * s]!, m3 = m[o + 3 * s]!, m4 = m[o + 4 * s]!;
  const a = f32(m1 + m2), b = f32(m1 - m2);
  y[yo] = f32(f32(m0 + a) + m3);
  y[yo + ys] = f32(b + f32(m3 * 2));
  y[yo + 2 * ys] = f32(a + f32(m3 * 4));
  y[yo + 3 * ys] = f32(f32(b + f32(m3 * 8)) + m4);
}

/** Aᵀ·m for F(4): 6 values m[o], m[o + s], … → y[yo], y[yo + ys], … (4). */
function outputTransform4(m: Float32Array, o: number, s: number, y: Float32Array, yo: number, ys: number): void {
  const m0 = m[o]!, m1 = m[o + s]!, m2 = m[o + 2 * s]!, m3 = m[o + 3 * s]!, m4 = m[o + 4 * s]!, m5 = m[o + 5 * s]!;
  const a = f32(m1 + m2), b = f32(m1 - m2), c = f32(m3 + m4), d = f32(m3 - m4);
  y[yo] = f32(f32(m0 + a) + c);
  y[yo + ys] = f32(b + f32(d * 2));
  y[yo + 2 * ys] = f32(a + f32(c * 4));
  y[yo + 3 * ys] = f32(f32(b + f32(d * 8)) + m5);
}

/** Aᵀ·m for F(6): 8 values → 6; the points ±1, ±2, ±1/2 in pairs, as sums a, c, e and differences b, d, f. */
function outputTransform6(m: Float32Array, o: number, s: number, y: Float32Array, yo: number, ys: number): void {
  const m0 = m[o]!, m1 = m[o + s]!, m2 = m[o + 2 * s]!, m3 = m[o + 3 * s]!;
  const m4 = m[o + 4 * s]!, m5 = m[o + 5 * s]!, m6 = m[o + 6 * s]!, m7 = m[o + 7 * s]!;
  const a = f32(m1 + m2), b = f32(m1 - m2), c = f32(m3 + m4), d = f32(m3 - m4), e = f32(m5 + m6), f = f32(m5 - m6);
  y[yo] = f32(f32(f32(m0 + a) + c) + e);
  y[yo + ys] = f32(f32(b + f32(d * 2)) + f32(f * 0.5));
  y[yo + 2 * ys] = f32(f32(a + f32(c * 4)) + f32(e * 0.25));
  y[yo + 3 * ys] = f32(f32(b + f32(d * 8)) + f32(f * 0.125));
  y[yo + 4 * ys] = f32(f32(a + f32(c * 16)) + f32(e * 0.0625));
  y[yo + 5 * ys] = f32(f32(f32(b + f32(d * 32)) + f32(f * 0.03125)) + m7);
}

/** F(m×m, r×r) for the s1 tiles m = 4, 6 (r = 3) and the s2 phases (m = 4, r = 2). */
interface Transforms {
  readonly m: number;
  readonly r: number;
  readonly input: typeof inputTransform4;
  readonly output: typeof outputTransform4;
}
const F4x3: Transforms = { m: 4, r: 3, input: inputTransform4, output: outputTransform4 };
const F6x3: Transforms = { m: 6, r: 3, input: inputTransform6, output: outputTransform6 };
const F4x2: Transforms = { m: 4, r: 2, input: inputTransform42, output: outputTransform42 };
const TILES = { 4: F4x3, 6: F6x3 } as const;

/**
 * out = residual + (conv3x3(x) + bias), stride 1, padding 1, with F(tile×tile, 3×3).
 * up2: x is first upsampled ×2 (nearest), so H_out = 2·H_in.
 */
export function conv3x3Winograd(
  x: Float32Array, cin: number, hin: number, win: number, // (C_in, H_in, W_in)
  u: Float32Array, tile: WinogradTile, // (n², C_out, C_in) from transformedWeights(…, tile)
  bias: Float32Array, // (C_out)
  out: Float32Array, cout: number, hout: number, wout: number, // (C_out, H_out, W_out)
  up2: boolean,
  residual: Float32Array | null, // (C_out, H_out, W_out) or null
): void {
  winogradConv(x, cin, hin, win, u, TILES[tile], bias, out, cout, hout, wout, up2 ? 1 : 0, residual);
}

/**
 * out = residual + (conv3x3(x) + bias), stride 2, taming's padding (one zero row and
 * column after the last): F(4×4, 2×2) on the phases of x (splitPhases).
 */
export function conv3x3S2Winograd(
  phases: Float32Array, cin: number, hin: number, win: number, // (4·C_in, H_in/2, W_in/2) from splitPhases
  u: Float32Array, // (25, C_out, 4·C_in) from transformedWeights(…, 's2')
  bias: Float32Array, // (C_out)
  out: Float32Array, cout: number, hout: number, wout: number, // (C_out, H_in/2, W_in/2)
  residual: Float32Array | null, // (C_out, H_out, W_out) or null
): void {
  winogradConv(phases, 4 * cin, hin / 2, win / 2, u, F4x2, bias, out, cout, hout, wout, 0, residual);
}

/**
 * The canonical Winograd convolution: tiles of m×m outputs from patches starting one row
 * and column before them (r = 3, padding 1) or at them (r = 2, zeros only past the end).
 * shift 1: x is read through a nearest ×2 upsampling.
 */
function winogradConv(
  x: Float32Array, cin: number, hin: number, win: number, u: Float32Array, f: Transforms, bias: Float32Array,
  out: Float32Array, cout: number, hout: number, wout: number, shift: number, residual: Float32Array | null,
): void {
  const { m, input, output } = f;
  const n = m + f.r - 1, points = n * n;
  const origin = f.r === 3 ? -1 : 0;
  const th = Math.ceil(hout / m);
  const tw = Math.ceil(wout / m);
  const tiles = th * tw;
  const v = new Float32Array(points * cin * tiles); // (n², C_in, tiles)
  const d = new Float32Array(points); // a patch (n, n)
  const t = new Float32Array(points); // along y done: (n, n)
  const r = new Float32Array(points);
  for (let ci = 0; ci < cin; ci++) {
    for (let ti = 0; ti < th; ti++) {
      for (let tj = 0; tj < tw; tj++) {
        for (let py = 0; py < n; py++) {
          for (let px = 0; px < n; px++) {
            const vy = m * ti + origin + py, vx = m * tj + origin + px;
            const inside = vy >= 0 && vy < hin << shift && vx >= 0 && vx < win << shift;
            d[py * n + px] = inside ? x[(ci * hin + (vy >> shift)) * win + (vx >> shift)]! : 0;
          }
        }
        for (let px = 0; px < n; px++) input(d, px, n, t, px, n); // columns
        for (let k = 0; k < n; k++) input(t, k * n, 1, r, k * n, 1); // rows
        const at = ti * tw + tj;
        for (let p = 0; p < points; p++) v[(p * cin + ci) * tiles + at] = r[p]!;
      }
    }
  }
  const mp = new Float32Array(points);
  const s = new Float32Array(m * n); // along y done: (m, n)
  const y = new Float32Array(m * m);
  for (let co = 0; co < cout; co++) {
    const b = bias[co]!;
    for (let ti = 0; ti < th; ti++) {
      for (let tj = 0; tj < tw; tj++) {
        const at = ti * tw + tj;
        for (let p = 0; p < points; p++) {
          const up = (p * cout + co) * cin;
          const vp = p * cin * tiles + at;
          let acc = 0;
          for (let ci = 0; ci < cin; ci++) acc = f32(acc + f32(u[up + ci]! * v[vp + ci * tiles]!));
          mp[p] = acc;
        }
        for (let px = 0; px < n; px++) output(mp, px, n, s, px, n);
        for (let k = 0; k < m; k++) output(s, k * n, 1, y, k * m, 1);
        for (let oy = 0; oy < m; oy++) {
          for (let ox = 0; ox < m; ox++) {
            const gy = m * ti + oy, gx = m * tj + ox;
            if (gy >= hout || gx >= wout) continue;
            const o = (co * hout + gy) * wout + gx;
            const sum = f32(y[oy * m + ox]! + b);
            out[o] = residual === null ? sum : f32(residual[o]! + sum);
          }
        }
      }
    }
  }
}
