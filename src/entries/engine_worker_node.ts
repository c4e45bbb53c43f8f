/** The engine's worker in Node and Deno (started by src/platform/node/workers.ts). */
import './install_node.js';
import { nodeWorkers } from '../platform/node/workers.js';
import { serveEngine } from '../api/engine_server.js';

serveEngine(await nodeWorkers.parentChannel());
