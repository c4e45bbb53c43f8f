/**
 * Pillow's `Image.resize(size, filter)` for 8-bit RGB with its LANCZOS, BICUBIC and BOX
 * filters, bit for bit, plus the centre crop of torchvision's `CenterCrop` (or Chameleon's
 * and ADM's, see CropPlacement), and ADM's halving (see Fit). Pillow's algorithm
 * (libImaging/Resample.c): separable, a horizontal pass, then a vertical pass on its 8-bit
 * result; a pass whose size does not change is skipped (an unchanged image is a copy). The
 * weights are in ./resample_weights.ts, the passes' arithmetic in
 * src/compute/reference/resample.ts.
 *
 * The passes run as WebAssembly kernels where the pixel kernels are available (see
 * src/compute/wasm/pixel_kernels.ts) and as their scalar twins elsewhere: the same bytes.
 * Each output pixel of a pass depends only on its own window, so a crop of the result
 * computes only the window's outputs: the horizontal pass its columns, on the rows the
 * vertical pass reads for the window's rows (as Pillow's box argument does).
 */
import { VqganError } from '../core/errors.js';
import { resampleColumns, resampleRowsRgb, type ResampleWeights } from '../compute/reference/resample.js';
import { pixelKernels, type PixelArena, type PixelKernels } from '../compute/wasm/pixel_kernels.js';
import { fromSpan, resampleWeights, type ResampleFilter } from './resample_weights.js';
import type { RgbImage } from './rgb_image.js';

/**
 * `kernels` in the functions below: the pixel kernels to resample with, or null for the
 * scalar twins (tests compare the two); by default the kernels where available.
 */
type KernelsChoice = PixelKernels | null;

export type { ResampleFilter };

/** Pillow's resize of img to width × height with `filter` (note: width first, as PIL's size). */
export function resizePillow(
  img: RgbImage,
  width: number,
  height: number,
  filter: ResampleFilter,
  kernels: KernelsChoice = pixelKernels() ?? null,
): RgbImage {
  checkSize(width, height, 'resize');
  return resizeWindow(img, width, height, wholeWindow(width, height), filter, kernels);
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
  const window = centreWindow(img.width, img.height, width, height);
  // The size does not change: no pass runs, whatever the filter.
  return resizeWindow(img, img.width, img.height, window, 'lanczos', null);
}

/**
 * Where a crop of a larger image starts on each side, from the margin m (outer − inner):
 * 'round' as torchvision's CenterCrop, int(round(m / 2.)) with halves to even; 'floor' as
 * Chameleon's and ADM's m // 2. They differ when m = 2k + 1 with k odd (k + 1 against k).
 */
export type CropPlacement = 'round' | 'floor';

/**
 * How resizeAndCrop brings an image to the target: the Pillow filter of its resize, the
 * crop's placement, and whether it first halves the image as ADM's center_crop_arr does
 * (guided_diffusion/image_datasets.py, copied by LlamaGen: while both sides are at least
 * twice the target's, Pillow BOX to (W // 2, H // 2); for a square target that is ADM's
 * `min(W, H) >= 2 * size`).
 */
export interface Fit {
  readonly filter: ResampleFilter;
  readonly placement: CropPlacement;
  readonly halving: boolean;
}

/** torchvision's Resize (Lanczos here, as taming's and DALL·E mini's) and CenterCrop (Python's round). */
export const TORCHVISION_FIT: Fit = { filter: 'lanczos', placement: 'round', halving: false };
/** ADM's center_crop_arr: BOX halvings, BICUBIC, the crop placed with a floor. */
export const ADM_FIT: Fit = { filter: 'bicubic', placement: 'floor', halving: true };

/**
 * Scale img so that it covers height × width (r = max(H/h, W/w), new size round(r·w) ×
 * round(r·h) with Python's round, never below the target), then crop the middle to it,
 * placed as `fit` says (after ADM's halvings when it says so). The resize is skipped when
 * the scaled size equals the image's (Pillow's resize to the same size is a copy).
 */
export function resizeAndCrop(
  img: RgbImage,
  height: number,
  width: number,
  kernels: KernelsChoice = pixelKernels() ?? null,
  fit: Fit = TORCHVISION_FIT,
): RgbImage {
  // (height first here, as the model's H × W; resizePillow and centreCrop take width first)
  checkSize(width, height, 'resize');
  let src = img;
  while (fit.halving && src.width >= 2 * width && src.height >= 2 * height) {
    const [w, h] = [Math.floor(src.width / 2), Math.floor(src.height / 2)];
    src = resizeWindow(src, w, h, wholeWindow(w, h), 'box', kernels);
  }
  const r = Math.max(height / src.height, width / src.width);
  const newWidth = Math.max(width, roundHalfEven(r * src.width));
  const newHeight = Math.max(height, roundHalfEven(r * src.height));
  const window = centreWindow(newWidth, newHeight, width, height, fit.placement);
  return resizeWindow(src, newWidth, newHeight, window, fit.filter, kernels);
}

