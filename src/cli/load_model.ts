/** The model a command runs, loaded from the command line's options. */
import { Vqgan } from '../api/vqgan.js';
import { parseComputeMode } from '../compute/backend.js';
import { parseMaxPixels } from '../core/limits.js';
import { weightsForCli } from './hub_commands.js';
import { backendOption, parseThreads, type Options } from './options.js';

/** Models this run loaded: main() disposes them, since Deno waits for their worker threads. */
const loaded: Vqgan[] = [];

/**
 * `--weights` left out means the default hub model (src/hub/cli_hub.ts). One image at a
 * time runs the engine on this thread: a worker would only add its start-up. A batch
 * runs it in its worker, so that each next image is read and decoded here meanwhile.
 */
export async function loadModel(opts: Options, worker = false): Promise<Vqgan> {
  const threads = opts.threads === undefined ? undefined : parseThreads(opts.threads)[0];
  const maxPixels = opts['max-pixels'] === undefined ? undefined : parseMaxPixels(opts['max-pixels'], '--max-pixels');
  // Every option before the weights, which may be a download from the hub.
  const backend = backendOption(opts);
  const mode = parseComputeMode(opts.mode ?? 'exact', '--mode');
  const vq = await Vqgan.load(await weightsForCli(opts.weights), { backend, threads, mode, maxPixels, worker });
  loaded.push(vq);
  return vq;
}

/** Disposes every model loaded so far. */
export function disposeModels(): void {
  for (const vq of loaded.splice(0)) vq.dispose();
}
