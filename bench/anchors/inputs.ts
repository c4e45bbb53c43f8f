/**
 * What every engine of the anchors run gets, written once into the configuration's folder
 * under build/anchors/: the weights as float32 safetensors (the seeded synthetic weights
 * of a released configuration that `vqgan bench --model` makes, or a given weights file
 * converted), the synthetic image and token grid of `vqgan bench` as .npy, and the ONNX
 * graphs that the PyTorch model exports from the same weights.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../src/io/npy.js';
import { downFactor, type VqganConfig } from '../../src/model/config.js';
import { RELEASED_CONFIGS, type ReleasedConfigName } from '../../src/model/released_configs.js';
import { referenceBackend } from '../../src/compute/reference/backend.js';
import { convertToSafetensors, safetensorsOf } from '../../src/weights/convert.js';
import { loadWeights } from '../../src/weights/load.js';
import { syntheticGrid, syntheticImage } from '../../src/bench/bench.js';
import { SyntheticParams } from '../../src/bench/synthetic_weights.js';

export interface Inputs {
  readonly weights: string;
  readonly image: string;
  readonly tokens: string;
}

/** The synthetic weights of a released configuration, as float32 safetensors in `dir` (made once). */
export function syntheticWeightsFile(dir: string, model: ReleasedConfigName): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `synthetic_${model}_seed1.safetensors`);
  if (!existsSync(file)) {
    const label = `synthetic ${model} (seed 1)`;
    writeFileSync(
      file,
      safetensorsOf(new SyntheticParams(referenceBackend, 1), RELEASED_CONFIGS[model].config, 'float32', label).bytes,
    );
  }
  return file;
}

/**
 * `weights` (any layout the loaders read) converted to float32 taming-named safetensors
 * at `file`, as `vqgan convert` does; rewritten only when changed, since its time stamp
 * decides whether the ONNX graphs are made again. Returns the configuration.
 */
export async function convertedWeightsFile(weights: string, file: string): Promise<VqganConfig> {
  const loaded = await loadWeights(weights);
  const bytes = convertToSafetensors(loaded.tensors, loaded.config, 'float32', weights).bytes;
  if (!existsSync(file) || !Buffer.from(bytes).equals(readFileSync(file))) writeFileSync(file, bytes);
  return loaded.config;
}

/** The synthetic image [1, 3, H, W] and token grid [H/f, W/f] of `vqgan bench`, f the model's factor. */
export function inputsFor(dir: string, weights: string, h: number, w: number, config: VqganConfig): Inputs {
  const f = downFactor(config);
  const image = join(dir, `image_${h}x${w}.npy`);
  const tokens = join(dir, tokensFile(h, w));
  writeFileSync(image, writeNpy('float32', [1, 3, h, w], syntheticImage(h, w).data));
  writeFileSync(tokens, writeNpy('int32', [h / f, w / f], syntheticGrid(h / f, w / f, config.n_embed).tokens));
  return { weights, image, tokens };
}

/** The name of the token grid that decodes to an H×W image, whatever the model's factor. */
export function tokensFile(h: number, w: number): string {
  return `tokens_for_${h}x${w}.npy`;
}
