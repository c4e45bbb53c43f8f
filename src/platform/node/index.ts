/** The Node/Deno platform: files through `node:fs`, workers through worker_threads (Node) or Web Workers (Deno). */
import type { Platform } from '../platform.js';
import { nodeFiles } from './files.js';
import { nodeWorkers } from './workers.js';

export const nodePlatform: Platform = { name: 'node', files: nodeFiles, workers: nodeWorkers };
