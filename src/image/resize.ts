/**
 * Pillow's `Image.resize(size, Image.LANCZOS)` for 8-bit RGB, bit for bit, plus the
 * centre crop of torchvision's `CenterCrop`. Pillow's algorithm (libImaging/Resample.c):
 *
 * - separable: a horizontal pass, then a vertical pass on its 8-bit result; a pass whose
 *   size does not change is skipped (an unchanged image is a copy);
 * - per output pixel, weights of lanczos3(t) = sinc(t)·sinc(t/3) on −3 ≤ t < 3, stretched
 *   by the scale when shrinking, computed in double and normalised to sum 1;
 * - weights then become fixed point with 22 fraction bits (32 − 8 − 2: 8 bits of pixel,
 *   2 spare for the negative lobes' overshoot), rounded half away from zero;
 * - each output is Σ pixel·weight + 2^21 in int32, shifted right by 22, clipped to 0..255.
 */
import { VqganError } from '../core/errors.js';
import type { RgbImage } from './rgb_image.js';

const PRECISION_BITS = 32 - 8 - 2;
/** 1.0 in fixed point. */
const ONE = 1 << PRECISION_BITS;
const LANCZOS_SUPPORT = 3;

/** Pillow LANCZOS resize of img to width × height (note: width first, as PIL's size). */
export function resizeLanczos(img: RgbImage, width: number, height: number): RgbImage {
  checkSize(width, height, 'resize');
  let out = img;
  if (width !== img.width) out = resampleRows(out, width);
  if (height !== img.height) out = resampleColumns(out, height);
  return out === img ? { ...img, data: img.data.slice() } : out;
}

/**
 * The width × height window in the middle of img, placed as torchvision's
 * `center_crop` does: top = int(round((h − height) / 2.)), left likewise, where Python's
 * round sends halves to even (an odd margin of 2k+1 gives k or k+1, whichever is even).
 */
export function centreCrop(img: RgbImage, width: number, height: number): RgbImage {
  checkSize(width, height, 'crop');
  if (width > img.width || height > img.height) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `cannot crop ${width}×${height} out of a ${img.width}×${img.height} image`,
    );
  }
  const left = roundHalfEven((img.width - width) / 2);
  const top = roundHalfEven((img.height - height) / 2);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3;
    data.set(img.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}

/**
 * Scale img so that it covers height × width (r = max(H/h, W/w), new size round(r·w) ×
 * round(r·h) with Python's round, never below the target), then centre-crop to it. The
 * resize is skipped when the scaled size equals the image's.
 */
export function resizeAndCrop(img: RgbImage, height: number, width: number): RgbImage {
  // (height first here, as the model's H × W; resizeLanczos and centreCrop take width first)
  checkSize(width, height, 'resize');
  const r = Math.max(height / img.height, width / img.width);
  const newWidth = Math.max(width, roundHalfEven(r * img.width));
  const newHeight = Math.max(height, roundHalfEven(r * img.height));
  const scaled = newWidth === img.width && newHeight === img.height ? img : resizeLanczos(img, newWidth, newHeight);
  return centreCrop(scaled, width, height);
}

/** Python's round(x) for the non-negative sizes used here. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const frac = x - floor;
  if (frac !== 0.5) return frac < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function checkSize(width: number, height: number, what: string): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `cannot ${what} to ${width}×${height}: sizes must be positive integers`,
    );
  }
}

function lanczos(t: number): number {
  return -LANCZOS_SUPPORT <= t && t < LANCZOS_SUPPORT ? sinc(t) * sinc(t / LANCZOS_SUPPORT) : 0;
}

function sinc(t: number): number {
  if (t === 0) return 1;
  const x = t * Math.PI;
  return Math.sin(x) / x;
}

/** Output i reads inputs first[i] .. first[i] + count[i] − 1 with weights[i·taps + j]. */
interface Kernel {
  first: Int32Array;
  count: Int32Array;
  taps: number;
  /** Fixed-point weights, PRECISION_BITS fraction bits. */
  weights: Int32Array;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for inSize → outSize samples. */
function lanczosKernel(inSize: number, outSize: number): Kernel {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = LANCZOS_SUPPORT * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const inverse = 1 / filterScale; // Pillow multiplies by the reciprocal, not divides
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    // C's (int) cast truncates towards zero; the clamps make that the same as floor.
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    let sum = 0;
    for (let j = 0; j < hi - lo; j++) {
      w[j] = lanczos((j + lo - centre + 0.5) * inverse);
      sum += w[j]!;
    }
    for (let j = 0; j < hi - lo; j++) {
      const scaled = (sum !== 0 ? w[j]! / sum : w[j]!) * ONE;
      // C's (int)(scaled ± 0.5): round half away from zero.
      weights[i * taps + j] = Math.trunc(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
    }
    first[i] = lo;
    count[i] = hi - lo;
  }
  return { first, count, taps, weights };
}

/** Fixed-point sum → 8 bits: arithmetic shift (floor), then clip; sums fit in int32. */
function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Horizontal pass: every row from img.width to width pixels. */
function resampleRows(img: RgbImage, width: number): RgbImage {
  const { first, count, taps, weights } = lanczosKernel(img.width, width);
  const src = img.data;
  const data = new Uint8Array(width * img.height * 3);
  const half = ONE / 2;
  for (let y = 0; y < img.height; y++) {
    const row = y * img.width * 3;
    for (let x = 0; x < width; x++) {
      let r = half;
      let g = half;
      let b = half;
      const k = x * taps;
      for (let j = 0; j < count[x]!; j++) {
        const s = row + (first[x]! + j) * 3;
        const wj = weights[k + j]!;
        r += src[s]! * wj;
        g += src[s + 1]! * wj;
        b += src[s + 2]! * wj;
      }
      const o = (y * width + x) * 3;
      data[o] = clip8(r);
      data[o + 1] = clip8(g);
      data[o + 2] = clip8(b);
    }
  }
  return { width, height: img.height, data };
}

/** Vertical pass: every column from img.height to height pixels. */
function resampleColumns(img: RgbImage, height: number): RgbImage {
  const { first, count, taps, weights } = lanczosKernel(img.height, height);
  const src = img.data;
  const stride = img.width * 3;
  const data = new Uint8Array(stride * height);
  const half = ONE / 2;
  for (let y = 0; y < height; y++) {
    const k = y * taps;
    const top = first[y]! * stride;
    for (let x = 0; x < stride; x++) {
      let sum = half;
      for (let j = 0; j < count[y]!; j++) {
        sum += src[top + j * stride + x]! * weights[k + j]!;
      }
      data[y * stride + x] = clip8(sum);
    }
  }
  return { width: img.width, height, data };
}
