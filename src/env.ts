/**
 * Everything that differs between Node, Deno and browsers lives here: file access,
 * fetching, and the byte sources the loaders read from. Node and Deno share the
 * `node:fs` path (Deno implements it); browsers get URLs, Blobs and buffers only.
 */
import { VqganError } from './errors.js';

/** Random-access bytes: the loaders read only the ranges they need. */
export interface ByteSource {
  /** File path, URL or a label, for error messages. */
  readonly name: string;
  readonly size: number;
  /** Total bytes handed out by read(), to show what a loader touched. */
  readonly bytesRead: number;
  /** Exactly `length` bytes at `offset`; a read past the end is a BAD_FORMAT error. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

type NodeFs = typeof import('node:fs/promises');

export const hasFileSystem: boolean =
  typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined' ||
  (typeof process !== 'undefined' && typeof process.versions?.node === 'string');

let fsPromise: Promise<NodeFs> | undefined;
async function fs(): Promise<NodeFs> {
  if (!hasFileSystem) {
    throw new VqganError('UNSUPPORTED', 'file paths need Node or Deno; in a browser pass a URL, Blob or bytes');
  }
  fsPromise ??= import('node:fs/promises');
  return fsPromise;
}

function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new VqganError(
      'BAD_FORMAT',
      `${name}: read of ${length} bytes at offset ${offset} is outside the file (${size} bytes); is it truncated?`,
    );
  }
}

abstract class CountingSource implements ByteSource {
  bytesRead = 0;
  constructor(readonly name: string, readonly size: number) {}
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, this.size, offset, length);
    const bytes = await this.readRange(offset, length);
    this.bytesRead += length;
    return bytes;
  }
  protected abstract readRange(offset: number, length: number): Promise<Uint8Array>;
  async close(): Promise<void> {}
}

class MemorySource extends CountingSource {
  constructor(name: string, private readonly bytes: Uint8Array) {
    super(name, bytes.length);
  }
  protected async readRange(offset: number, length: number): Promise<Uint8Array> {
    return this.bytes.subarray(offset, offset + length);
  }
}

class BlobSource extends CountingSource {
  constructor(name: string, private readonly blob: Blob) {
    super(name, blob.size);
  }
  protected async readRange(offset: number, length: number): Promise<Uint8Array> {
    return new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
  }
}

class FileSource extends CountingSource {
  constructor(name: string, size: number, private readonly handle: import('node:fs/promises').FileHandle) {
    super(name, size);
  }
  protected async readRange(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new VqganError('BAD_FORMAT', `${this.name}: file ended early at byte ${offset + done}`);
      }
      done += bytesRead;
    }
    return out;
  }
  override async close(): Promise<void> {
    await this.handle.close();
  }
}

export function memorySource(bytes: Uint8Array, name = '<bytes>'): ByteSource {
  return new MemorySource(name, bytes);
}

export function blobSource(blob: Blob, name = '<blob>'): ByteSource {
  return new BlobSource(name, blob);
}

function describeFsError(path: string, err: unknown): VqganError {
  const code = (err as { code?: string }).code;
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message ?? err);
  return new VqganError('NOT_FOUND', `${path}: cannot read (${why})`);
}

export async function openFile(path: string): Promise<ByteSource> {
  const f = await fs();
  let handle;
  try {
    handle = await f.open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: stat.isDirectory() ? 'EISDIR' : undefined });
    return new FileSource(path, stat.size, handle);
  } catch (err) {
    await handle?.close();
    throw describeFsError(path, err);
  }
}

export async function readFileBytes(path: string): Promise<Uint8Array> {
  const f = await fs();
  try {
    const stat = await f.stat(path);
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: stat.isDirectory() ? 'EISDIR' : undefined });
    return new Uint8Array(await f.readFile(path));
  } catch (err) {
    throw describeFsError(path, err);
  }
}

/** The text of a file, or undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  if (!hasFileSystem) return undefined;
  const f = await fs();
  try {
    return await f.readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw describeFsError(path, err);
  }
}

/**
 * Writes through a temporary name in the same folder and renames it into place, so a
 * failure never leaves a half-written file at `path`.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const f = await fs();
  const tmp = `${path}.tmp-${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
  try {
    await f.writeFile(tmp, bytes);
    await f.rename(tmp, path);
  } catch (err) {
    await f.rm(tmp, { force: true }).catch(() => undefined);
    throw new VqganError('NOT_FOUND', `${path}: cannot write (${(err as Error).message})`);
  }
}

/**
 * The body of `url`. With `onProgress`, it is read as a stream and each chunk reported:
 * bytes so far, of the Content-Length (undefined when there is none, or when the body
 * is compressed in transit and so longer than it says); the last call has both equal.
 */
export async function fetchBytes(url: string, onProgress?: (received: number, total: number | undefined) => void): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${url}: request failed (${(err as Error).message})`);
  }
  if (!response.ok) {
    throw new VqganError('NOT_FOUND', `${url}: HTTP ${response.status} ${response.statusText}`);
  }
  try {
    if (onProgress === undefined || response.body === null) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    }
    return await readStream(response, onProgress);
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${url}: download failed (${(err as Error).message})`);
  }
}

