/**
 * `vqgan bench --image FILE`: an image file to the model's input size, as `vqgan encode`
 * prepares it: decoding (decodeImage) and the Lanczos resize with centre crop to 256×256
 * (resizeAndCrop), each by the pixel kernels and by their scalar twins (the same bytes).
 * The file is read once; only decoding and resizing are timed.
 */
import { decodeJpeg } from '../image/jpeg/decode_jpeg.js';
import { decodeImage } from '../image/decode.js';
import { resizeAndCrop } from '../image/resize.js';
import type { RgbImage } from '../image/rgb_image.js';
import { runtimeName } from '../platform/runtime.js';
import { benchPixelKernels, formatMs, timeAlternating } from './alternate.js';
import type { Timing } from './bench.js';

const TARGET = 256;

export interface ImageBenchResult {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly repeat: number;
  readonly runtime: string;
  /** decodeImage by the kernels (JPEG: IDCT, upsampling, colour; PNG decoding has none). */
  readonly decode: Timing;
  /** The JPEG decoder on the scalar twins (JPEG files only). */
  readonly decode_scalar: Timing | undefined;
  /** resizeAndCrop to 256×256 by the kernels, and by the scalar twins. */
  readonly resize: Timing;
  readonly resize_scalar: Timing;
}

export async function runImageBench(
  file: string,
  bytes: Uint8Array,
  repeat: number,
  maxPixels: number,
  log: (line: string) => void = () => undefined,
): Promise<ImageBenchResult> {
  const kernels = await benchPixelKernels();
  const img: RgbImage = decodeImage(bytes, file, maxPixels);
  const isJpeg = bytes[0] === 0xff;
  const ways = {
    decode: () => decodeImage(bytes, file, maxPixels),
    ...(isJpeg ? { decode_scalar: () => decodeJpeg(bytes, file, maxPixels, null) } : {}),
    resize: () => resizeAndCrop(img, TARGET, TARGET, kernels),
    resize_scalar: () => resizeAndCrop(img, TARGET, TARGET, null),
  };
  const times = timeAlternating<string>(ways, repeat, log);
  return {
    file,
    width: img.width,
    height: img.height,
    repeat,
    runtime: runtimeName(),
    decode: times.decode!,
    decode_scalar: times.decode_scalar,
    resize: times.resize!,
    resize_scalar: times.resize_scalar!,
  };
}

export function formatImageBench(r: ImageBenchResult): string {
  const total = r.decode.min_s + r.resize.min_s;
  return [
    `vqgan bench --image: ${r.file} (${r.width}×${r.height}) to ${TARGET}×${TARGET}, one thread, ${r.repeat} runs after a warm-up (${r.runtime})`,
    `  decode, kernels         ${formatMs(r.decode)}`,
    ...(r.decode_scalar === undefined ? [] : [`  decode, scalar twins    ${formatMs(r.decode_scalar)}`]),
    `  resize, kernels         ${formatMs(r.resize)}`,
    `  resize, scalar twins    ${formatMs(r.resize_scalar)}`,
    `  decode + resize, kernels: ${(1000 * total).toFixed(1)} ms (sum of the minima)`,
  ].join('\n');
}
