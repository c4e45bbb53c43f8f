/**
 * `vqgan bench --resize`: the Lanczos resize of a 4000×3000 photo to the model's input,
 * resizeAndCrop to 256×256 (341×256, then the centre crop), three ways: by the pixel
 * kernels; by their scalar twins; and as before the kernels, the scalar twins over the
 * whole image, then the crop (the code path the project had). Also the Lanczos weights of
 * the whole resize's two passes, which all three compute in JavaScript.
 */
import { centreCrop, resizeAndCrop, resizeLanczos } from '../image/resize.js';
import { lanczosWeights } from '../image/lanczos_weights.js';
import type { RgbImage } from '../image/rgb_image.js';
import { preparePixelKernels } from '../compute/wasm/pixel_kernels.js';
import { VqganError } from '../core/errors.js';
import { runtimeName } from '../platform/runtime.js';
import { timing, type Timing } from './bench.js';

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

/**
 * Times each way `repeat` times after a warm-up, the runs alternating between them so that
 * a slow spell of a shared machine falls on all alike.
 */
export async function runResizeBench(
  repeat: number,
  log: (line: string) => void = () => undefined,
): Promise<ResizeBenchResult> {
  const kernels = await preparePixelKernels();
  if (kernels === undefined) {
    throw new VqganError('UNSUPPORTED', 'no pixel kernels here: this runtime has no WebAssembly SIMD');
  }
  const img = syntheticPhoto();
  const ways = {
    kernels: () => resizeAndCrop(img, TARGET, TARGET, kernels),
    scalar: () => resizeAndCrop(img, TARGET, TARGET, null),
    before: () => centreCrop(resizeLanczos(img, RESIZED[0], RESIZED[1], null), TARGET, TARGET),
    weights: () => [lanczosWeights(WIDTH, RESIZED[0]), lanczosWeights(HEIGHT, RESIZED[1])],
  };
  const names = Object.keys(ways) as (keyof typeof ways)[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<keyof typeof ways, number[]>;
  for (const name of names) ways[name](); // warm-up: compiles
  for (let r = 0; r < repeat; r++) {
    for (const name of names) {
      const start = performance.now();
      ways[name]();
      const seconds = (performance.now() - start) / 1000;
      times[name].push(seconds);
      log(`  ${name} ${r + 1}/${repeat}: ${(1000 * seconds).toFixed(1)} ms`);
    }
  }
  return {
    case: `resize ${WIDTH}×${HEIGHT} → ${RESIZED[0]}×${RESIZED[1]} (resizeAndCrop to ${TARGET})`,
    repeat,
    runtime: runtimeName(),
    kernels: timing(times.kernels),
    scalar: timing(times.scalar),
    before: timing(times.before),
    weights: timing(times.weights),
  };
}

export function formatResizeBench(r: ResizeBenchResult): string {
  const ms = (t: Timing): string =>
    `min ${(1000 * t.min_s).toFixed(1).padStart(7)} ms  median ${(1000 * t.median_s).toFixed(1).padStart(7)} ms`;
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
