/** The thread pool's worker in Node and Deno (started by src/platform/node/workers.ts). */
import { nodeWorkers } from '../platform/node/workers.js';
import { servePool } from './pool_worker.js';

servePool(await nodeWorkers.parentChannel());
