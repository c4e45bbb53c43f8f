/**
 * The engine's side of a worker: loads the model the first message asks for, then
 * answers encode and decode requests one at a time, in order. Each request blocks this
 * worker while it computes (its thread pool may wait in Atomics.wait here, which a
 * page's main thread may not); the thread that asked only waits for the reply.
 */
import type { ParentChannel } from '../platform/platform.js';
import { tensorToImage } from '../image/presets.js';
import { Engine, type AbortFlag } from './engine.js';
import {
  errorData,
  tensorData,
  tensorOf,
  type Reply,
  type Request,
  type RunRequest,
  type TensorData,
} from './protocol.js';

export function serveEngine(channel: ParentChannel): void {
  const post = (reply: Reply, transfer: Transferable[] = []) => channel.post(reply, transfer);
  let engine: Engine | undefined;
  let signal: AbortFlag | undefined;

  channel.onMessage(async (message) => {
    const request = message as Request;
    if (request.type === 'load') {
      if (request.abortFlag !== undefined) signal = abortFlagOf(request.abortFlag);
      try {
        engine = await Engine.load(request.weights, {
          ...request.options,
          signal,
          onProgress: request.progress ? (loaded, total) => post({ type: 'load-progress', loaded, total }) : undefined,
        });
        post({ type: 'loaded', info: engine.info });
      } catch (err) {
        post({ type: 'error', id: undefined, error: errorData(err) });
      }
      return;
    }
    const { id } = request;
    const onProgress = request.progress ? (fraction: number) => post({ type: 'progress', id, fraction }) : undefined;
    try {
      if (engine === undefined) throw new Error('engine worker: a request before the model was loaded');
      const run = { onProgress, signal };
      const [value, transfer] = request.type === 'encode' ? encode(engine, request, run) : decode(engine, request, run);
      post({ type: 'result', id, value }, transfer);
    } catch (err) {
      post({ type: 'error', id, error: errorData(err) });
    }
  });
}

/** The page's abort flag, an Int32 in shared memory that it sets to non-zero. */
function abortFlagOf(buffer: SharedArrayBuffer): AbortFlag {
  const flag = new Int32Array(buffer);
  return {
    get aborted() {
      return Atomics.load(flag, 0) !== 0;
    },
  };
}

interface RunOptions {
  readonly onProgress: ((fraction: number) => void) | undefined;
  readonly signal: AbortFlag | undefined;
}

/** A reply's value, and the buffers posted with it (moved to the page, not copied). */
type Result = readonly [value: unknown, transfer: Transferable[]];

function encode(engine: Engine, request: RunRequest & { type: 'encode'; }, { onProgress, signal }: RunOptions): Result {
  const input = request.isTensor ? tensorOf(request.input as TensorData) : request.input as never;
  const r = engine.encode(input, { preset: request.preset, size: request.size, onProgress, signal });
  const latent = tensorData(r.latent);
  const modelInput = tensorData(r.modelInput);
  const value = { height: r.height, width: r.width, tokens: r.tokens, latent, modelInput };
  return [value, [r.tokens.buffer, latent.data.buffer, modelInput.data.buffer]];
}

/** The decoder output as a tensor, or as an image when the request asks for one. */
function decode(engine: Engine, request: RunRequest & { type: 'decode'; }, { onProgress, signal }: RunOptions): Result {
  const t = engine.decode(request.grid, { onProgress, signal });
  if (request.image) {
    const image = tensorToImage(t, request.preset ?? 'taming');
    return [image, [image.data.buffer]];
  }
  const value = tensorData(t);
  return [value, [value.data.buffer]];
}