async function readStream(response: Response, onProgress: (received: number, total: number | undefined) => void): Promise<Uint8Array> {
  const length = Number(response.headers.get('Content-Length') ?? NaN);
  const encoding = response.headers.get('Content-Encoding');
  let total = Number.isSafeInteger(length) && length >= 0 && (encoding === null || encoding === 'identity') ? length : undefined;
  // One buffer of the announced size, so a large file is not held twice.
  let buffer = new Uint8Array(total ?? 1 << 20);
  let received = 0;
  onProgress(0, total);
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > buffer.length) {
      total = undefined; // longer than announced
      const grown = new Uint8Array(Math.max(2 * buffer.length, received + value.length));
      grown.set(buffer.subarray(0, received));
      buffer = grown;
    }
    buffer.set(value, received);
    received += value.length;
    onProgress(received, total);
  }
  if (total !== received) onProgress(received, received);
  return received === buffer.length ? buffer : buffer.slice(0, received);
}

/** The folder part of a path or URL ('' for a bare name), without the trailing separator. */
export function dirnameOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '' : path.slice(0, cut);
}

/** The last part of a path or URL. */
export function basenameOf(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** "Node 20.1.0", "Deno 2.0.0" or the browser's user agent, for benchmark reports. */
export function runtimeName(): string {
  const deno = (globalThis as { Deno?: { version?: { deno?: string } } }).Deno;
  if (deno?.version?.deno !== undefined) return `Deno ${deno.version.deno}`;
  if (typeof process !== 'undefined' && typeof process.versions?.node === 'string') return `Node ${process.versions.node}`;
  return typeof navigator !== 'undefined' ? navigator.userAgent : 'unknown runtime';
}

export function isUrl(text: string): boolean {
  return /^(https?|file|blob|data):/i.test(text);
}

// ---- Threads: cores, workers and blocking waits ----

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
const isNode = !isDeno && typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Cores this process may use: the default thread count. */
export async function availableCores(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return os.availableParallelism();
  }
  return typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
}

/**
 * Whether a WebAssembly memory can be shared with workers: browsers allow it only on
 * cross-origin isolated pages (served with COOP and COEP headers).
 */
export function canShareMemory(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object' && isolated !== false;
}

/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** A started worker, the same in every runtime. */
export interface WorkerHandle {
  post(message: unknown): void;
  /** Resolves with the worker's first message; rejects if it fails to start. */
  readonly firstMessage: Promise<unknown>;
  terminate(): void;
}

/**
 * Starts the module at `url` as a worker: worker_threads in Node (unreferenced, so it
 * never keeps the process alive), a module Web Worker in Deno and browsers.
 */