/** A window of a resized image: its left and top in the resized image, and its size. */
interface Window {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

function wholeWindow(width: number, height: number): Window {
  return { left: 0, top: 0, width, height };
}

function centreWindow(
  outerWidth: number,
  outerHeight: number,
  width: number,
  height: number,
  placement: CropPlacement = 'round',
): Window {
  const half = (margin: number) => placement === 'round' ? roundHalfEven(margin / 2) : Math.floor(margin / 2);
  return { left: half(outerWidth - width), top: half(outerHeight - height), width, height };
}

/**
 * What the passes compute for a window of img resized to width × height: the horizontal
 * pass (when the width changes) reads columns [c0, c1) of rows [r0, r1) and writes the
 * window's columns; the vertical pass (when the height changes) reads those rows and writes
 * the window's rows. Weights count their first input from c0 and r0.
 */
interface Plan {
  readonly img: RgbImage;
  readonly window: Window;
  readonly c0: number;
  readonly c1: number;
  readonly r0: number;
  readonly r1: number;
  readonly horizontal: ResampleWeights | undefined;
  readonly vertical: ResampleWeights | undefined;
}

function resizeWindow(
  img: RgbImage,
  width: number,
  height: number,
  window: Window,
  filter: ResampleFilter,
  kernels: KernelsChoice,
): RgbImage {
  const { left, top } = window;
  const weights = (inSize: number, outSize: number, lo: number, hi: number) =>
    inSize === outSize ? undefined : fromSpan(resampleWeights(filter, inSize, outSize, lo, hi));
  const x = weights(img.width, width, left, left + window.width);
  const y = weights(img.height, height, top, top + window.height);
  const plan: Plan = {
    img,
    window,
    c0: x?.start ?? left,
    c1: x?.end ?? left + window.width,
    r0: y?.start ?? top,
    r1: y?.end ?? top + window.height,
    horizontal: x?.weights,
    vertical: y?.weights,
  };
  const data = kernels !== null && (x !== undefined || y !== undefined)
    ? kernels.withArena((arena) => passesWithKernels(plan, kernels, arena))
    : passesScalar(plan);
  return { width: window.width, height: window.height, data };
}

/** The passes by the scalar twins. */
function passesScalar({ img, window, c0, r0, r1, horizontal, vertical }: Plan): Uint8Array {
  const rowBytes = window.width * 3;
  const stride = img.width * 3;
  // The horizontal pass's rows r0 .. r1 − 1 (the window's columns), or img's own.
  let [mid, midAt, midStride] = [img.data, r0 * stride + c0 * 3, stride];
  if (horizontal !== undefined) {
    [mid, midAt, midStride] = [new Uint8Array((r1 - r0) * rowBytes), 0, rowBytes];
    resampleRowsRgb(img.data, r0 * stride + c0 * 3, stride, r1 - r0, mid, 0, rowBytes, horizontal);
  }
  const out = new Uint8Array(window.height * rowBytes);
  if (vertical !== undefined) resampleColumns(mid, midAt, midStride, rowBytes, out, 0, rowBytes, vertical);
  else copyRows(mid, midAt, midStride, out, 0, rowBytes, window.height, rowBytes);
  return out;
}

/** Bytes of input rows copied into WebAssembly memory per call of the horizontal kernel. */
const STRIP_BYTES = 256 * 1024;
/** u8_resample_rows_rgb reads up to 8 bytes past its input's last row. */
const ROWS_OVERREAD = 8;

/**
 * The passes by the kernels: the input goes into WebAssembly memory in strips of rows, so
 * that the memory holds a strip, the horizontal pass's output and the result at a time.
 */
function passesWithKernels(plan: Plan, kernels: PixelKernels, arena: PixelArena): Uint8Array {
  const { img, window, c0, c1, r0, r1, horizontal, vertical } = plan;
  const k = kernels.exports;
  const rowBytes = window.width * 3;
  const stride = img.width * 3;
  const rows = r1 - r0;
  const mid = arena.alloc(rows * rowBytes);
  if (horizontal !== undefined) {
    const { taps } = horizontal;
    const { first, count, weights } = weightsIn(arena, horizontal);
    const packed = arena.alloc(k.u8_pack_rows_rgb_weights_bytes(window.width, taps));
    k.u8_pack_rows_rgb_weights(window.width, count, weights, taps, packed);
    const span = (c1 - c0) * 3;
    const stripRows = Math.max(1, Math.min(rows, Math.floor(STRIP_BYTES / span)));
    const strip = arena.alloc(stripRows * span + ROWS_OVERREAD);
    for (let y = 0; y < rows; y += stripRows) {
      const n = Math.min(stripRows, rows - y);
      copyRows(img.data, (r0 + y) * stride + c0 * 3, stride, arena.bytes(strip, n * span), 0, span, n, span);
      k.u8_resample_rows_rgb(strip, span, n, mid + y * rowBytes, rowBytes, window.width, first, count, packed, taps);
    }
  } else {
    copyRows(img.data, r0 * stride + c0 * 3, stride, arena.bytes(mid, rows * rowBytes), 0, rowBytes, rows, rowBytes);
  }
  if (vertical === undefined) return arena.bytes(mid, rows * rowBytes).slice();
  const out = arena.alloc(window.height * rowBytes);
  const { first, count, weights } = weightsIn(arena, vertical);
  k.u8_resample_columns(mid, rowBytes, rowBytes, out, rowBytes, window.height, first, count, weights, vertical.taps);
  return arena.bytes(out, window.height * rowBytes).slice();
}

/** The arrays of `w` copied into the arena: their addresses. */
function weightsIn(arena: PixelArena, w: ResampleWeights): { first: number; count: number; weights: number; } {
  const copy = (values: Int32Array): number => {
    const ptr = arena.alloc(values.length * 4);
    arena.int32(ptr, values.length).set(values);
    return ptr;
  };
  return { first: copy(w.first), count: copy(w.count), weights: copy(w.weights) };
}

/** Copies `rows` rows of `bytes` bytes from src (at srcAt, srcStride apart) to dst (at dstAt, dstStride apart). */
function copyRows(
  src: Uint8Array,
  srcAt: number,
  srcStride: number,
  dst: Uint8Array,
  dstAt: number,
  dstStride: number,
  rows: number,
  bytes: number,
): void {
  for (let y = 0; y < rows; y++) {
    dst.set(src.subarray(srcAt + y * srcStride, srcAt + y * srcStride + bytes), dstAt + y * dstStride);
  }
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
