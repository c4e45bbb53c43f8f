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

export async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new VqganError('NOT_FOUND', `${url}: request failed (${(err as Error).message})`);
  }
  if (!response.ok) {
    throw new VqganError('NOT_FOUND', `${url}: HTTP ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** The folder part of a path or URL ('' for a bare name), without the trailing separator. */
export function dirnameOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '' : path.slice(0, cut);
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
