/**
 * The engine: a loaded model on a backend, computing on the thread that calls it. The
 * public API (src/api/vqgan.ts) runs one in a worker, so that its callers only wait; scripts
 * and tests may run one in place (`Vqgan.load(…, { worker: false })`).
 */
import {
  BACKEND_NAMES,
  parseComputeMode,
  type Backend,
  type BackendName,
  type ComputeMode,
} from '../compute/backend.js';
import { platform } from '../platform/platform.js';
import { canShareMemory } from '../platform/runtime.js';
import { VqganError, formatShape } from '../core/errors.js';
import type { RgbImage } from '../image/rgb_image.js';
import { DEFAULT_MAX_PIXELS, checkPixels, parseMaxPixels } from '../core/limits.js';
import { preprocessImage, presetSize, rgbaToRgb, tensorToImage, type PresetName } from '../image/presets.js';
import { fitsFactor, type VqganConfig } from '../model/config.js';
import { Params } from '../model/params.js';
import { VQModel } from '../model/vqgan.js';
import { runWithProgress, type ProgressCallback, type RunHooks } from '../compute/progress_backend.js';
import { createReferenceBackend } from '../compute/reference/backend.js';
import { simdSupported } from '../compute/wasm/kernels.js';
import { WasmBackend } from '../compute/wasm/backend.js';
import { preparePixelKernels } from '../compute/wasm/pixel_kernels.js';
import { Tensor } from '../core/tensor.js';
import type { TokenGrid } from '../core/tokens.js';
import { loadWeights, type LoadProgress, type WeightsInput } from '../weights/load.js';
import { DEFAULT_MODEL } from '../hub/hub_id.js';
import { weightsFromHub } from '../hub/resolve.js';
import type { HubOptions } from '../hub/settings.js';
import type { EngineInfo } from './protocol.js';

export type { LoadProgress, ProgressCallback };

/** Something that says whether its request was aborted: an AbortSignal, or the engine worker's shared flag. */
export interface AbortFlag {
  readonly aborted: boolean;
}

/** The error of an aborted request. */
export function abortError(what: string): VqganError {
  return new VqganError('ABORTED', `${what} was aborted`);
}

function throwIfAborted(signal: AbortFlag | undefined, what: string): void {
  if (signal?.aborted === true) throw abortError(what);
}

/**
 * Pixels as a canvas ImageData or a decoded file holds them: RGB or RGBA, row-major. The
 * alpha is dropped, except by the 'chameleon' preset, which blends on white.
 */
export interface ImageLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

export interface LoadOptions {
  /** 'wasm' (WebAssembly SIMD, the default) or 'reference' (scalar TypeScript); both give the same bytes. */
  readonly backend?: BackendName;
  /**
   * Threads for the 'wasm' backend (default: the available cores). The output is the
   * same with any number. Where memory cannot be shared with workers (a browser page
   * without cross-origin isolation) it runs on one thread and says so.
   */
  readonly threads?: number;
  /**
   * 'exact' (default): the direct convolutions, the canonical computation. 'fast': the
   * 3×3 convolutions by Winograd's algorithm, about 3× faster at 256×256, with float32
   * errors a few times the exact mode's (README, "Fast mode"). Each mode gives the same
   * bytes everywhere.
   */
  readonly mode?: ComputeMode;
  /**
   * The model's configuration, where the weights carry none and no config.yaml sits
   * beside them (bytes and Blobs); otherwise it is read from the weights.
   */
  readonly config?: VqganConfig;
  /**
   * Called with the bytes of weights in so far and their total: a URL's or a hub model's
   * download (total undefined when unknown), else the tensor data read from the file (a
   * hub model in the cache too), Blob or bytes. The last call has loaded === total;
   * building the model follows.
   */
  readonly onProgress?: LoadProgress;
  /**
   * The most pixels an encode's model input or a decode's output may have (default
   * 4096×4096): larger requests are refused before any compute. Also the limit to pass
   * to decodeImage for image files.
   */
  readonly maxPixels?: number;
  /**
   * For a hub id (`owner/name[@revision]`): the hub's address, a token and (Node, Deno)
   * the cache folder; by default HF_ENDPOINT, HF_TOKEN and VQGAN_CACHE. Also how long a
   * download may go without data (`downloadTimeout`, seconds; default
   * VQGAN_DOWNLOAD_TIMEOUT, else 10) and its tries (`downloadTries`, default 5;
   * `retryDelay`, seconds before the second, doubled each time, default 1).
   */
  readonly hub?: HubOptions;
  /**
   * For a hub id: the folder of the repository that holds the model, e.g. 'vqvae' for
   * 'amused/amused-256' (the same as the id 'amused/amused-256/vqvae').
   */
  readonly subfolder?: string;
  /**
   * Run the engine in a worker (default, where the runtime has workers): the calling
   * thread only waits. `false` runs it on the calling thread, which then blocks in each
   * call; only such a model has the synchronous `encodeSync` and `decodeSync`.
   */
  readonly worker?: boolean;
  /** Aborting it stops the load; the promise rejects with an ABORTED VqganError (name 'AbortError'). */
  readonly signal?: AbortFlag;
}

