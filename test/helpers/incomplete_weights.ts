/**
 * Weights that the loader takes (taming's names, shapes that give a configuration) but
 * that lack most of the model's tensors: building the model fails with MISSING_KEY,
 * after the engine's backend and its workers started. For tests of that failure.
 */
import { Tensor } from '../../src/core/tensor.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';

export function incompleteWeights(): Uint8Array {
  return writeSafetensors(
    new Map([
      ['encoder.conv_in.weight', new Tensor([32, 3, 3, 3])],
      ['encoder.down.0.block.0.conv1.weight', new Tensor([32, 32, 3, 3])],
      ['encoder.conv_out.weight', new Tensor([4, 32, 3, 3])],
      ['decoder.conv_out.weight', new Tensor([3, 32, 3, 3])],
      ['quantize.embedding.weight', new Tensor([8, 4])],
    ]),
  );
}
