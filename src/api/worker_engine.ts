/**
 * The calling side of an engine in a worker: it starts the worker, loads the model
 * there, and sends it one request at a time (the engine computes one at a time anyway),
 * turning replies into settled promises and progress messages into callbacks.
 *
 * Abort: where memory can be shared, the request's abort sets a shared flag that the
 * engine reads before each op; the engine stops, releases what the request held, and
 * stays loaded. Elsewhere (a page without cross-origin isolation) the busy worker cannot
 * hear anything, so it is ended, and the next request starts a new one and loads the
 * model again.
 */
import { VqganError } from '../core/errors.js';
import { platform, type WorkerHandle } from '../platform/platform.js';
import { canShareMemory } from '../platform/runtime.js';
import type { WeightsInput } from '../weights/load.js';
import { abortError, type AbortFlag, type LoadOptions } from './engine.js';
import { errorFrom, type EngineInfo, type LoadRequest, type Reply, type RunRequest } from './protocol.js';

interface Pending {
  readonly id: number;
  resolve(value: unknown): void;
  reject(err: Error): void;
  readonly onProgress: ((fraction: number) => void) | undefined;
}

/** What the caller passes with each request. */
export interface RequestHooks {
  readonly onProgress?: (fraction: number) => void;
  readonly signal?: AbortSignal | AbortFlag;
}

const onAbort = (signal: RequestHooks['signal'], f: () => void): () => void => {
  const s = signal as AbortSignal | undefined;
  if (typeof s?.addEventListener !== 'function') return () => undefined;
  s.addEventListener('abort', f, { once: true });
  return () => s.removeEventListener('abort', f);
};

export class WorkerEngine {
  private worker: WorkerHandle | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  /** The previous request, settled: requests go to the worker one after another. */
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;

  private constructor(
    private readonly load: Omit<LoadRequest, 'progress'>,
    readonly info: EngineInfo,
    worker: WorkerHandle,
  ) {
    this.attach(worker);
  }

  /** A worker with the model loaded; on any failure nothing is left running. */
  static async start(weights: WeightsInput, options: LoadOptions): Promise<WorkerEngine> {
    const { onProgress, signal, worker: _worker, ...rest } = options;
    const load: Omit<LoadRequest, 'progress'> = {
      type: 'load',
      weights: weights instanceof URL ? weights.href : weights,
      options: rest,
      abortFlag: canShareMemory() ? new SharedArrayBuffer(4) : undefined,
    };
    const { worker, info } = await startLoaded(load, onProgress, signal);
    return new WorkerEngine(load, info, worker);
  }

  /** Sends `request` after the ones before it have settled. */
  run(request: RunRequest, hooks: RequestHooks, what: string): Promise<unknown> {
    const job = this.tail.then(() => this.send(request, hooks, what));
    this.tail = job.catch(() => undefined);
    return job;
  }

  /** Ends the worker (and its thread pool); pending requests reject. */
  dispose(): void {
    this.disposed = true;
    this.stop(new VqganError('BAD_ARGUMENT', 'the model was disposed'));
  }

  private async send(request: RunRequest, hooks: RequestHooks, what: string): Promise<unknown> {
    if (this.disposed) throw new VqganError('BAD_ARGUMENT', `${what}: the model was disposed`);
    if (hooks.signal?.aborted === true) throw abortError(what);
    if (this.worker === undefined) this.attach((await startLoaded(this.load, undefined, hooks.signal)).worker);
    const worker = this.worker!;
    const flag = this.load.abortFlag === undefined ? undefined : new Int32Array(this.load.abortFlag);
    if (flag !== undefined) Atomics.store(flag, 0, 0);
    const id = this.nextId++;
    const result = new Promise<unknown>((resolve, reject) => {
      this.pending = { id, resolve, reject, onProgress: hooks.onProgress };
    });
    const stopListening = onAbort(hooks.signal, () => {
      if (flag !== undefined) Atomics.store(flag, 0, 1); // the engine stops before its next op and replies ABORTED
      else this.stop(abortError(what)); // nothing can reach a busy worker: end it
    });
    try {
      worker.keepAlive(true);
      worker.post({ ...request, id, progress: hooks.onProgress !== undefined });
    } catch (err) {
      this.settle(
        id,
        new VqganError(
          'BAD_ARGUMENT',
          `${what}: cannot pass the input to the engine's worker (${(err as Error).message})`,
        ),
      );
    }
    try {
      return await result;
    } finally {
      stopListening();
      this.worker?.keepAlive(false);
    }
  }

  private attach(worker: WorkerHandle): void {
    this.worker = worker;
    worker.keepAlive(false);
    worker.onError((err) => this.stop(new VqganError('WORKER_FAILED', `the engine's worker failed: ${err.message}`)));
    worker.onMessage((message) => {
      const reply = message as Reply;
      const p = this.pending;
      if (p === undefined || !('id' in reply) || reply.id !== p.id) return;
      if (reply.type === 'progress') p.onProgress?.(reply.fraction);
      else if (reply.type === 'result') this.settle(p.id, undefined, reply.value);
      else if (reply.type === 'error') this.settle(p.id, errorFrom(reply.error));
    });
  }

  private settle(id: number, err: Error | undefined, value?: unknown): void {
    const p = this.pending;
    if (p === undefined || p.id !== id) return;
    this.pending = undefined;
    if (err === undefined) p.resolve(value);
    else p.reject(err);
  }

  /** Ends the worker; the pending request rejects with `err`; a later request starts a new worker. */
  private stop(err: Error): void {
    this.worker?.terminate();
    this.worker = undefined;
    if (this.pending !== undefined) this.settle(this.pending.id, err);
  }
}

/** Starts an engine worker and loads the model in it; rejects (with the worker ended) on any failure or abort. */
async function startLoaded(
  load: Omit<LoadRequest, 'progress'>,
  onProgress: LoadOptions['onProgress'],
  signal: RequestHooks['signal'],
): Promise<{ worker: WorkerHandle; info: EngineInfo; }> {
  if (signal?.aborted === true) throw abortError('loading the model');
  let worker: WorkerHandle;
  try {
    worker = await platform().workers.start('engine');
  } catch (err) {
    throw new VqganError('WORKER_FAILED', `cannot start the engine's worker: ${(err as Error).message}`);
  }
  let stopListening = () => undefined as void;
  try {
    return await new Promise<{ worker: WorkerHandle; info: EngineInfo; }>((resolve, reject) => {
      stopListening = onAbort(signal, () => reject(abortError('loading the model')));
      worker.onError((err) => reject(new VqganError('WORKER_FAILED', `the engine's worker failed: ${err.message}`)));
      worker.onMessage((message) => {
        const reply = message as Reply;
        if (reply.type === 'load-progress') onProgress?.(reply.loaded, reply.total);
        else if (reply.type === 'loaded') resolve({ worker, info: reply.info });
        else if (reply.type === 'error') reject(errorFrom(reply.error));
      });
      worker.keepAlive(true);
      try {
        worker.post({ ...load, progress: onProgress !== undefined } satisfies LoadRequest);
      } catch (err) {
        reject(
          new VqganError('BAD_ARGUMENT', `cannot pass the weights to the engine's worker (${(err as Error).message})`),
        );
      }
    });
  } catch (err) {
    worker.terminate();
    throw err;
  } finally {
    stopListening();
    worker.keepAlive(false);
  }
}