export interface EncodeOptions {
  /**
   * Pixel convention for images (ignored for tensors): 'taming' (default), 'dalle-mini',
   * 'chameleon' (which blends an RGBA image's transparency on white; the others drop alpha),
   * 'llamagen' or 'janus' (see src/image/presets.ts).
   */
  readonly preset?: PresetName;
  /**
   * Images are resized (shortest side) and centre-cropped to this: N or [H, W]; default
   * the preset's size (256; 'chameleon' 512, 'janus' 384).
   */
  readonly size?: number | readonly [number, number];
  /** Called with the fraction of the work done (0 < f ≤ 1, increasing, the last call exactly 1). */
  readonly onProgress?: ProgressCallback;
  /** Aborting it stops the encode between two ops; the model stays usable. */
  readonly signal?: AbortFlag;
}

export interface DecodeOptions {
  /** Called with the fraction of the work done (0 < f ≤ 1, increasing, the last call exactly 1). */
  readonly onProgress?: ProgressCallback;
  /** Aborting it stops the decode between two ops; the model stays usable. */
  readonly signal?: AbortFlag;
}

export interface EncodeResult extends TokenGrid {
  /** The latent before quantizing: [1, embed_dim, h, w]. */
  readonly latent: Tensor;
  /** What went into the encoder: [1, 3, H, W] in model range. */
  readonly modelInput: Tensor;
}

/** The options that need no weights, checked: a bad one is reported before any weights are downloaded or read. */
export function checkLoadOptions(options: LoadOptions): { maxPixels: number; mode: ComputeMode; } {
  const maxPixels = options.maxPixels === undefined
    ? DEFAULT_MAX_PIXELS
    : parseMaxPixels(options.maxPixels, 'maxPixels');
  const mode = parseComputeMode(options.mode ?? 'exact', 'mode');
  const { threads, backend = 'wasm' } = options;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new VqganError('BAD_ARGUMENT', `threads must be a positive integer, not ${threads}`);
  }
  if (!BACKEND_NAMES.includes(backend)) {
    throw new VqganError('BAD_ARGUMENT', `unknown backend '${String(backend)}': use ${BACKEND_NAMES.join(' or ')}`);
  }
  return { maxPixels, mode };
}

/**
 * The backend called `name` on `threads` threads (default: the available cores); 'wasm'
 * falls back to the reference (with a warning) where SIMD is missing.
 */
export async function createBackend(
  name: BackendName,
  threads?: number,
  mode: ComputeMode = 'exact',
): Promise<Backend> {
  checkLoadOptions({ backend: name, threads, mode });
  if (name === 'reference') return createReferenceBackend(mode);
  if (!simdSupported()) {
    console.warn(
      'vqgan: this runtime has no WebAssembly SIMD; using the scalar reference backend (same results, slower)',
    );
    return createReferenceBackend(mode);
  }
  let n = threads ?? (await platform().workers.availableCores());
  if (n > 1 && !canShareMemory()) {
    console.warn(
      'vqgan: memory cannot be shared with workers here (a page needs cross-origin isolation); using one thread',
    );
    n = 1;
  }
  return WasmBackend.create(n, mode);
}

/** [1, …] ↔ […]: the engine works on batch 1 without the batch axis. */
const withBatch = (t: Tensor): Tensor => new Tensor([1, ...t.shape], t.data);

export class Engine {
  private constructor(
    private readonly model: VQModel,
    /** The pixel limit (LoadOptions.maxPixels). */
    readonly maxPixels: number,
  ) {}

  /**
   * `weights`: a path (Node, Deno), a URL, bytes, a Blob, or a hub id
   * `owner/name[/folder][/file][@revision]` (a string that is no existing path), by default boris/vqgan_f16_16384, downloaded once
   * into the cache (Node, Deno) or the Cache Storage (browsers).
   */
  static async load(weights: WeightsInput = DEFAULT_MODEL, options: LoadOptions = {}): Promise<Engine> {
    const { maxPixels, mode } = checkLoadOptions(options);
    const { signal } = options;
    const hub = await weightsFromHub(weights, options);
    throwIfAborted(signal, 'loading the model');
    const loaded = hub === undefined
      ? await loadWeights(weights, options.config, options.onProgress)
      : await loadWeights(hub.weights, options.config, hub.onProgress, hub.config);
    throwIfAborted(signal, 'loading the model');
    const name = typeof weights === 'string' || weights instanceof URL ? weights.toString() : 'weights';
    // The pixel kernels resize the images that encode is given; a browser's main thread
    // (worker: false) may only prepare them asynchronously, here.
    const [backend] = await Promise.all([
      createBackend(options.backend ?? 'wasm', options.threads, mode),
      preparePixelKernels(),
    ]);
    // From here the backend's workers run: every failure ends them, or Deno and pages never settle.
    try {
      throwIfAborted(signal, 'loading the model');
      return new Engine(new VQModel(new Params(loaded.tensors, backend, name), loaded.config, backend), maxPixels);
    } catch (err) {
      backend.dispose();
      throw err;
    }
  }

