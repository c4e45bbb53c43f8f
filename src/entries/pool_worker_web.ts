/** The thread pool's worker in browsers: bundled into one module by ./build_worker_sources.mjs. */
import { selfChannel } from '../platform/web_worker.js';
import { servePool } from './pool_worker.js';

servePool(selfChannel());
