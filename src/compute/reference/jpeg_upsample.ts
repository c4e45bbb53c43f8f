/**
 * libjpeg-turbo's chroma upsampling with its defaults (do_fancy_upsampling, jdsample.c),
 * one output row per call; twin of kernels/jpeg_upsample.ts. The caller picks the input
 * rows: libjpeg's context rows (jdmainct.c) make the row above the first row the first row
 * itself, and the rows below the last real row (dh − 1) that row.
 * Rows are given as (array, offset); dw is the component's width in samples,
 * ceil(W·h / max_h).
 */

/**
 * 2:1 horizontally, triangular ("fancy"): out[2i] = (3·in[i] + in[i−1] + 1) >> 2,
 * out[2i+1] = (3·in[i] + in[i+1] + 2) >> 2; the first and last outputs copy the edge
 * sample. dw ≥ 2 (libjpeg uses fancy upsampling only for dw > 2); writes 2·dw samples.
 */
export function upsampleH2V1Fancy(src: Uint8Array, s: number, dw: number, out: Uint8Array, o: number): void {
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

/**
 * 1:2 vertically, triangular: an output row from its nearer input row and the farther one
 * (above for the upper output row, bias 1; below for the lower, bias 2):
 * (3·near + far + bias) >> 2. Writes dw samples.
 */
export function upsampleH1V2Fancy(
  src: Uint8Array,
  near: number,
  far: number,
  dw: number,
  bias: number,
  out: Uint8Array,
  o: number,
): void {
  for (let x = 0; x < dw; x++) out[o + x] = (src[near + x]! * 3 + src[far + x]! + bias) >> 2;
}

/**
 * 2:1 both ways, triangular: column sums c = 3·near + far (rows as in upsampleH1V2Fancy),
 * then (3·c[i] + c[i−1] + 8) >> 4 and (3·c[i] + c[i+1] + 7) >> 4; the first output is
 * (4·c[0] + 8) >> 4 and the last (4·c[dw−1] + 7) >> 4. dw ≥ 2; writes 2·dw samples.
 */
export function upsampleH2V2Fancy(
  src: Uint8Array,
  near: number,
  far: number,
  dw: number,
  out: Uint8Array,
  o: number,
): void {
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

/**
 * Integer factor h by replication (libjpeg's int_upsample, and h2v1/h2v2_upsample where
 * the plane is too narrow for fancy upsampling): out[x] = in[x / h] for x < outW. The
 * caller repeats rows for vertical factors.
 */
export function upsampleReplicate(src: Uint8Array, s: number, h: number, outW: number, out: Uint8Array, o: number): void {
  for (let x = 0; x < outW; x++) out[o + x] = src[s + ((x / h) | 0)]!;
}
