/**
 * Scalar reference for the 3×3 convolutions (twin of kernels/conv3x3.ts).
 *
 * Canonical order, shared with the WebAssembly kernel: every output starts from its
 * bias, then adds w·x for ci = 0 … C_in−1, ky = 0 … 2, kx = 0 … 2, rounding to float32
 * after every multiply and every add (no fused multiply-add). Taps that fall on the
 * zero padding are added too (they contribute w·0 = ±0), so the order is the same at
 * every pixel. With a residual, the finished sum s becomes residual + s.
 *
 * The three kinds (Conv3x3Kind, compute/backend.ts) are stride 1, stride 2 and
 * upsample-then-stride-1.
 */
import type { Conv3x3Kind } from '../backend.js';

const f32 = Math.fround;

/** A row of zeros standing in for input rows that fall on the padding; grown on demand. */
let zeroRow = new Float32Array(0);

export function conv3x3(
  x: Float32Array, cin: number, hin: number, win: number, // (C_in, H_in, W_in)
  weight: Float32Array, // (C_out, C_in, 3, 3)
  bias: Float32Array, // (C_out)
  out: Float32Array, cout: number, hout: number, wout: number, // (C_out, H_out, W_out)
  kind: Conv3x3Kind,
  residual: Float32Array | null, // (C_out, H_out, W_out) or null
): void {
  const stride = kind === 's2' ? 2 : 1;
  const pad = kind === 's2' ? 0 : 1;
  const shift = kind === 'up2' ? 1 : 0; // virtual (upsampled) → stored coordinate
  const hv = hin << shift; // the virtual input the taps index: H_v × W_v
  const wv = win << shift;
  if (zeroRow.length < win) zeroRow = new Float32Array(win);
  // Output columns whose three taps all land inside the virtual input: [xa, xb).
  const xa = Math.min(wout, pad);
  const xb = Math.max(xa, Math.floor((wv - 3 + pad) / stride) + 1);
  const rows: Float32Array[] = [x, x, x];
  const offs = [0, 0, 0];

  for (let co = 0; co < cout; co++) {
    const b = bias[co]!;
    for (let oy = 0; oy < hout; oy++) {
      const o = (co * hout + oy) * wout;
      out.fill(b, o, o + wout);
      for (let ci = 0; ci < cin; ci++) {
        for (let ky = 0; ky < 3; ky++) {
          const vy = oy * stride + ky - pad;
          const valid = vy >= 0 && vy < hv;
          rows[ky] = valid ? x : zeroRow;
          offs[ky] = valid ? (ci * hin + (vy >> shift)) * win : 0;
        }
        const wk = (co * cin + ci) * 9;
        // Border columns, where some taps fall on the padding: one tap at a time.
        for (let ox = 0; ox < xa; ox++) out[o + ox] = borderPixel(rows, offs, weight, wk, out[o + ox]!, ox * stride - pad, wv, shift);
        for (let ox = xb; ox < wout; ox++) out[o + ox] = borderPixel(rows, offs, weight, wk, out[o + ox]!, ox * stride - pad, wv, shift);
        interior(kind, rows[0]!, offs[0]!, rows[1]!, offs[1]!, rows[2]!, offs[2]!, weight, wk, out, o, xa, xb);
      }
      if (residual !== null) {
        for (let ox = 0; ox < wout; ox++) out[o + ox] = residual[o + ox]! + out[o + ox]!;
      }
    }
  }
}

/** One output pixel's nine taps of one input channel; vx0 is the virtual column of tap kx = 0. */
function borderPixel(
  rows: Float32Array[], offs: number[], weight: Float32Array, wk: number, acc: number, vx0: number, wv: number, shift: number,
): number {
  for (let ky = 0; ky < 3; ky++) {
    for (let kx = 0; kx < 3; kx++) {
      const vx = vx0 + kx;
      const v = vx >= 0 && vx < wv ? rows[ky]![offs[ky]! + (vx >> shift)]! : 0;
      acc = f32(acc + f32(weight[wk + ky * 3 + kx]! * v));
    }
  }
  return acc;
}

/** Columns [xa, xb) of one output row, one input channel: all nine taps in range. */
function interior(
  kind: Conv3x3Kind,
  r0: Float32Array, i0: number, r1: Float32Array, i1: number, r2: Float32Array, i2: number,
  weight: Float32Array, wk: number, out: Float32Array, o: number, xa: number, xb: number,
): void {
  const w0 = weight[wk]!, w1 = weight[wk + 1]!, w2 = weight[wk + 2]!;
  const w3 = weight[wk + 3]!, w4 = weight[wk + 4]!, w5 = weight[wk + 5]!;
  const w6 = weight[wk + 6]!, w7 = weight[wk + 7]!, w8 = weight[wk + 8]!;
  if (kind === 's1') {
    for (let ox = xa; ox < xb; ox++) {
      const a = i0 + ox - 1, b = i1 + ox - 1, c = i2 + ox - 1;
      let acc = out[o + ox]!;
      acc = f32(acc + f32(w0 * r0[a]!)); acc = f32(acc + f32(w1 * r0[a + 1]!)); acc = f32(acc + f32(w2 * r0[a + 2]!));
      acc = f32(acc + f32(w3 * r1[b]!)); acc = f32(acc + f32(w4 * r1[b + 1]!)); acc = f32(acc + f32(w5 * r1[b + 2]!));
      acc = f32(acc + f32(w6 * r2[c]!)); acc = f32(acc + f32(w7 * r2[c + 1]!)); acc = f32(acc + f32(w8 * r2[c + 2]!));
      out[o + ox] = acc;
    }
  } else if (kind === 's2') {
    for (let ox = xa; ox < xb; ox++) {
      const a = i0 + 2 * ox, b = i1 + 2 * ox, c = i2 + 2 * ox;
      let acc = out[o + ox]!;
      acc = f32(acc + f32(w0 * r0[a]!)); acc = f32(acc + f32(w1 * r0[a + 1]!)); acc = f32(acc + f32(w2 * r0[a + 2]!));
      acc = f32(acc + f32(w3 * r1[b]!)); acc = f32(acc + f32(w4 * r1[b + 1]!)); acc = f32(acc + f32(w5 * r1[b + 2]!));
      acc = f32(acc + f32(w6 * r2[c]!)); acc = f32(acc + f32(w7 * r2[c + 1]!)); acc = f32(acc + f32(w8 * r2[c + 2]!));
      out[o + ox] = acc;
    }
  } else {
    // Upsampled column u = ox + kx − 1 reads stored column u >> 1.
    for (let ox = xa; ox < xb; ox++) {
      const l = (ox - 1) >> 1, m = ox >> 1, r = (ox + 1) >> 1;
      let acc = out[o + ox]!;
      acc = f32(acc + f32(w0 * r0[i0 + l]!)); acc = f32(acc + f32(w1 * r0[i0 + m]!)); acc = f32(acc + f32(w2 * r0[i0 + r]!));
      acc = f32(acc + f32(w3 * r1[i1 + l]!)); acc = f32(acc + f32(w4 * r1[i1 + m]!)); acc = f32(acc + f32(w5 * r1[i1 + r]!));
      acc = f32(acc + f32(w6 * r2[i2 + l]!)); acc = f32(acc + f32(w7 * r2[i2 + m]!)); acc = f32(acc + f32(w8 * r2[i2 + r]!));
      out[o + ox] = acc;
    }
  }
}
