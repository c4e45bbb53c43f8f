/**
 * Imported first by everything that runs on a page's main thread: the package's browser
 * entry, and the demo and test pages that load the modules unbundled. The workers come as
 * bundled text (./build_worker_sources.mjs), so an app copies no file.
 */
import { installPlatform } from '../platform/platform.js';
import { webPlatform } from '../platform/web/index.js';
import { ENGINE_WORKER_SOURCE } from './engine_worker_web.generated.js';
import { POOL_WORKER_SOURCE } from './pool_worker_web.generated.js';

installPlatform(webPlatform({ engine: ENGINE_WORKER_SOURCE, pool: POOL_WORKER_SOURCE }));
