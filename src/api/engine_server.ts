/**
 * The engine's side of a worker: loads the model the first message asks for, then
 * answers encode and decode requests one at a time, in order. Each request blocks this
 * worker while it computes (its thread pool may wait in Atomics.wait here, which a
 * page's main thread may not); the thread that asked only waits for the reply.
 */
import type { ParentChannel } from '../platform/platform.js';
import { tensorToImage } from '../image/presets.js';
import { Engine, type AbortFlag } from './engine.js';
import { errorData, tensorData, tensorOf, type Reply, type Request, type TensorData } from './protocol.js';

export function serveEngine(channel: ParentChannel): void {
  const post = (reply: Reply, transfer: Transferable[] = []) => channel.post(reply, transfer);
  let engine: Engine | undefined;
  let signal: AbortFlag | undefined;

  channel.onMessage(async (message) => {
    const request = message as Request;
    if (request.type === 'load') {
      if (request.abortFlag !== undefined) {
        const flag = new Int32Array(request.abortFlag);
        signal = { get aborted() { return Atomics.load(flag, 0) !== 0; } };
      }
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
      if (request.type === 'encode') {
        const input = request.isTensor ? tensorOf(request.input as TensorData) : request.input as never;
        const r = engine.encode(input, { preset: request.preset, size: request.size, onProgress, signal });
        const latent = tensorData(r.latent);
        const modelInput = tensorData(r.modelInput);
        const value = { height: r.height, width: r.width, tokens: r.tokens, latent, modelInput };
        post({ type: 'result', id, value }, [r.tokens.buffer, latent.data.buffer, modelInput.data.buffer]);
      } else {
        const t = engine.decode(request.grid, { onProgress, signal });
        if (request.image) {
          const image = tensorToImage(t, request.preset ?? 'taming');
          post({ type: 'result', id, value: image }, [image.data.buffer]);
        } else {
          const value = tensorData(t);
          post({ type: 'result', id, value }, [value.data.buffer]);
        }
      }
    } catch (err) {
      post({ type: 'error', id, error: errorData(err) });
    }
  });
}
