/**
 * The four phases of a map (twin of kernels/phases.ts): x (C, H, W), H and W even →
 * (4C, H/2, W/2), channel 4c + 2·py + px holding x[c, 2i + py, 2j + px]. A stride-2 3×3
 * convolution of x (taming's padding: one zero row and column after the last) is then a
 * 2×2 stride-1 convolution of its phases with zeros past their ends (conv3x3_winograd.ts).
 */
export function splitPhases(x: Float32Array, c: number, h: number, w: number): Float32Array {
  const hh = h / 2, wh = w / 2;
  const out = new Float32Array(4 * c * hh * wh);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const phase = 4 * ch + 2 * (y & 1) + (xx & 1);
        out[(phase * hh + (y >> 1)) * wh + (xx >> 1)] = x[(ch * h + y) * w + xx]!;
      }
    }
  }
  return out;
}
