/**
 * What every engine of the anchors run gets, written once into the run's folder under build/anchors/: the
 * weights as float32 safetensors (the seeded synthetic f16_16384 weights that `vqgan
 * bench` makes, or a given weights file converted), the synthetic image and token grid
 * of `vqgan bench` as .npy, and the ONNX graphs that the PyTorch model exports from the
 * same weights.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../src/io/npy.js';
import { F16_16384, type VqganConfig } from '../../src/model/config.js';
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

/** The safetensors file of the run's weights (the synthetic ones made once), and their configuration. */
export async function weightsFile(
  dir: string,
  weights: string | undefined,
): Promise<{ file: string; config: VqganConfig; }> {
  mkdirSync(dir, { recursive: true });
  if (weights === undefined) {
    const file = join(dir, 'synthetic_f16_16384_seed1.safetensors');
    if (!existsSync(file)) {
      writeFileSync(
        file,
        safetensorsOf(new SyntheticParams(referenceBackend, 1), F16_16384, 'float32', 'synthetic f16_16384 (seed 1)')
          .bytes,
      );
    }
    return { file, config: F16_16384 };
  }
  const file = join(dir, 'weights.safetensors');
  const loaded = await loadWeights(weights);
  const bytes = convertToSafetensors(loaded.tensors, loaded.config, 'float32', weights).bytes;
  // rewritten only when changed: its time stamp decides whether the ONNX graphs are made again
  if (!existsSync(file) || !Buffer.from(bytes).equals(readFileSync(file))) writeFileSync(file, bytes);
  return { file, config: loaded.config };
}

/** The synthetic image [1, 3, H, W] and token grid [H/16, W/16] of `vqgan bench`. */
export function inputsFor(dir: string, weights: string, h: number, w: number, nEmbed: number): Inputs {
  const image = join(dir, `image_${h}x${w}.npy`);
  const tokens = join(dir, `tokens_${h / 16}x${w / 16}.npy`);
  writeFileSync(image, writeNpy('float32', [1, 3, h, w], syntheticImage(h, w).data));
  writeFileSync(tokens, writeNpy('int32', [h / 16, w / 16], syntheticGrid(h / 16, w / 16, nEmbed).tokens));
  return { weights, image, tokens };
}
