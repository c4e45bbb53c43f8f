/**
 * A worker thread of the thread pool: instantiates its own copy of the kernels over the
 * shared memory, says it is ready, then serves jobs until the pool stops it.
 */
import { parentChannel } from '../env.js';
import { instantiateKernels } from './kernels.js';
import { serveJobs, type WorkerStart } from './thread_pool.js';

const channel = await parentChannel();
const start = (await channel.first) as WorkerStart;
let kernels;
try {
  kernels = await instantiateKernels(start.memory);
} catch (err) {
  channel.post({ error: `worker ${start.thread}: ${(err as Error).message}` });
  throw err;
}
channel.post({ ready: start.thread });
serveJobs(kernels, start.control, start.thread);
