/**
 * The pixel conventions in use for VQGAN models (see the spec's "Pixels" section):
 * - 'taming' (how the model was trained, and the golden fixtures): x = u8 / 127.5 − 1 in
 *   [−1, 1]; out of the model: clip to [−1, 1], then (x + 1) · 127.5 rounded.
 * - 'dalle-mini' (how DALL·E mini's tokens were made): x = u8 / 255 in [0, 1]; out of
 *   the model: clip to [0, 1], then x · 255 truncated.
 * - 'chameleon' (Chameleon's chameleon/inference/image_tokenizer.py, for its tokenizer and
 *   Anole's, Lumina-mGPT's): transparency blended on white (onWhite), 512 on the shortest
 *   side, the crop placed with a floor; x = u8 / 255 · 2 − 1 in float64, then float32; out:
 *   clip to [−1, 1], (x + 1) / 2, · 255 in float32 (torch and numpy on float32 tensors),
 *   truncated. That round trip gives back u8 − 1 for 1 ≤ u8 ≤ 95, as Chameleon's does.
 * - 'llamagen' (LlamaGen's tokenizer scripts, for its VQ-16 and VQ-8): ADM's center_crop_arr
 *   (dataset/augmentation.py: Pillow BOX halvings while the shortest side is at least twice
 *   the size, then Pillow BICUBIC to the size on the shortest side, the crop placed with a
 *   floor); in: torchvision's ToTensor then Normalize(0.5, 0.5), float32 (bit for bit the
 *   same values as 'taming''s); out: torch.clamp(127.5 · x + 128.0, 0, 255) in float32,
 *   truncated by .to(torch.uint8). Default size 256 (its class-to-image models').
 * - 'janus' (Janus / Janus-Pro's image generation tokenizer, LlamaGen's VQ-16): out, as
 *   Janus's generation_inference.py: np.clip((x + 1) / 2 · 255, 0, 255) in float32,
 *   truncated into a uint8 array, which gives the same bytes as 'chameleon''s; in: Janus
 *   publishes no code that encodes with this tokenizer, so LlamaGen's (the tokenizer's own
 *   training and code-extraction pipeline). Default size 384 (Janus's generation size).
 * The float32 arithmetic is numpy's or torch's on float32 arrays: Math.fround after every
 * operation (rounding the exact double result of one operation on float32 inputs to
 * float32 equals the float32 operation).
 */
import { VqganError, formatShape } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { ADM_FIT, resizeAndCrop, TORCHVISION_FIT, type Fit } from './resize.js';
import { dropAlpha, type RgbImage } from './rgb_image.js';

export type PresetName = 'taming' | 'dalle-mini' | 'chameleon' | 'llamagen' | 'janus';

interface Preset {
  /** A byte → its model value. */
  readonly fromByte: (u: number) => number;
  /** A model value → its byte; NaN (a diverged model) gives 0, ±Infinity is clipped. */
  readonly toByte: (x: number) => number;
  /** The image size (square) when the caller gives none. */
  readonly size: number;
  /** The resize and crop to the model's size. */
  readonly fit: Fit;
  /** RGBA → RGB: blended on white (onWhite), or the alpha dropped (dropAlpha). */
  readonly whitens: boolean;
}

const f32 = Math.fround;

/**
 * torchvision's ToTensor then Normalize(mean 0.5, std 0.5) on float32 tensors:
 * (float32(u / 255) − 0.5) / 0.5.
 */
const normalizeHalf = (u: number) => f32(f32(f32(u / 255) - 0.5) / 0.5);

/**
 * Chameleon's and Janus's way back, float32 throughout: (x + 1) / 2 (exact), · 255,
 * truncated (astype(uint8), or assignment into a uint8 array). Janus clips after the
 * arithmetic and Chameleon before; the arithmetic is monotone, so the bytes are the same.
 */
const halfTruncated = (x: number) => Number.isNaN(x) ? 0 : Math.trunc(f32(f32(f32(clip(x, -1) + 1) / 2) * 255));

