/** Imported first by everything that runs in Node or Deno: the package entry, the CLI, the workers, the tests. */
import { installPlatform } from '../platform/platform.js';
import { nodePlatform } from '../platform/node/index.js';

installPlatform(nodePlatform);
