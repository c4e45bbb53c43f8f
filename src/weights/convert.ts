/**
 * `vqgan convert`: any weights the loaders read → an inference-only safetensors file:
 * the model's tensors alone (no `loss.*`, no optimizer state), in the order the model
 * takes them, stored as float32, float16 or bfloat16, with the configuration in the
 * metadata so that the file loads with nothing beside it. The tensors are checked
 * against the configuration first, by the same strict lookup the model's loading does.
 */
import { VQModel } from '../model/vqgan.js';
import { Params, type ParamSource } from '../model/params.js';
import type { VqganConfig } from '../model/config.js';
import { referenceBackend } from '../compute/reference/backend.js';
import type { Tensor } from '../core/tensor.js';
import type { WrittenDtype } from './half.js';
import { writeSafetensors } from './safetensors.js';

export interface Converted {
  readonly bytes: Uint8Array;
  readonly tensors: number;
  readonly parameters: number;
}

/**
 * The tensors a model with `config` takes from `source` → safetensors bytes, in the
 * order the model takes them (`source` checks each key and shape).
 */
export function safetensorsOf(source: ParamSource, config: VqganConfig, dtype: WrittenDtype, label: string): Converted {
  const ordered = new Map<string, Tensor>();
  new VQModel(
    {
      take: (key, shape) => {
        const t = source.take(key, shape);
        ordered.set(key, t);
        return t;
      },
      prepareConv3x3: () => undefined, // nothing computes: the values are written as they are
      finish: () => source.finish(),
    },
    config,
    referenceBackend,
  );
  const parameters = [...ordered.values()].reduce((n, t) => n + t.size, 0);
  const metadata = { format: 'pt', config: JSON.stringify(config), converted_from: label, dtype };
  return { bytes: writeSafetensors(ordered, metadata, dtype), tensors: ordered.size, parameters };
}

/** `tensors` (float32, by checkpoint key) of a model with `config` → safetensors bytes. */
export function convertToSafetensors(
  tensors: Map<string, Tensor>,
  config: VqganConfig,
  dtype: WrittenDtype,
  label: string,
): Converted {
  // Params empties the map it is given as modules take their tensors: give it a copy
  // (of references; the reference backend adopts a tensor as it is).
  return safetensorsOf(new Params(new Map(tensors), referenceBackend, label), config, dtype, label);
}
