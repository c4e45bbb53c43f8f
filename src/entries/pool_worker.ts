/**
 * A worker thread of the thread pool: instantiates the kernels module it is sent over
 * the shared memory, says it is ready, then serves jobs until the pool stops it.
 */
import type { ParentChannel } from '../platform/platform.js';
import { instantiateKernelModule } from '../compute/wasm/kernels.js';
import { serveJobs, type WorkerStart } from '../compute/wasm/thread_pool.js';

export function servePool(channel: ParentChannel): void {
  channel.onMessage(async (message) => {
    const start = message as WorkerStart;
    let kernels;
    try {
      kernels = await instantiateKernelModule(start.module, start.memory);
    } catch (err) {
      channel.post({ error: `worker ${start.thread}: ${(err as Error).message}` });
      return;
    }
    channel.post({ ready: start.thread });
    serveJobs(kernels, start.control, start.thread);
  });
}
