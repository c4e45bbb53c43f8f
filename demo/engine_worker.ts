/**
 * The demo's engine, in a dedicated module worker: it loads the model, encodes images and
 * decodes their tokens, off the page's main thread (so the page stays responsive, and the
 * engine's thread pool may block in Atomics.wait). It answers the page's requests
 * (demo/protocol.ts) with progress messages and then a result or an error.
 */
import { Vqgan } from '../src/api.js';
import { tensorToImage } from '../src/image/presets.js';
import { tokensToJson } from '../src/io/token_file.js';
import type { Reply, Request, RunResult } from './protocol.js';

interface WorkerScope {
  postMessage(message: Reply, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<Request>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

function post(message: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Byte counts arrive per network chunk: pass on at most one every this many ms, and the last. */
const LOAD_PROGRESS_MS = 50;

/** The model of the latest load request; a run waits for it. */
let model: Promise<Vqgan> | undefined;
/** The latest run request: an older one still waiting is skipped. */
let latestRun = 0;

async function load(weights: File | string, threads: number): Promise<Vqgan> {
  const start = performance.now();
  let lastPost = -Infinity;
  let building = false;
  const vq = await Vqgan.load(weights, {
    threads,
    onProgress: (loaded, total) => {
      const now = performance.now();
      if (loaded === total || now - lastPost >= LOAD_PROGRESS_MS) {
        lastPost = now;
        post({ type: 'load-progress', loaded, total });
      }
      if (loaded === total && !building) {
        building = true;
        post({ type: 'building' });
      }
    },
  });
  post({
    type: 'loaded',
    info: {
      threads: vq.threads,
      backend: vq.backend,
      loadMs: performance.now() - start,
      codes: vq.config.n_embed,
      channels: vq.config.ch,
      factor: vq.factor,
    },
  });
  return vq;
}

function startLoad(weights: File | string, threads: number): void {
  const previous = model;
  model = load(weights, threads);
  model.catch((err: unknown) => post({ type: 'error', message: messageOf(err) }));
  previous?.then((vq) => vq.dispose(), () => undefined);
}

/** The model once the latest load is done (a load requested meanwhile is waited for too). */
async function currentModel(): Promise<Vqgan> {
  for (;;) {
    const pending = model;
    if (pending === undefined) throw new Error('no weights loaded: pick a weights file or give a URL first');
    const vq = await pending;
    if (pending === model) return vq;
  }
}

async function run(request: Extract<Request, { type: 'run' }>): Promise<void> {
  const { id, image, preset, size } = request;
  let vq: Vqgan;
  try {
    vq = await currentModel();
  } catch (err) {
    // A failed load has reported its error already.
    if (model !== undefined) return;
    post({ type: 'error', id, message: messageOf(err) });
    return;
  }
  if (id !== latestRun) return;
  try {
    const t0 = performance.now();
    const encoded = vq.encode(image, { preset, size, onProgress: (fraction) => post({ type: 'run-progress', id, stage: 'encode', fraction }) });
    const t1 = performance.now();
    const reconstruction = vq.decodeImage(encoded, { preset, onProgress: (fraction) => post({ type: 'run-progress', id, stage: 'decode', fraction }) });
    const t2 = performance.now();
    const result: RunResult = {
      id,
      height: encoded.height,
      width: encoded.width,
      tokens: encoded.tokens,
      tokensJson: tokensToJson(encoded),
      input: tensorToImage(encoded.modelInput, preset),
      reconstruction,
      encodeMs: t1 - t0,
      decodeMs: t2 - t1,
    };
    post({ type: 'result', result }, [result.tokens.buffer, result.input.data.buffer, reconstruction.data.buffer]);
  } catch (err) {
    post({ type: 'error', id, message: messageOf(err) });
  }
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  if (request.type === 'load') {
    startLoad(request.weights, request.threads);
  } else {
    latestRun = request.id;
    void run(request);
  }
});
