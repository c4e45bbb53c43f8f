/**
 * Pillow's resampling coefficients (libImaging/Resample.c: precompute_coeffs, then
 * normalize_coeffs_8bpc) for its BOX, BICUBIC and LANCZOS filters: per output pixel,
 * weights of the filter on its support, stretched by the scale when shrinking (the
 * support too), computed in double and normalised to sum 1, then fixed point with 22
 * fraction bits, rounded half away from zero.
 */
import { RESAMPLE_PRECISION_BITS, type ResampleWeights } from '../compute/reference/resample.js';

/** Pillow's Image.BOX, Image.BICUBIC and Image.LANCZOS. */
export type ResampleFilter = 'box' | 'bicubic' | 'lanczos';

/** 1.0 in fixed point. */
const ONE = 1 << RESAMPLE_PRECISION_BITS;

interface Filter {
  /** The filter at t (in input pixels at scale 1); 0 outside the support. */
  readonly at: (t: number) => number;
  /** Half the filter's width at scale 1. */
  readonly support: number;
}

/** Pillow's filters, each written as Resample.c writes it (the same double operations). */
const FILTERS: Readonly<Record<ResampleFilter, Filter>> = {
  // 1 on (−0.5, 0.5]: each output averages the inputs its pixel covers.
  box: { at: (t) => t > -0.5 && t <= 0.5 ? 1 : 0, support: 0.5 },
  bicubic: { at: bicubic, support: 2 },
  lanczos: { at: (t) => -3 <= t && t < 3 ? sinc(t) * sinc(t / 3) : 0, support: 3 },
};

/** Keys' cubic convolution with a = −0.5 (Pillow's bicubic_filter). */
function bicubic(t: number): number {
  const a = -0.5;
  const x = t < 0 ? -t : t;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

function sinc(t: number): number {
  if (t === 0) return 1;
  const x = t * Math.PI;
  return Math.sin(x) / x;
}

/**
 * The `filter` weights of outputs lo .. hi − 1 of an inSize → outSize resampling (output
 * i's are the same whatever the range).
 */
export function resampleWeights(
  filter: ResampleFilter,
  inSize: number,
  outSize: number,
  lo = 0,
  hi = outSize,
): ResampleWeights {
  const { at, support: unitSupport } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = unitSupport * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const inverse = 1 / filterScale; // Pillow multiplies by the reciprocal, not divides
  const n = hi - lo;
  const first = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Int32Array(n * taps);
  const w = new Float64Array(taps);
  for (let k = 0; k < n; k++) {
    const centre = (lo + k + 0.5) * scale;
    // C's (int) cast truncates towards zero; the clamps make that the same as floor.
    const xmin = Math.max(0, Math.trunc(centre - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(centre + support + 0.5));
    let sum = 0;
    for (let j = 0; j < xmax - xmin; j++) {
      w[j] = at((j + xmin - centre + 0.5) * inverse);
      sum += w[j]!;
    }
    for (let j = 0; j < xmax - xmin; j++) {
      const scaled = (sum !== 0 ? w[j]! / sum : w[j]!) * ONE;
      // C's (int)(scaled ± 0.5): round half away from zero.
      weights[k * taps + j] = Math.trunc(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
    }
    first[k] = xmin;
    count[k] = xmax - xmin;
  }
  return { first, count, taps, weights };
}

/**
 * The inputs [start, end) that the outputs' windows read (first and first + count never
 * decrease from one output to the next), and the weights with first counted from start.
 */
export function fromSpan(w: ResampleWeights): { start: number; end: number; weights: ResampleWeights; } {
  const n = w.first.length;
  const start = w.first[0]!, end = w.first[n - 1]! + w.count[n - 1]!;
  return { start, end, weights: { ...w, first: w.first.map((f) => f - start) } };
}
