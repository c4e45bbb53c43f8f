/** `vqgan bench`: times encode and decode (the benchmark itself is src/bench/). */
import { parseComputeMode } from '../compute/backend.js';
import { VqganError } from '../core/errors.js';
import { weightsForCli } from './hub_commands.js';
import { backendOption, parseSize, parseThreads, type Options } from './options.js';
import { say } from './output.js';
import { DEFAULT_MAX_PIXELS, parseMaxPixels } from '../core/limits.js';
import { platform } from '../platform/platform.js';

export async function bench(_inputs: readonly string[], opts: Options): Promise<void> {
  const repeat = Number(opts.repeat ?? 5);
  if (!Number.isInteger(repeat) || repeat < 1) {
    throw new VqganError('BAD_ARGUMENT', `--repeat ${opts.repeat}: expected a positive integer`);
  }
  if (opts.image !== undefined) return benchImage(opts, repeat);
  if (opts.resize) {
    const model = (['weights', 'model', 'size', 'backend', 'threads', 'mode'] as const).filter((o) =>
      opts[o] !== undefined
    );
    if (model.length > 0) {
      throw new VqganError('BAD_ARGUMENT', `--resize times the image resize alone: --${model[0]} does not apply`);
    }
    const { runResizeBench, formatResizeBench } = await import('../bench/resize_bench.js');
    const result = await runResizeBench(repeat, opts.json ? undefined : say);
    process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatResizeBench(result)}\n`);
    return;
  }
  if (opts['max-pixels'] !== undefined) {
    throw new VqganError('BAD_ARGUMENT', '--max-pixels applies to --image only: the model bench makes its own input');
  }
  if (opts.model !== undefined && opts.weights !== undefined) {
    throw new VqganError('BAD_ARGUMENT', '--model and --weights are exclusive: --model times synthetic weights');
  }
  const size = opts.size === undefined ? undefined : parseSize(opts.size);
  const threads = opts.threads === undefined ? undefined : parseThreads(opts.threads);
  const backend = backendOption(opts);
  const mode = parseComputeMode(opts.mode ?? 'exact', '--mode');
  const { runBench, formatBench, formatScaling } = await import('../bench/bench.js');
  const weights = opts.weights === undefined ? undefined : await weightsForCli(opts.weights);
  const results = await runBench(
    { size, repeat, backend, mode, threads, weights, model: opts.model },
    opts.json ? undefined : say,
  );
  for (const result of results) {
    process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatBench(result)}\n\n`);
  }
  if (!opts.json && results.length > 1) process.stdout.write(`${formatScaling(results)}\n`);
}

async function benchImage(opts: Options, repeat: number): Promise<void> {
  const model = (['weights', 'model', 'size', 'backend', 'threads', 'mode', 'resize'] as const).filter((o) =>
    opts[o] !== undefined
  );
  if (model.length > 0) {
    throw new VqganError('BAD_ARGUMENT', `--image times decoding and resizing alone: --${model[0]} does not apply`);
  }
  const file = String(opts.image);
  const bytes = await platform().files.readFileBytes(file);
  const { runImageBench, formatImageBench } = await import('../bench/image_bench.js');
  const result = await runImageBench(
    file,
    bytes,
    repeat,
    opts['max-pixels'] === undefined ? DEFAULT_MAX_PIXELS : parseMaxPixels(opts['max-pixels'], '--max-pixels'),
    opts.json ? undefined : say,
  );
  process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatImageBench(result)}\n`);
}
