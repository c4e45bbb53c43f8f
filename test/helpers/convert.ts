/** `vqgan convert` run as a user would, checked for its report line. */
import * as assert from 'uvu/assert';
import { runCli } from './cli.js';

/** Converts `weights` (tiny.ckpt) to a safetensors file `file` of `dtype`; returns `file`. */
export async function convertTo(weights: string, file: string, dtype: string): Promise<string> {
  const r = await runCli(['convert', weights, file, '--dtype', dtype]);
  assert.is(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`wrote ${file.replace(/[.\\]/g, '\\$&')} \\(343 tensors, 4573923 parameters, ${dtype}`),
  );
  return file;
}
