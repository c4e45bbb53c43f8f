/**
 * libjpeg-turbo's chroma upsampling with its defaults (do_fancy_upsampling, jdsample.c),
 * twin of kernels/jpeg_upsample.ts. A component plane of dw × dh samples (its
 * "downsampled" size, ceil(W·h / max_h) × ceil(H·v / max_v)) becomes a full-size plane.
 *
 * Rows outside the plane repeat its first or last row: libjpeg's context rows (jdmainct.c)
 * point above the first row at the first row, and below the last real row at that row.
 * Columns have explicit first and last cases instead, as in jdsample.c.
 */

/**
 * 2:1 horizontally, triangular ("fancy"): out[2i] = (3·in[i] + in[i−1] + 1) >> 2,
 * out[2i+1] = (3·in[i] + in[i+1] + 2) >> 2; the first and last outputs copy the edge
 * sample. Needs dw ≥ 2 (libjpeg uses fancy upsampling only for dw > 2); writes 2·dw
 * samples of each of `rows` rows.
 */
export function upsampleH2V1Fancy(
  src: Uint8Array,
  srcStride: number,
  dw: number,
  rows: number,
  out: Uint8Array,
  outStride: number,
): void {
  for (let y = 0; y < rows; y++) {
    const s = y * srcStride;
    const o = y * outStride;
    out[o] = src[s]!;
    out[o + 1] = (src[s]! * 3 + src[s + 1]! + 2) >> 2;
    for (let i = 1; i < dw - 1; i++) {
      const v = src[s + i]! * 3;
      out[o + 2 * i] = (v + src[s + i - 1]! + 1) >> 2;
      out[o + 2 * i + 1] = (v + src[s + i + 1]! + 2) >> 2;
    }
    const last = s + dw - 1;
    out[o + 2 * dw - 2] = (src[last]! * 3 + src[last - 1]! + 1) >> 2;
    out[o + 2 * dw - 1] = src[last]!;
  }
}

/**
 * 1:2 vertically, triangular: output row 2j is (3·in[j] + in[j−1] + 1) >> 2, row 2j+1 is
 * (3·in[j] + in[j+1] + 2) >> 2, with rows clamped to 0..dh−1. Writes dw samples of each
 * of outRows rows.
 */
export function upsampleH1V2Fancy(
  src: Uint8Array,
  srcStride: number,
  dw: number,
  dh: number,
  out: Uint8Array,
  outStride: number,
  outRows: number,
): void {
  for (let y = 0; y < outRows; y++) {
    const j = y >> 1;
    const near = j * srcStride;
    const far = clampRow(y & 1 ? j + 1 : j - 1, dh) * srcStride;
    const bias = y & 1 ? 2 : 1;
    const o = y * outStride;
    for (let x = 0; x < dw; x++) out[o + x] = (src[near + x]! * 3 + src[far + x]! + bias) >> 2;
  }
}

/**
 * 2:1 both ways, triangular: column sums c = 3·near row + far row, then outputs
 * (3·c[i] + c[i−1] + 8) >> 4 and (3·c[i] + c[i+1] + 7) >> 4; the first output of a row is
 * (4·c[0] + 8) >> 4 and the last (4·c[dw−1] + 7) >> 4. Needs dw ≥ 2; writes 2·dw samples
 * of each of outRows rows.
 */
export function upsampleH2V2Fancy(
  src: Uint8Array,
  srcStride: number,
  dw: number,
  dh: number,
  out: Uint8Array,
  outStride: number,
  outRows: number,
): void {
  for (let y = 0; y < outRows; y++) {
    const j = y >> 1;
    const near = j * srcStride;
    const far = clampRow(y & 1 ? j + 1 : j - 1, dh) * srcStride;
    const o = y * outStride;
    const sum = (x: number): number => src[near + x]! * 3 + src[far + x]!;
    let here = sum(0);
    let next = sum(1);
    out[o] = (here * 4 + 8) >> 4;
    out[o + 1] = (here * 3 + next + 7) >> 4;
    for (let i = 1; i < dw - 1; i++) {
      const last = here;
      here = next;
      next = sum(i + 1);
      out[o + 2 * i] = (here * 3 + last + 8) >> 4;
      out[o + 2 * i + 1] = (here * 3 + next + 7) >> 4;
    }
    out[o + 2 * dw - 2] = (next * 3 + here + 8) >> 4;
    out[o + 2 * dw - 1] = (next * 4 + 7) >> 4;
  }
}

/**
 * Integer factors by replication (libjpeg's int_upsample, and h2v1/h2v2_upsample where
 * the plane is too narrow for fancy upsampling): out[y][x] = in[y / v][x / h] for x < outW.
 */
export function upsampleReplicate(
  src: Uint8Array,
  srcStride: number,
  h: number,
  v: number,
  out: Uint8Array,
  outStride: number,
  outW: number,
  outRows: number,
): void {
  for (let y = 0; y < outRows; y++) {
    const s = ((y / v) | 0) * srcStride;
    const o = y * outStride;
    for (let x = 0; x < outW; x++) out[o + x] = src[s + ((x / h) | 0)]!;
  }
}

function clampRow(row: number, rows: number): number {
  return row < 0 ? 0 : row >= rows ? rows - 1 : row;
}