export async function startWorker(url: URL): Promise<WorkerHandle> {
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(url);
    worker.unref();
    const firstMessage = new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker ${url.pathname} exited with code ${code}`)));
    });
    return { post: (m) => worker.postMessage(m), firstMessage, terminate: () => void worker.terminate() };
  }
  const worker = new Worker(url, { type: 'module' });
  const firstMessage = new Promise<unknown>((resolve, reject) => {
    worker.addEventListener('message', (e) => resolve(e.data), { once: true });
    worker.addEventListener('error', (e) => reject(new Error(`worker ${url.pathname}: ${e.message}`)), { once: true });
  });
  return { post: (m) => worker.postMessage(m), firstMessage, terminate: () => worker.terminate() };
}

/** Inside a worker: the first message from the thread that started it, and a way to answer. */
export async function parentChannel(): Promise<{ first: Promise<unknown>; post(message: unknown): void }> {
  if (isNode) {
    const { parentPort } = await import('node:worker_threads');
    if (parentPort === null) throw new Error('not running in a worker');
    return { first: new Promise((resolve) => parentPort.once('message', resolve)), post: (m) => parentPort.postMessage(m) };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown): void; addEventListener(t: 'message', f: (e: MessageEvent) => void, o: object): void };
  return {
    first: new Promise((resolve) => scope.addEventListener('message', (e) => resolve(e.data), { once: true })),
    post: (m) => scope.postMessage(m),
  };
}

// ---- Folders and growing files: the CLI's batch encoding ----

/**
 * Whether `path` is a folder (links followed). Anything else, a missing path included,
 * is false: the caller then reads it as a file, and that read names the problem.
 */
export async function isFolder(path: string): Promise<boolean> {
  const f = await fs();
  return f.stat(path).then((s) => s.isDirectory(), () => false);
}

/** The names of the files in a folder, links to files included, subfolders not; in no set order. */
export async function listFiles(dir: string): Promise<string[]> {
  const f = await fs();
  try {
    const names: string[] = [];
    for (const entry of await f.readdir(dir, { withFileTypes: true })) {
      const isFile = entry.isSymbolicLink() ? await f.stat(joinPath(dir, entry.name)).then((s) => s.isFile(), () => false) : entry.isFile();
      if (isFile) names.push(entry.name);
    }
    return names;
  } catch (err) {
    throw describeFsError(dir, err);
  }
}

/** The bytes of a file, or undefined when it does not exist. */
export async function readBytesIfExists(path: string): Promise<Uint8Array | undefined> {
  const f = await fs();
  try {
    return new Uint8Array(await f.readFile(path));
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw describeFsError(path, err);
  }
}

/** Adds `text` at the end of a file, creating it if needed. */
export async function appendToFile(path: string, text: string): Promise<void> {
  const f = await fs();
  try {
    await f.appendFile(path, text);
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${path}: cannot write (${(err as Error).message})`);
  }
}

