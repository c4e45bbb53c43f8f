/**
 * The library API, the same in Node, Deno and browsers:
 *
 *   const vq = await Vqgan.load('model.ckpt');            // or a URL, bytes, a Blob
 *   const { height, width, tokens } = vq.encode(image);   // {width, height, data: RGB or RGBA}
 *   const picture = vq.decodeImage({ height, width, tokens });
 */
import { BACKEND_NAMES, type Backend, type BackendName } from './backend.js';
import { VqganError, formatShape } from './errors.js';
import { compositeOnWhite } from './image/decode.js';
import { preprocessImage, tensorToImage, type PresetName } from './image/presets.js';
import type { RgbImage } from './image/rgb_image.js';
import { fitsFactor, type VqganConfig } from './model/config.js';
import { Params } from './model/params.js';
import { VQModel } from './model/vqgan.js';
import { referenceBackend } from './reference/backend.js';
import { simdSupported } from './wasm/kernels.js';
import { WasmBackend } from './wasm/backend.js';
import { Tensor } from './tensor.js';
import type { TokenGrid } from './tokens.js';
import { loadWeights, type WeightsInput } from './weights/load.js';

/** Pixels as a canvas ImageData or a decoded file holds them: RGB or RGBA, row-major. */
export interface ImageLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

export interface LoadOptions {
  /** 'wasm' (WebAssembly SIMD, the default) or 'reference' (scalar TypeScript); both give the same bytes. */
  readonly backend?: BackendName;
  /**
   * The model's configuration, where the weights carry none and no config.yaml sits
   * beside them (bytes and Blobs); otherwise it is read from the weights.
   */
  readonly config?: VqganConfig;
}

export interface EncodeOptions {
  /** Pixel convention for images (ignored for tensors): 'taming' (default) or 'dalle-mini'. */
  readonly preset?: PresetName;
  /** Images are resized (shortest side) and centre-cropped to this: N or [H, W]; default 256. */
  readonly size?: number | readonly [number, number];
}

export interface EncodeResult extends TokenGrid {
  /** The latent before quantizing: [1, embed_dim, h, w]. */
  readonly latent: Tensor;
  /** What went into the encoder: [1, 3, H, W] in model range. */
  readonly modelInput: Tensor;
}

/** The backend called `name`; 'wasm' falls back to the reference (with a warning) where SIMD is missing. */
export async function createBackend(name: BackendName): Promise<Backend> {
  if (name === 'reference') return referenceBackend;
  if (name !== 'wasm') throw new VqganError('BAD_ARGUMENT', `unknown backend '${String(name)}': use ${BACKEND_NAMES.join(' or ')}`);
  if (simdSupported()) return WasmBackend.create();
  console.warn('vqgan: this runtime has no WebAssembly SIMD; using the scalar reference backend (same results, slower)');
  return referenceBackend;
}

/** [1, …] ↔ […]: the engine works on batch 1 without the batch axis. */
const withBatch = (t: Tensor): Tensor => new Tensor([1, ...t.shape], t.data);

export class Vqgan {
  private constructor(private readonly model: VQModel) {}

  static async load(weights: WeightsInput, options: LoadOptions = {}): Promise<Vqgan> {
    const loaded = await loadWeights(weights, options.config);
    const name = typeof weights === 'string' || weights instanceof URL ? weights.toString() : 'weights';
    const backend = await createBackend(options.backend ?? 'wasm');
    return new Vqgan(new VQModel(new Params(loaded.tensors, backend, name), loaded.config, backend));
  }

  get config(): VqganConfig {
    return this.model.config;
  }

  get backend(): BackendName {
    return this.model.backend.name;
  }

  /** Pixels per token along each side (16). */
  get factor(): number {
    return this.model.factor;
  }

  /**
   * An image (resized and cropped to `size`, converted by `preset`) or a float tensor
   * [1, 3, H, W] / [3, H, W] already in model range (used as is) → its token grid.
   */
  encode(input: ImageLike | Tensor, options: EncodeOptions = {}): EncodeResult {
    const x = input instanceof Tensor ? this.checkInputTensor(input) : this.imageToInput(input, options);
    const latent = this.model.encodeLatent(x);
    const [, height, width] = latent.shape as [number, number, number];
    const tokens = this.model.tokensOf(latent);
    return { height, width, tokens, latent: withBatch(this.model.backend.download(latent)), modelInput: withBatch(x) };
  }

  /** A token grid → the decoder's output [1, 3, H, W] in model range, before any clipping. */
  decode(grid: TokenGrid): Tensor {
    return withBatch(this.model.backend.download(this.model.decodeTokens(grid)));
  }

  /** A token grid → RGB pixels, clipped and converted by `preset`. */
  decodeImage(grid: TokenGrid, options: { preset?: PresetName } = {}): RgbImage {
    return tensorToImage(this.decode(grid), options.preset ?? 'taming');
  }

  private imageToInput(image: ImageLike, options: EncodeOptions): Tensor {
    const [height, width] = this.targetSize(options.size ?? 256);
    const rgb = toRgb(image);
    const x = preprocessImage(rgb, options.preset ?? 'taming', height, width);
    return new Tensor(x.shape.slice(1), x.data);
  }

  private targetSize(size: number | readonly [number, number]): [number, number] {
    const [h, w] = typeof size === 'number' ? [size, size] : size;
    if (!fitsFactor(h, w, this.factor)) {
      throw new VqganError('BAD_VALUE', `size ${h}×${w}: height and width must be positive multiples of ${this.factor}`);
    }
    return [h, w];
  }

  private checkInputTensor(t: Tensor): Tensor {
    const s = t.shape;
    const chw = s.length === 4 && s[0] === 1 ? s.slice(1) : s;
    const c = this.config.in_channels;
    if (chw.length !== 3 || chw[0] !== c || !fitsFactor(chw[1]!, chw[2]!, this.factor)) {
      throw new VqganError(
        'BAD_SHAPE',
        `input tensor has shape ${formatShape(s)}; expected [1, ${c}, H, W] or [${c}, H, W] with H and W positive multiples of ${this.factor}`,
      );
    }
    return new Tensor(chw, t.data);
  }
}

function toRgb(image: ImageLike): RgbImage {
  const { width, height, data } = image;
  const pixels = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new VqganError('BAD_SHAPE', `image of ${width}×${height} pixels is not a positive size`);
  }
  if (data.length === pixels * 3) return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  if (data.length === pixels * 4) return compositeOnWhite(width, height, data);
  throw new VqganError('BAD_SHAPE', `image of ${width}×${height} has ${data.length} bytes; expected RGB (${pixels * 3}) or RGBA (${pixels * 4})`);
}
