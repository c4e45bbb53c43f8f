/**
 * Workers in Node (worker_threads, unreferenced so that they never keep the process
 * alive) and Deno (module Web Workers): the package's worker entry points for this
 * platform, src/entries/*_worker_node.ts, loaded from beside this file.
 */
import { availableParallelism } from 'node:os';
import { Worker as NodeWorker, parentPort } from 'node:worker_threads';
import { runtime } from '../runtime.js';
import type { ParentChannel, WorkerHandle, WorkerKind, Workers } from '../platform.js';
import { queuedChannel, selfChannel, webWorkerHandle } from '../web_worker.js';

const entryUrl = (kind: WorkerKind): URL => new URL(`../../entries/${kind}_worker_node.js`, import.meta.url);

function nodeWorkerHandle(kind: WorkerKind): WorkerHandle {
  const worker = new NodeWorker(entryUrl(kind));
  let onMessage: (message: unknown) => void = () => undefined;
  let onError: (error: Error) => void = () => undefined;
  let terminated = false;
  worker.on('message', (m) => onMessage(m));
  worker.on('error', (e) => onError(e));
  worker.on('exit', (code) => {
    if (!terminated) onError(new Error(`the ${kind} worker exited with code ${code}`));
  });
  // After the listeners: adding a 'message' listener refs the worker again.
  worker.unref();
  return {
    post: (m, transfer = []) => worker.postMessage(m, transfer as never),
    onMessage: (f) => void (onMessage = f),
    onError: (f) => void (onError = f),
    keepAlive: (on) => (on ? worker.ref() : worker.unref()),
    terminate: () => {
      terminated = true;
      void worker.terminate();
    },
  };
}

export const nodeWorkers: Workers = {
  available: true,
  availableCores: async () => (runtime === 'node' ? availableParallelism() : navigator.hardwareConcurrency || 1),
  async start(kind) {
    if (runtime === 'node') return nodeWorkerHandle(kind);
    return webWorkerHandle(new Worker(entryUrl(kind), { type: 'module' }), `the ${kind} worker`);
  },
  async parentChannel(): Promise<ParentChannel> {
    if (runtime !== 'node') return selfChannel();
    const port = parentPort;
    if (port === null) throw new Error('not running in a worker');
    return queuedChannel((deliver) => port.on('message', deliver), (m, t) => port.postMessage(m, (t ?? []) as never));
  },
};
