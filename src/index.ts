/** vqgan-wasm: the public API. */
export {
  Vqgan,
  type DecodeOptions,
  type EncodeOptions,
  type EncodeResult,
  type ImageLike,
  type LoadOptions,
  type LoadProgress,
  type ProgressCallback,
} from './api/vqgan.js';
export { BACKEND_NAMES, COMPUTE_MODES, type BackendName, type ComputeMode } from './compute/backend.js';
export { VqganError, type VqganErrorCode } from './core/errors.js';
export { decodeImage } from './image/decode.js';
export { encodePng } from './image/encode_png.js';
export { imageToTensor, preprocessImage, tensorToImage, type PresetName } from './image/presets.js';
export type { RgbaImage, RgbImage } from './image/rgb_image.js';
export { parseNpy, writeNpy } from './io/npy.js';
export { parseTokenFile, tokensToJson, tokensToNpy } from './io/token_file.js';
export { F16_16384, type VqganConfig } from './model/config.js';
export { Tensor } from './core/tensor.js';
export type { TokenGrid } from './core/tokens.js';
export { loadWeights, type LoadedWeights, type WeightsInput } from './weights/load.js';
export { DEFAULT_MODEL, parseHubId, type HubId } from './hub/hub_id.js';
export { fetchHubModel, type HubModel } from './hub/fetch_model.js';
export type { HubOptions } from './hub/settings.js';