const PRESETS: Readonly<Record<PresetName, Preset>> = {
  taming: {
    // float32(float32(u / 127.5) − 1), exactly what the golden fixtures hold
    fromByte: (u) => f32(f32(u / 127.5) - 1),
    // float32(float32(clip(x, −1, 1) + 1) · 127.5) in [0, 255], then halves round up
    toByte: (x) => Number.isNaN(x) ? 0 : Math.floor(f32(f32(clip(x, -1) + 1) * 127.5) + 0.5),
    size: 256,
    fit: TORCHVISION_FIT,
    whitens: false,
  },
  'dalle-mini': {
    fromByte: (u) => f32(u / 255),
    // float32(clip(x, 0, 1) · 255) in [0, 255], truncated
    toByte: (x) => Number.isNaN(x) ? 0 : Math.trunc(f32(clip(x, 0) * 255)),
    size: 256,
    fit: TORCHVISION_FIT,
    whitens: false,
  },
  chameleon: {
    // (u / 255.0 · 2 − 1) in float64 (numpy on a uint8 array), then .float()
    fromByte: (u) => f32((u / 255) * 2 - 1),
    toByte: halfTruncated,
    size: 512,
    fit: { filter: 'lanczos', placement: 'floor', halving: false },
    whitens: true,
  },
  llamagen: {
    fromByte: normalizeHalf,
    // float32(float32(127.5 · x) + 128) clamped to [0, 255], truncated
    toByte: (x) => Number.isNaN(x) ? 0 : Math.trunc(Math.min(255, Math.max(0, f32(f32(127.5 * x) + 128)))),
    size: 256,
    fit: ADM_FIT,
    whitens: false,
  },
  janus: {
    fromByte: normalizeHalf,
    toByte: halfTruncated,
    size: 384,
    fit: ADM_FIT,
    whitens: false,
  },
};

/** x clipped to [low, 1]. */
function clip(x: number, low: number): number {
  return Math.min(1, Math.max(low, x));
}

export function parsePreset(name: string): PresetName {
  const names = Object.keys(PRESETS) as PresetName[];
  const preset = names.find((p) => p === name);
  if (preset === undefined) {
    const quoted = names.map((p) => `'${p}'`);
    const allowed = `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
    throw new VqganError('BAD_ARGUMENT', `unknown preset '${name}': use ${allowed}`);
  }
  return preset;
}

/** The image size the preset's model expects when the caller gives none: 256, 'chameleon' 512, 'janus' 384. */
export function presetSize(preset: PresetName): number {
  return PRESETS[preset].size;
}

/** Whether the preset reads alpha (decodeImage's keepAlpha): only 'chameleon' does. */
export function presetUsesAlpha(preset: PresetName): boolean {
  return PRESETS[preset].whitens;
}

/** RGBA (4 bytes per pixel) → RGB as the preset takes it: blended on white, or the alpha dropped. */
export function rgbaToRgb(width: number, height: number, rgba: ArrayLike<number>, preset: PresetName): RgbImage {
  return PRESETS[preset].whitens ? onWhite(width, height, rgba) : dropAlpha(width, height, rgba);
}

/**
 * Chameleon's _whiten_transparency: each channel (1 − a) · 255 + a · v with a = alpha / 255,
 * in float64, truncated to a byte. Chameleon blends only images with some alpha below 255
 * and converts the others to RGB; with a = 1 the blend gives v exactly, so blending all is
 * the same.
 */
export function onWhite(width: number, height: number, rgba: ArrayLike<number>): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const a = rgba[p * 4 + 3]! / 255;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.trunc((1 - a) * 255 + a * rgba[p * 4 + c]!);
  }
  return { width, height, data: out };
}

/** RGB bytes → [1, 3, H, W] model input. */
export function imageToTensor(img: RgbImage, preset: PresetName = 'taming'): Tensor {
  const { width, height, data } = img;
  const plane = width * height;
  const { fromByte } = PRESETS[preset];
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      out[c * plane + p] = fromByte(data[p * 3 + c]!);
    }
  }
  return new Tensor([1, 3, height, width], out);
}

/**
 * [1, 3, H, W] or [3, H, W] model output → RGB bytes. NaN (a diverged model) becomes
 * byte 0 in every preset; ±Infinity is clipped like any other value.
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
  const { toByte } = PRESETS[preset];
  const data = new Uint8Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      data[p * 3 + c] = toByte(t.data[c * plane + p]!);
    }
  }
  return { width, height, data };
}

/**
 * Resize to cover height × width, crop the middle (resized and placed as the preset's code
 * does), convert: the image side of encoding. At a square size this is Chameleon's own
 * resize for 'chameleon' (shortest side to the size, then the floor-placed crop), and
 * ADM's center_crop_arr for 'llamagen' and 'janus'.
 */
export function preprocessImage(img: RgbImage, preset: PresetName, height: number, width: number): Tensor {
  return imageToTensor(resizeAndCrop(img, height, width, undefined, PRESETS[preset].fit), preset);
}
