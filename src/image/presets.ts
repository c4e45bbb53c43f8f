/**
 * The two pixel conventions in use for this model (see the spec's "Pixels" section):
 * - 'taming' (how the model was trained, and the golden fixtures): x = u8 / 127.5 − 1 in
 *   [−1, 1]; out of the model: clip to [−1, 1], then (x + 1) · 127.5 rounded.
 * - 'dalle-mini' (how DALL·E mini's tokens were made): x = u8 / 255 in [0, 1]; out of
 *   the model: clip to [0, 1], then x · 255 truncated.
 * All arithmetic is float32, as numpy does it on float32 arrays: Math.fround after every
 * operation (rounding the exact double result of one operation on float32 inputs to
 * float32 equals the float32 operation).
 */
import { VqganError, formatShape } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { resizeAndCrop } from './resize.js';
import type { RgbImage } from './rgb_image.js';

export type PresetName = 'taming' | 'dalle-mini';

const PRESETS: readonly PresetName[] = ['taming', 'dalle-mini'];

export function parsePreset(name: string): PresetName {
  const preset = PRESETS.find((p) => p === name);
  if (preset === undefined) {
    const allowed = PRESETS.map((p) => `'${p}'`).join(' or ');
    throw new VqganError('BAD_ARGUMENT', `unknown preset '${name}': use ${allowed}`);
  }
  return preset;
}

/** RGB bytes → [1, 3, H, W] model input. */
export function imageToTensor(img: RgbImage, preset: PresetName = 'taming'): Tensor {
  const { width, height, data } = img;
  const plane = width * height;
  const toModel = preset === 'taming' ? fromByteTaming : fromByteDalle;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      out[c * plane + p] = toModel(data[p * 3 + c]!);
    }
  }
  return new Tensor([1, 3, height, width], out);
}

/**
 * [1, 3, H, W] or [3, H, W] model output → RGB bytes. NaN (a diverged model) becomes
 * byte 0 in both presets; ±Infinity is clipped like any other value.
 */
export function tensorToImage(t: Tensor, preset: PresetName = 'taming'): RgbImage {
  const shape = t.shape;
  const batched = shape.length === 4 && shape[0] === 1;
  if (!(batched || shape.length === 3) || shape[shape.length - 3] !== 3) {
    throw new VqganError(
      'BAD_SHAPE',
      `image tensor must be [1, 3, H, W] or [3, H, W], got ${formatShape(shape)}`,
    );
  }
  const [height, width] = shape.slice(-2) as [number, number];
  const plane = width * height;
  const toByte = preset === 'taming' ? toByteTaming : toByteDalle;
  const data = new Uint8Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      data[p * 3 + c] = toByte(t.data[c * plane + p]!);
    }
  }
  return { width, height, data };
}

/** Resize to cover height × width, centre-crop, convert: the image side of encoding. */
export function preprocessImage(img: RgbImage, preset: PresetName, height: number, width: number): Tensor {
  return imageToTensor(resizeAndCrop(img, height, width), preset);
}

const f32 = Math.fround;

/** float32(float32(u / 127.5) − 1), exactly what the golden fixtures hold. */
function fromByteTaming(u: number): number {
  return f32(f32(u / 127.5) - 1);
}

function fromByteDalle(u: number): number {
  return f32(u / 255);
}

/** v = float32(float32(clip(x, −1, 1) + 1) · 127.5) in [0, 255], then halves round up. */
function toByteTaming(x: number): number {
  if (Number.isNaN(x)) return 0;
  const clipped = Math.min(1, Math.max(-1, x));
  return Math.floor(f32(f32(clipped + 1) * 127.5) + 0.5);
}

/** float32(clip(x, 0, 1) · 255) in [0, 255], truncated. */
function toByteDalle(x: number): number {
  if (Number.isNaN(x)) return 0;
  const clipped = Math.min(1, Math.max(0, x));
  return Math.trunc(f32(clipped * 255));
}
