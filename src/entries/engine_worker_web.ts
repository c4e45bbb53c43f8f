/**
 * The engine's worker in browsers: bundled into one module by ./build_worker_sources.mjs,
 * with the pool's worker inside it as text, for the thread pool it starts.
 */
import { installPlatform } from '../platform/platform.js';
import { webPlatform } from '../platform/web/index.js';
import { selfChannel } from '../platform/web_worker.js';
import { serveEngine } from '../api/engine_server.js';
import { POOL_WORKER_SOURCE } from './pool_worker_web.generated.js';

installPlatform(webPlatform({ pool: POOL_WORKER_SOURCE }));
serveEngine(selfChannel());
