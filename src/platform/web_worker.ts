/** A module Web Worker (browsers, Deno) as a WorkerHandle, and a worker's own channel to its parent. */
import type { ParentChannel, WorkerHandle } from './platform.js';

export function webWorkerHandle(worker: Worker, label: string): WorkerHandle {
  let onMessage: (message: unknown) => void = () => undefined;
  let onError: (error: Error) => void = () => undefined;
  worker.addEventListener('message', (e) => onMessage(e.data));
  worker.addEventListener('messageerror', () => onError(new Error(`${label}: a message could not be read`)));
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    onError(new Error(`${label}: ${e.message ?? 'failed to load or threw (see the console)'}`));
  });
  return {
    post: (m, transfer = []) => worker.postMessage(m, transfer),
    onMessage: (f) => void (onMessage = f),
    onError: (f) => void (onError = f),
    keepAlive: () => undefined,
    terminate: () => worker.terminate(),
  };
}

/** Inside a Web Worker. Messages that arrive before a listener is set are kept for it. */
export function selfChannel(): ParentChannel {
  const scope = globalThis as unknown as {
    postMessage(m: unknown, transfer: Transferable[]): void;
    addEventListener(t: 'message', f: (e: MessageEvent) => void): void;
  };
  return queuedChannel(
    (deliver) => scope.addEventListener('message', (e) => deliver(e.data)),
    (m, t) => scope.postMessage(m, t ?? []),
  );
}

/** A channel whose messages wait in a queue until the first listener is set. */
export function queuedChannel(
  subscribe: (deliver: (message: unknown) => void) => void,
  post: (message: unknown, transfer?: Transferable[]) => void,
): ParentChannel {
  const queue: unknown[] = [];
  let listener: ((message: unknown) => void) | undefined;
  subscribe((message) => (listener === undefined ? queue.push(message) : listener(message)));
  return {
    post,
    onMessage(f) {
      listener = f;
      for (const m of queue.splice(0)) f(m);
    },
  };
}
