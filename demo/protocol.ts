/**
 * The messages between the demo page (demo/main.ts) and its engine worker
 * (demo/engine_worker.ts). Types only: both sides import them, nothing runs here.
 */
import type { PresetName } from '../src/image/presets.js';
import type { RgbImage } from '../src/image/rgb_image.js';

/** RGBA pixels as a canvas's getImageData gives them. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/** Page → worker. */
export type Request =
  /** Weights from a picked file or a URL; replaces any model loaded before. */
  | { readonly type: 'load'; readonly weights: File | string; readonly threads: number }
  /** Encode the image, then decode its tokens (the reconstruction). `id` is echoed in the answers. */
  | { readonly type: 'run'; readonly id: number; readonly image: RgbaImage; readonly preset: PresetName; readonly size: number };

export interface ModelInfo {
  readonly threads: number;
  readonly backend: string;
  /** Milliseconds from the start of reading the weights to a usable model. */
  readonly loadMs: number;
  readonly codes: number;
  readonly channels: number;
  /** Pixels per token along each side. */
  readonly factor: number;
}

export interface RunResult {
  readonly id: number;
  readonly height: number;
  readonly width: number;
  readonly tokens: Int32Array;
  /** The tokens as `vqgan encode --out x.json` writes them. */
  readonly tokensJson: string;
  /** What went into the encoder (after resize, crop and the preset), as pixels. */
  readonly input: RgbImage;
  readonly reconstruction: RgbImage;
  readonly encodeMs: number;
  readonly decodeMs: number;
}

/** Worker → page. */
export type Reply =
  /** Bytes of weights in so far; `total` undefined while unknown. */
  | { readonly type: 'load-progress'; readonly loaded: number; readonly total: number | undefined }
  /** All bytes are in: the model is being built. */
  | { readonly type: 'building' }
  | { readonly type: 'loaded'; readonly info: ModelInfo }
  | { readonly type: 'run-progress'; readonly id: number; readonly stage: 'encode' | 'decode'; readonly fraction: number }
  | { readonly type: 'result'; readonly result: RunResult }
  /** `id` names the run that failed; absent for a failed load. */
  | { readonly type: 'error'; readonly id?: number; readonly message: string };
