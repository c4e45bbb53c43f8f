/** Browsers have no file paths: reads of a path say so; lookups find nothing. */
import { VqganError } from '../../core/errors.js';
import type { Files } from '../platform.js';

const noPaths = (path: string): never => {
  throw new VqganError('UNSUPPORTED', `${path}: file paths need Node or Deno; in a browser pass a URL, Blob or bytes`);
};

export const webFiles: Files = {
  available: false,
  resolve: (location) => (/^\.{0,2}\//.test(location) && globalThis.location !== undefined ? new URL(location, globalThis.location.href).href : location),
  openFile: async (path) => noPaths(path),
  readFileBytes: async (path) => noPaths(path),
  readTextIfExists: async () => undefined,
  readBytesIfExists: async () => undefined,
  writeFileAtomic: async (path) => noPaths(path),
  isFolder: async () => false,
  listFiles: async (dir) => noPaths(dir),
  appendToFile: async (path) => noPaths(path),
  truncateFile: async (path) => noPaths(path),
  statPath: async () => undefined,
  makeFolder: async (path) => noPaths(path),
  renameFile: async (_from, to) => noPaths(to),
  removeFile: async (path) => noPaths(path),
  openForWriting: async (path) => noPaths(path),
  fileChunks: async function* (path) {
    noPaths(path);
  },
  homeDir: async () => undefined,
  sha256Hasher: async () => {
    throw new VqganError('UNSUPPORTED', 'streaming SHA-256 needs Node or Deno');
  },
};
