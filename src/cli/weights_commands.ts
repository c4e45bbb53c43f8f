/** `vqgan fetch`, `convert` and `info`: commands on weights that run no model. */
import { formatBytes } from '../core/format_bytes.js';
import { VqganError } from '../core/errors.js';
import { basenameOf } from '../platform/paths.js';
import { convertToSafetensors } from '../weights/convert.js';
import { describeWeights } from '../weights/describe.js';
import { WRITTEN_DTYPES, type WrittenDtype } from '../weights/half.js';
import { loadWeights } from '../weights/load.js';
import { fetchCommand, weightsForCli } from './hub_commands.js';
import { requireExtension, type Options } from './options.js';
import { writeOut } from './output.js';

export async function fetchModel([id]: readonly string[]): Promise<void> {
  await fetchCommand(id);
}

/** `vqgan convert IN OUT.safetensors`: the model's tensors alone, with the configuration inside. */
export async function convert([input, out]: readonly string[], opts: Options): Promise<void> {
  requireExtension('out', out, ['.safetensors']);
  const dtype = (opts.dtype ?? 'float32') as WrittenDtype;
  if (!WRITTEN_DTYPES.includes(dtype)) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `--dtype ${dtype}: use ${WRITTEN_DTYPES.join(', ').replace(/, (?=[^,]*$)/, ' or ')}`,
    );
  }
  const weights = await loadWeights(await weightsForCli(input));
  const converted = convertToSafetensors(weights.tensors, weights.config, dtype, basenameOf(input!));
  await writeOut(
    out!,
    converted.bytes,
    `${converted.tensors} tensors, ${converted.parameters} parameters, ${dtype}, ${
      formatBytes(converted.bytes.length)
    }`,
  );
}

/** `vqgan info [WEIGHTS]`: what a weights file holds. */
export async function info([input]: readonly string[]): Promise<void> {
  const path = await weightsForCli(input);
  process.stdout.write(`${describeWeights(path, await loadWeights(path))}\n`);
}