/** Cuts a file down to its first `length` bytes. */
export async function truncateFile(path: string, length: number): Promise<void> {
  const f = await fs();
  try {
    await f.truncate(path, length);
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${path}: cannot write (${(err as Error).message})`);
  }
}

// ---- The hub's downloads (src/hub/): settings, a cache of files that grow, hashes ----

/** An environment variable ('' counts as unset); always undefined in browsers, and in Deno without env access (never a prompt). */
export function envVar(name: string): string | undefined {
  type DenoEnv = { env: { get(n: string): string | undefined }; permissions?: { querySync?(d: { name: 'env'; variable: string }): { state: string } } };
  try {
    const deno = (globalThis as { Deno?: DenoEnv }).Deno;
    if (deno !== undefined && deno.permissions?.querySync?.({ name: 'env', variable: name }).state !== 'granted') return undefined;
    const value = deno !== undefined ? deno.env.get(name) : typeof process !== 'undefined' ? process.env?.[name] : undefined;
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

/** The user's home folder (Node, Deno); undefined in browsers. */
export async function homeDir(): Promise<string | undefined> {
  return hasFileSystem ? (await import('node:os')).homedir() : undefined;
}

/** What is at `path` (links followed), or undefined when nothing is there, and always in browsers. */
export async function statPath(path: string): Promise<{ isFile: boolean; size: number } | undefined> {
  if (!hasFileSystem) return undefined;
  const f = await fs();
  return f.stat(path).then((s) => ({ isFile: s.isFile(), size: s.size }), () => undefined);
}

export async function makeFolder(path: string): Promise<void> {
  const f = await fs();
  await f.mkdir(path, { recursive: true }).catch((err: Error) => {
    throw new VqganError('NOT_FOUND', `${path}: cannot create the folder (${err.message})`);
  });
}

export async function renameFile(from: string, to: string): Promise<void> {
  const f = await fs();
  await f.rename(from, to).catch((err: Error) => {
    throw new VqganError('NOT_FOUND', `${to}: cannot write (${err.message})`);
  });
}

/** Deletes a file; a missing one is no error. */
export async function removeFile(path: string): Promise<void> {
  const f = await fs();
  await f.rm(path, { force: true });
}

/** A file written in order from its end (`append`) or from empty. */
export async function openForWriting(path: string, append: boolean): Promise<{ write(bytes: Uint8Array): Promise<void>; close(): Promise<void> }> {
  const f = await fs();
  const handle = await f.open(path, append ? 'a' : 'w').catch((err: Error) => {
    throw new VqganError('NOT_FOUND', `${path}: cannot write (${err.message})`);
  });
  return {
    write: async (bytes) => {
      for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
    },
    close: () => handle.close(),
  };
}

/** A file's bytes in chunks, for hashing a file too large to hold; each chunk is valid until the next is asked for. */
export async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const f = await fs();
  const handle = await f.open(path, 'r');
  try {
    const buffer = new Uint8Array(1 << 22);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** A streaming SHA-256 (node:crypto, in Node and Deno), its digest in lowercase hex. */
export async function sha256Hasher(): Promise<{ update(bytes: Uint8Array): void; hex(): string }> {
  const hash = (await import('node:crypto')).createHash('sha256');
  return { update: (bytes) => void hash.update(bytes), hex: () => hash.digest('hex') };
}

/**
 * Browsers: `url` through the Cache Storage (caches.open('vqgan-wasm')): the stored copy
 * when there is one (`cached`), else a download that is stored for next time. A 404 is
 * stored too, as the answer for a file the model does not have, and gives undefined.
 */
export async function fetchThroughCacheStorage(
  url: string, headers: Record<string, string>, label: string, onProgress?: (received: number, total: number | undefined) => void,
): Promise<{ bytes: Uint8Array; cached: boolean } | undefined> {
  // No Cache Storage outside secure contexts (https, localhost): then every load downloads.
  const cache = typeof caches === 'undefined' ? undefined : await caches.open('vqgan-wasm');
  const stored = await cache?.match(url);
  if (stored !== undefined) return stored.status === 404 ? undefined : { bytes: new Uint8Array(await stored.arrayBuffer()), cached: true };
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${label}: request to ${url} failed (${(err as Error).message})`);
  }
  if (response.status === 404) {
    await cache?.put(url, new Response(null, { status: 404 }));
    return undefined;
  }
  if (!response.ok) throw new VqganError('NOT_FOUND', `${label}: HTTP ${response.status} ${response.statusText} from ${url}`);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = (onProgress !== undefined && response.body !== null ? await readStream(response, onProgress) : new Uint8Array(await response.arrayBuffer())) as Uint8Array<ArrayBuffer>;
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${label}: download from ${url} failed (${(err as Error).message})`);
  }
  await cache?.put(url, new Response(bytes));
  return { bytes, cached: false };
}
