/**
 * Scalar reference for the 1×1 convolution (twin of kernels/conv1x1.ts).
 * Canonical order: out = bias, then += w·x for ci = 0 … C_in−1, each multiply and add
 * rounded to float32; with a residual, the finished sum s becomes residual + s.
 */
const f32 = Math.fround;

export function conv1x1(
  x: Float32Array, cin: number, pixels: number, // (C_in, P)
  weight: Float32Array, // (C_out, C_in)
  bias: Float32Array, // (C_out)
  out: Float32Array, cout: number, // (C_out, P)
  residual: Float32Array | null, // (C_out, P) or null
): void {
  for (let co = 0; co < cout; co++) {
    const row = co * pixels;
    out.fill(bias[co]!, row, row + pixels);
    for (let ci = 0; ci < cin; ci++) {
      const w = weight[co * cin + ci]!;
      const src = ci * pixels;
      for (let p = 0; p < pixels; p++) out[row + p]! += f32(w * x[src + p]!);
    }
    if (residual !== null) {
      for (let p = 0; p < pixels; p++) out[row + p] = residual[row + p]! + out[row + p]!;
    }
  }
}