  get config(): VqganConfig {
    return this.model.config;
  }

  get backend(): BackendName {
    return this.model.backend.name;
  }

  /** Threads that compute each op. */
  get threads(): number {
    return this.model.backend.threads;
  }

  /** How the 3×3 convolutions compute (LoadOptions.mode). */
  get mode(): ComputeMode {
    return this.model.backend.mode;
  }

  /** Ends the worker threads (Node never waits for them; Deno and browsers do). */
  dispose(): void {
    this.model.backend.dispose();
  }

  /** Pixels per token along each side (16). */
  get factor(): number {
    return this.model.factor;
  }

  /** What the API shows of this engine. */
  get info(): EngineInfo {
    const { config, backend, threads, mode, factor, maxPixels } = this;
    return { config, backend, threads, mode, factor, maxPixels };
  }

  /**
   * An image (resized and cropped to `size`, converted by `preset`) or a float tensor
   * [1, 3, H, W] / [3, H, W] already in model range (used as is) → its token grid.
   */
  encode(input: ImageLike | Tensor, options: EncodeOptions = {}): EncodeResult {
    throwIfAborted(options.signal, 'encoding');
    const x = input instanceof Tensor ? this.checkInputTensor(input) : this.imageToInput(input, options);
    return runWithProgress(this.model.backend, hooks(options, 'encoding'), (be) => {
      const latent = this.model.encodeLatent(x, be);
      const [, height, width] = latent.shape as [number, number, number];
      const tokens = this.model.tokensOf(latent, be);
      return { height, width, tokens, latent: withBatch(be.download(latent)), modelInput: withBatch(x) };
    });
  }

  /** A token grid → the decoder's output [1, 3, H, W] in model range, before any clipping. */
  decode(grid: TokenGrid, options: DecodeOptions = {}): Tensor {
    throwIfAborted(options.signal, 'decoding');
    checkPixels(
      grid.width * this.factor,
      grid.height * this.factor,
      this.maxPixels,
      `decoding token grid ${grid.height}×${grid.width}`,
    );
    return runWithProgress(
      this.model.backend,
      hooks(options, 'decoding'),
      (be) => withBatch(be.download(this.model.decodeTokens(grid, be))),
    );
  }

  /** A token grid → RGB pixels, clipped and converted by `preset`. */
  decodeImage(grid: TokenGrid, options: DecodeOptions & { preset?: PresetName; } = {}): RgbImage {
    return tensorToImage(this.decode(grid, options), options.preset ?? 'taming');
  }

  private imageToInput(image: ImageLike, options: EncodeOptions): Tensor {
    const preset = options.preset ?? 'taming';
    const [height, width] = this.targetSize(options.size ?? presetSize(preset));
    const x = preprocessImage(toRgb(image, preset), preset, height, width);
    return new Tensor(x.shape.slice(1), x.data);
  }

  private targetSize(size: number | readonly [number, number]): [number, number] {
    const [h, w] = typeof size === 'number' ? [size, size] : size;
    if (!fitsFactor(h, w, this.factor)) {
      throw new VqganError(
        'BAD_VALUE',
        `size ${h}×${w}: height and width must be positive multiples of ${this.factor}`,
      );
    }
    checkPixels(w, h, this.maxPixels, 'the model input size');
    return [h, w];
  }

  private checkInputTensor(t: Tensor): Tensor {
    const s = t.shape;
    const chw = s.length === 4 && s[0] === 1 ? s.slice(1) : s;
    const c = this.config.in_channels;
    if (chw.length !== 3 || chw[0] !== c || !fitsFactor(chw[1]!, chw[2]!, this.factor)) {
      throw new VqganError(
        'BAD_SHAPE',
        `input tensor has shape ${
          formatShape(s)
        }; expected [1, ${c}, H, W] or [${c}, H, W] with H and W positive multiples of ${this.factor}`,
      );
    }
    checkPixels(chw[2]!, chw[1]!, this.maxPixels, `input tensor ${formatShape(s)}`);
    return new Tensor(chw, t.data);
  }
}

function hooks(options: { onProgress?: ProgressCallback; signal?: AbortFlag; }, what: string): RunHooks {
  const { signal } = options;
  return {
    onProgress: options.onProgress,
    beforeOp: signal === undefined ? undefined : () => throwIfAborted(signal, what),
  };
}

function toRgb(image: ImageLike, preset: PresetName): RgbImage {
  const { width, height, data } = image;
  const pixels = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new VqganError('BAD_SHAPE', `image of ${width}×${height} pixels is not a positive size`);
  }
  if (data.length === pixels * 3) {
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  }
  if (data.length === pixels * 4) return rgbaToRgb(width, height, data, preset);
  throw new VqganError(
    'BAD_SHAPE',
    `image of ${width}×${height} has ${data.length} bytes; expected RGB (${pixels * 3}) or RGBA (${pixels * 4})`,
  );
}
