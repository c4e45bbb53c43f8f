/**
 * `vqgan bench --resize`: the Lanczos resize of a 4000×3000 photo to the model's input,
 * resizeAndCrop to 256×256 (341×256, then the centre crop), three ways: by the pixel
 * kernels; by their scalar twins; and as before the kernels, the scalar twins over the
 * whole image, then the crop (the code path the project had). Also the Lanczos weights of
 * the whole resize's two passes, which all three compute in JavaScript.
 */
import { centreCrop, resizeAndCrop, resizePillow } from '../image/resize.js';
import { resampleWeights } from '../image/resample_weights.js';
import type { RgbImage } from '../image/rgb_image.js';
import { runtimeName } from '../platform/runtime.js';
import type { Timing } from './bench.js';
import { benchPixelKernels, formatMs, timeAlternating } from './alternate.js';

const [WIDTH, HEIGHT, TARGET] = [4000, 3000, 256];
/** resizeAndCrop's size before its crop: 256 on the shorter side. */
const RESIZED = [Math.round((TARGET * WIDTH) / HEIGHT), TARGET] as const;

export interface ResizeBenchResult {
  readonly case: string;
  readonly repeat: number;
  readonly runtime: string;
  /** resizeAndCrop by the kernels. */
  readonly kernels: Timing;
  /** resizeAndCrop by the scalar twins. */
  readonly scalar: Timing;
  /** The whole resize by the scalar twins, then the crop: the code path before the kernels. */
  readonly before: Timing;
  /** The Lanczos weights of both passes of the whole resize (the crop's are fewer). */
  readonly weights: Timing;
}

/** Seeded pixels (xorshift32): the same image every run. */
function syntheticPhoto(): RgbImage {
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = s & 255;
  }
  return { width: WIDTH, height: HEIGHT, data };
}

/** Times each way `repeat` times (see timeAlternating). */
export async function runResizeBench(
  repeat: number,
  log: (line: string) => void = () => undefined,
): Promise<ResizeBenchResult> {
  const kernels = await benchPixelKernels();
  const img = syntheticPhoto();
  const ways = {
    kernels: () => resizeAndCrop(img, TARGET, TARGET, kernels),
    scalar: () => resizeAndCrop(img, TARGET, TARGET, null),
    before: () => centreCrop(resizePillow(img, RESIZED[0], RESIZED[1], 'lanczos', null), TARGET, TARGET),
    weights: () => [resampleWeights('lanczos', WIDTH, RESIZED[0]), resampleWeights('lanczos', HEIGHT, RESIZED[1])],
  };
  const times = timeAlternating(ways, repeat, log);
  return {
    case: `resize ${WIDTH}×${HEIGHT} → ${RESIZED[0]}×${RESIZED[1]} (resizeAndCrop to ${TARGET})`,
    repeat,
    runtime: runtimeName(),
    ...times,
  };
}

export function formatResizeBench(r: ResizeBenchResult): string {
  const ms = formatMs;
  return [
    `vqgan bench --resize: ${r.case}, one thread, ${r.repeat} runs after a warm-up (${r.runtime})`,
    `  kernels (WebAssembly SIMD)          ${ms(r.kernels)}   ${
      (r.before.min_s / r.kernels.min_s).toFixed(1)
    }× faster than before`,
    `  scalar twins                        ${ms(r.scalar)}`,
    `  before: scalar, whole image, crop   ${ms(r.before)}`,
    `  Lanczos weights, both passes        ${ms(r.weights)}   (part of each above)`,
  ].join('\n');
}
