/**
 * What the fast mode settles at load time, the same for both backends (the scalar
 * reference and the WebAssembly kernels read what this gives): which Winograd transform
 * each 3×3 convolution uses, and its filters transformed, U = G·g·Gᵀ, in float64 with
 * each value rounded once to float32. The transforms and their canonical order are in
 * reference/conv3x3_winograd.ts.
 */
import type { Conv3x3Kind } from './backend.js';

/** Output pixels per tile side. */
export type WinogradTile = 4 | 6;

/** Maps at least this wide (the map a convolution is made for) use F(6×6). */
const WINOGRAD6_MIN_WIDTH = 64;

/** What the fast mode transforms a 3×3 weight for: a stride-1 tile, or 's2' (the phases). */
export type WinogradKind = WinogradTile | 's2';

/**
 * The kind for a convolution `conv` made for outputs `width` wide (both backends choose
 * so): on maps narrower than WINOGRAD6_MIN_WIDTH the 6-wide tiles, four to a vector, are
 * mostly padding (a 16-wide map computes 24 columns).
 */
export function winogradKindFor(conv: Conv3x3Kind, width: number): WinogradKind {
  return conv === 's2' ? 's2' : width >= WINOGRAD6_MIN_WIDTH ? 6 : 4;
}

/** Whether weights transformed for `kind` serve a convolution `conv`. */
export function winogradKindServes(kind: WinogradKind, conv: Conv3x3Kind): boolean {
  return (kind === 's2') === (conv === 's2');
}

/**
 * weight (C_out, C_in, 3, 3) → U for `kind`: (n², C_out, C_in), or (25, C_out, 4·C_in)
 * for 's2'. Both backends use these values.
 */
export function transformedWeights(weight: Float32Array, cout: number, cin: number, kind: WinogradKind): Float32Array {
  return kind === 's2' ? winogradFilterS2(weight, cout, cin) : winogradFilter(weight, cout, cin, kind);
}

/**
 * G·v for a filter's column or row v (3 values, or 2 with v2 unused) in float64: n values,
 * (G·v)[i] to out[o + i·s] (rounded to float32 where out is a Float32Array).
 */
type FilterTransform = (
  v0: number,
  v1: number,
  v2: number,
  out: Float64Array | Float32Array,
  o: number,
  s: number,
) => void;

// Rows of G: 1/2·[1 0], −1/2·[1 1], 1/6·[−1 1], 1/6·[1 2], [0 1].
const filterTransform42: FilterTransform = (v0, v1, _v2, out, o, s) => {
  out[o] = v0 / 2;
  out[o + s] = -(v0 + v1) / 2;
  out[o + 2 * s] = (v1 - v0) / 6;
  out[o + 3 * s] = (v0 + 2 * v1) / 6;
  out[o + 4 * s] = v1;
};

// Rows of G: 1/4·[1 0 0], −1/6·[1 1 1], −1/6·[1 −1 1], 1/24·[1 2 4], 1/24·[1 −2 4], [0 0 1].
const filterTransform4: FilterTransform = (v0, v1, v2, out, o, s) => {
  out[o] = v0 / 4;
  out[o + s] = -(v0 + v1 + v2) / 6;
  out[o + 2 * s] = -(v0 - v1 + v2) / 6;
  out[o + 3 * s] = (v0 + 2 * v1 + 4 * v2) / 24;
  out[o + 4 * s] = (v0 - 2 * v1 + 4 * v2) / 24;
  out[o + 5 * s] = v2;
};

// Rows of G: [1 0 0], −2/9·[1 1 1], −2/9·[1 −1 1], 1/90·[1 2 4], 1/90·[1 −2 4],
// 8/45·[4 2 1], 8/45·[4 −2 1], [0 0 1].
const filterTransform6: FilterTransform = (v0, v1, v2, out, o, s) => {
  out[o] = v0;
  out[o + s] = (-2 * (v0 + v1 + v2)) / 9;
  out[o + 2 * s] = (-2 * (v0 - v1 + v2)) / 9;
  out[o + 3 * s] = (v0 + 2 * v1 + 4 * v2) / 90;
  out[o + 4 * s] = (v0 - 2 * v1 + 4 * v2) / 90;
  out[o + 5 * s] = (8 * (4 * v0 + 2 * v1 + v2)) / 45;
  out[o + 6 * s] = (8 * (4 * v0 - 2 * v1 + v2)) / 45;
  out[o + 7 * s] = v2;
};

/** The filter side of F(m×m, r×r): the s1 tiles m = 4, 6 (r = 3) and the s2 phases (m = 4, r = 2). */
interface FilterPlan {
  readonly m: number;
  readonly r: number;
  readonly filter: FilterTransform;
}
const F4x3: FilterPlan = { m: 4, r: 3, filter: filterTransform4 };
const F6x3: FilterPlan = { m: 6, r: 3, filter: filterTransform6 };
const F4x2: FilterPlan = { m: 4, r: 2, filter: filterTransform42 };
const TILES = { 4: F4x3, 6: F6x3 } as const;

/** U (n², C_out, C_in) = G·g·Gᵀ of filters g (C_out, C_in, r, r), in float64, each value rounded once. */
function transformFilters(g: Float64Array | Float32Array, cout: number, cin: number, f: FilterPlan): Float32Array {
  const { r } = f;
  const n = f.m + r - 1;
  const u = new Float32Array(n * n * cout * cin);
  const t = new Float64Array(n * r); // G·g: (n, r)
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const w = (co * cin + ci) * r * r;
      // Columns of g (along y), then the rows of G·g (along x); a 2-tap filter has no v2.
      const third = (a: Float64Array | Float32Array, at: number): number => (r === 3 ? a[at]! : 0);
      for (let kx = 0; kx < r; kx++) f.filter(g[w + kx]!, g[w + r + kx]!, third(g, w + 2 * r + kx), t, kx, r);
      for (let i = 0; i < n; i++) {
        f.filter(t[i * r]!, t[i * r + 1]!, third(t, i * r + 2), u, (i * n * cout + co) * cin + ci, cout * cin);
      }
    }
  }
  return u;
}

/**
 * weight (C_out, C_in, 3, 3) → U (n², C_out, C_in): G·g·Gᵀ per filter in float64, each
 * value rounded once to float32.
 */
function winogradFilter(weight: Float32Array, cout: number, cin: number, tile: WinogradTile): Float32Array {
  return transformFilters(weight, cout, cin, TILES[tile]);
}

/**
 * weight (C_out, C_in, 3, 3) of a stride-2 convolution → U (25, C_out, 4·C_in): F(4×4, 2×2)
 * transforms of its 2×2 filters on the input's phases (phases.ts; phase channel 4ci + p).
 */
function winogradFilterS2(weight: Float32Array, cout: number, cin: number): Float32Array {
  const g = new Float64Array(cout * 4 * cin * 4); // (C_out, 4·C_in, 2, 2)
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cin; ci++) {
      for (let p = 0; p < 4; p++) {
        const [py, px] = [p >> 1, p & 1];
        for (let a = 0; a < 2; a++) {
          for (let b = 0; b < 2; b++) {
            const [ky, kx] = [2 * a + py, 2 * b + px];
            g[((co * 4 * cin + 4 * ci + p) * 2 + a) * 2 + b] = ky < 3 && kx < 3
              ? weight[((co * cin + ci) * 3 + ky) * 3 + kx]!
              : 0;
          }
        }
      }
    }
  }
  return transformFilters(g, cout, 4 * cin, F4x2);
}
