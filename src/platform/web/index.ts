/** The browser platform: no file paths, workers from bundled sources. */
import type { Platform } from '../platform.js';
import { webFiles } from './files.js';
import { webWorkers, type WorkerSources } from './workers.js';

export function webPlatform(workerSources: WorkerSources): Platform {
  return { name: 'web', files: webFiles, workers: webWorkers(workerSources) };
}
