/**
 * Workers in browsers. The worker entry points are bundled at build time into one
 * self-contained module each (scripts/build_worker_sources.mjs) and started from a
 * Blob URL: no relative imports and no file to copy, so they survive any bundler (Vite,
 * esbuild, webpack) and an unbundled page alike.
 */
import type { WorkerKind, Workers } from '../platform.js';
import { selfChannel, webWorkerHandle } from '../web_worker.js';

/** The bundled source of each worker this thread may start. */
export type WorkerSources = Partial<Record<WorkerKind, string>>;

export function webWorkers(sources: WorkerSources): Workers {
  const urls = new Map<WorkerKind, string>();
  return {
    available: typeof Worker === 'function',
    availableCores: async () => (typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1),
    async start(kind) {
      const source = sources[kind];
      if (source === undefined) throw new Error(`no ${kind} worker is bundled for this thread`);
      let url = urls.get(kind);
      if (url === undefined) {
        url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
        urls.set(kind, url);
      }
      return webWorkerHandle(new Worker(url, { type: 'module', name: `vqgan-${kind}` }), `the ${kind} worker`);
    },
    parentChannel: async () => selfChannel(),
  };
}
