/**
 * What differs between Node/Deno and browsers, as one object chosen once by the package
 * entry point (src/entries/): `node.js` installs the Node/Deno platform, `browser.js` the
 * web one. Code below the entry points calls `platform()` and never imports `node:`
 * modules itself, so nothing Node-only is reachable from a browser bundle.
 */
import { VqganError } from '../core/errors.js';
import type { ByteSource } from './byte_source.js';

/** Files and folders (Node, Deno); the web version refuses paths with a clear error. */
export interface Files {
  /** Whether paths can be read at all. */
  readonly available: boolean;
  /**
   * Browsers: a relative URL ('/m.ckpt', './m.ckpt', '../m.ckpt') made absolute against
   * the page, before it goes to the engine's worker, which has no page address. Node and
   * Deno: the path as it is.
   */
  resolve(location: string): string;
  openFile(path: string): Promise<ByteSource>;
  readFileBytes(path: string): Promise<Uint8Array>;
  /** The text of a file, or undefined when it does not exist (always, without files). */
  readTextIfExists(path: string): Promise<string | undefined>;
  /** The bytes of a file, or undefined when it does not exist. */
  readBytesIfExists(path: string): Promise<Uint8Array | undefined>;
  /** Through a temporary name renamed into place: never a half-written file at `path`. */
  writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void>;
  /** Whether `path` is a folder (links followed); anything else, a missing path included, is false. */
  isFolder(path: string): Promise<boolean>;
  /** The names of the files in a folder, links to files included, subfolders not; in no set order. */
  listFiles(dir: string): Promise<string[]>;
  appendToFile(path: string, text: string): Promise<void>;
  /** Cuts a file down to its first `length` bytes. */
  truncateFile(path: string, length: number): Promise<void>;
  /** What is at `path` (links followed), or undefined when nothing is there (always, without files). */
  statPath(path: string): Promise<{ isFile: boolean; size: number; } | undefined>;
  makeFolder(path: string): Promise<void>;
  renameFile(from: string, to: string): Promise<void>;
  /** Deletes a file; a missing one is no error. */
  removeFile(path: string): Promise<void>;
  /** A file written in order from its end (`append`) or from empty. */
  openForWriting(
    path: string,
    append: boolean,
  ): Promise<{ write(bytes: Uint8Array): Promise<void>; close(): Promise<void>; }>;
  /** A file's bytes in chunks; each chunk is valid until the next is asked for. */
  fileChunks(path: string): AsyncGenerator<Uint8Array>;
  /** The user's home folder; undefined without files. */
  homeDir(): Promise<string | undefined>;
  /** A streaming SHA-256, its digest in lowercase hex. */
  sha256Hasher(): Promise<{ update(bytes: Uint8Array): void; hex(): string; }>;
}

/** The workers this package starts: the thread pool's and the engine's (src/entries/). */
export type WorkerKind = 'pool' | 'engine';

/** A started worker, the same in every runtime. */
export interface WorkerHandle {
  post(message: unknown, transfer?: Transferable[]): void;
  /** Every message after start; replaces the previous listener. */
  onMessage(listener: (message: unknown) => void): void;
  /** The worker failed to start or threw outside any request; replaces the previous listener. */
  onError(listener: (error: Error) => void): void;
  /** Node: whether the worker keeps the process alive (while a request waits on it); elsewhere nothing. */
  keepAlive(on: boolean): void;
  terminate(): void;
}

/** Inside a worker: messages from the thread that started it, and a way to answer. */
export interface ParentChannel {
  onMessage(listener: (message: unknown) => void): void;
  post(message: unknown, transfer?: Transferable[]): void;
}

export interface Workers {
  /** Whether this runtime can start workers at all. */
  readonly available: boolean;
  /** Cores this process may use: the default thread count. */
  availableCores(): Promise<number>;
  /** Starts one of the package's workers (Node: unreferenced, so it never keeps the process alive). */
  start(kind: WorkerKind): Promise<WorkerHandle>;
  /** Inside a worker started by `start`: the channel to its parent. */
  parentChannel(): Promise<ParentChannel>;
}

export interface Platform {
  readonly name: 'node' | 'web';
  readonly files: Files;
  readonly workers: Workers;
}

let installed: Platform | undefined;

/** Called once by an entry point, before anything else runs. */
export function installPlatform(p: Platform): void {
  installed = p;
}

export function platform(): Platform {
  if (installed === undefined) {
    throw new VqganError(
      'UNSUPPORTED',
      'vqgan-wasm: no platform installed; import the package (\'vqgan-wasm\'), not a file inside it',
    );
  }
  return installed;
}
