/**
 * The library API, the same in Node, Deno and browsers. Every call returns a promise and
 * the engine computes in a worker, so the calling thread (a page's main thread, a
 * server's event loop) only waits:
 *
 *   const vq = await Vqgan.load('model.ckpt');                   // or a URL, bytes, a Blob, a hub id
 *   const { height, width, tokens } = await vq.encode(image);    // {width, height, data: RGB or RGBA}
 *   const picture = await vq.decodeImage({ height, width, tokens });
 *   vq.dispose();
 *
 * `Vqgan.load(…, { worker: false })` runs the engine on the calling thread instead, for
 * scripts and runtimes without workers; only such a model has `encodeSync` and
 * `decodeSync`, which block the caller until done.
 */
import type { BackendName, ComputeMode } from '../compute/backend.js';
import { VqganError } from '../core/errors.js';
import type { RgbImage } from '../image/rgb_image.js';
import type { PresetName } from '../image/presets.js';
import type { VqganConfig } from '../model/config.js';
import { platform } from '../platform/platform.js';
import { Tensor } from '../core/tensor.js';
import type { TokenGrid } from '../core/tokens.js';
import type { WeightsInput } from '../weights/load.js';
import { DEFAULT_MODEL } from '../hub/hub_id.js';
import {
  Engine,
  checkLoadOptions,
  type DecodeOptions,
  type EncodeOptions,
  type EncodeResult,
  type ImageLike,
  type LoadOptions,
} from './engine.js';
import { tensorData, tensorOf, type EngineInfo, type TensorData } from './protocol.js';
import { WorkerEngine } from './worker_engine.js';
import { preparePixelKernels } from '../compute/wasm/pixel_kernels.js';

export type { AbortFlag, DecodeOptions, EncodeOptions, EncodeResult, ImageLike, LoadOptions } from './engine.js';
export type { LoadProgress } from '../weights/load.js';
export type { ProgressCallback } from '../compute/progress_backend.js';

export class Vqgan {
  private constructor(
    private readonly info: EngineInfo,
    /** Exactly one of the two: the engine in a worker, or on this thread. */
    private readonly inWorker: WorkerEngine | undefined,
    private readonly inPlace: Engine | undefined,
  ) {}

  /**
   * `weights`: a path (Node, Deno), a URL, bytes, a Blob, or a hub id
   * `owner/name[/folder][/file][@revision]` (a string that is no existing path), by default boris/vqgan_f16_16384, downloaded once
   * into the cache (Node, Deno) or the Cache Storage (browsers).
   */
  static async load(weights: WeightsInput = DEFAULT_MODEL, options: LoadOptions = {}): Promise<Vqgan> {
    checkLoadOptions(options);
    if (typeof weights === 'string') weights = platform().files.resolve(weights);
    const workers = platform().workers;
    if (options.worker !== false && workers.available) {
      // The engine's worker prepares its own pixel kernels; these serve image work on this
      // thread, which in a browser cannot instantiate them synchronously.
      const [engine] = await Promise.all([WorkerEngine.start(weights, options), preparePixelKernels()]);
      return new Vqgan(engine.info, engine, undefined);
    }
    if (options.worker !== false) {
      console.warn('vqgan: this runtime has no workers; the engine runs on the calling thread');
    }
    const engine = await Engine.load(weights, options);
    return new Vqgan(engine.info, undefined, engine);
  }

  get config(): VqganConfig {
    return this.info.config;
  }

  get backend(): BackendName {
    return this.info.backend;
  }

  /** Threads that compute each op (in a worker: the engine's worker and its thread pool). */
  get threads(): number {
    return this.info.threads;
  }

  /** How the 3×3 convolutions compute (LoadOptions.mode). */
  get mode(): ComputeMode {
    return this.info.mode;
  }

  /** Pixels per token along each side (16). */
  get factor(): number {
    return this.info.factor;
  }

  /** The pixel limit (LoadOptions.maxPixels). */
  get maxPixels(): number {
    return this.info.maxPixels;
  }

  /** Whether the engine runs in a worker (LoadOptions.worker). */
  get worker(): boolean {
    return this.inWorker !== undefined;
  }

  /** Ends the engine's workers; the model is not used again. Deno and pages wait for workers until this is called. */
  dispose(): void {
    this.inWorker?.dispose();
    this.inPlace?.dispose();
  }

  /**
   * An image (resized and cropped to `size`, converted by `preset`) or a float tensor
   * [1, 3, H, W] / [3, H, W] already in model range (used as is) → its token grid.
   */
  async encode(input: ImageLike | Tensor, options: EncodeOptions = {}): Promise<EncodeResult> {
    if (this.inPlace !== undefined) return this.inPlace.encode(input, options);
    const isTensor = input instanceof Tensor;
    const value = await this.inWorker!.run(
      {
        type: 'encode',
        input: isTensor ? tensorData(input) : input,
        isTensor,
        preset: options.preset,
        size: options.size,
      },
      options,
      'encoding',
    ) as TokenGrid & { latent: TensorData; modelInput: TensorData; };
    return {
      height: value.height,
      width: value.width,
      tokens: value.tokens,
      latent: tensorOf(value.latent),
      modelInput: tensorOf(value.modelInput),
    };
  }

  /** A token grid → the decoder's output [1, 3, H, W] in model range, before any clipping. */
  async decode(grid: TokenGrid, options: DecodeOptions = {}): Promise<Tensor> {
    if (this.inPlace !== undefined) return this.inPlace.decode(grid, options);
    return tensorOf(
      await this.inWorker!.run({ type: 'decode', grid, image: false }, options, 'decoding') as TensorData,
    );
  }

  /** A token grid → RGB pixels, clipped and converted by `preset`. */
  async decodeImage(grid: TokenGrid, options: DecodeOptions & { preset?: PresetName; } = {}): Promise<RgbImage> {
    if (this.inPlace !== undefined) return this.inPlace.decodeImage(grid, options);
    return await this.inWorker!.run(
      { type: 'decode', grid, image: true, preset: options.preset },
      options,
      'decoding',
    ) as RgbImage;
  }

  /** `encode` on the calling thread, blocking it until done: only for `worker: false`. */
  encodeSync(input: ImageLike | Tensor, options: EncodeOptions = {}): EncodeResult {
    return this.engineInPlace('encodeSync').encode(input, options);
  }

  /** `decode` on the calling thread, blocking it until done: only for `worker: false`. */
  decodeSync(grid: TokenGrid, options: DecodeOptions = {}): Tensor {
    return this.engineInPlace('decodeSync').decode(grid, options);
  }

  /** `decodeImage` on the calling thread, blocking it until done: only for `worker: false`. */
  decodeImageSync(grid: TokenGrid, options: DecodeOptions & { preset?: PresetName; } = {}): RgbImage {
    return this.engineInPlace('decodeImageSync').decodeImage(grid, options);
  }

  private engineInPlace(method: string): Engine {
    if (this.inPlace === undefined) {
      throw new VqganError(
        'BAD_ARGUMENT',
        `${method} needs a model loaded with { worker: false }; this one runs in a worker: use the async form`,
      );
    }
    return this.inPlace;
  }
}
