/** Files and folders in Node and Deno (Deno implements `node:fs`). */
import * as fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { VqganError } from '../../core/errors.js';
import { CountingSource, type ByteSource } from '../byte_source.js';
import { joinPath } from '../paths.js';
import type { Files } from '../platform.js';

class FileSource extends CountingSource {
  constructor(name: string, size: number, private readonly handle: fs.FileHandle) {
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

function describeFsError(path: string, err: unknown): VqganError {
  const code = (err as { code?: string }).code;
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message ?? err);
  const denied = code === 'EACCES' || code === 'EPERM';
  const errorCode = code === 'ENOENT' ? 'NOT_FOUND' : denied ? 'ACCESS_DENIED' : 'READ_FAILED';
  return new VqganError(errorCode, `${path}: cannot read (${why})`);
}

const notAFile = (isDirectory: boolean) => Object.assign(new Error('not a regular file'), { code: isDirectory ? 'EISDIR' : undefined });
const cannotWrite = (path: string, err: unknown) =>
  new VqganError('WRITE_FAILED', `${path}: cannot write (${(err as Error).message})`);

async function openFile(path: string): Promise<ByteSource> {
  let handle;
  try {
    handle = await fs.open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) throw notAFile(stat.isDirectory());
    return new FileSource(path, stat.size, handle);
  } catch (err) {
    await handle?.close();
    throw describeFsError(path, err);
  }
}

async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    const stat = await fs.stat(path);
    if (!stat.isFile()) throw notAFile(stat.isDirectory());
    return new Uint8Array(await fs.readFile(path));
  } catch (err) {
    throw describeFsError(path, err);
  }
}

async function readIfExists<T>(path: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw describeFsError(path, err);
  }
}

async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw cannotWrite(path, err);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    const names: string[] = [];
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const isFile = entry.isSymbolicLink() ? await fs.stat(joinPath(dir, entry.name)).then((s) => s.isFile(), () => false) : entry.isFile();
      if (isFile) names.push(entry.name);
    }
    return names;
  } catch (err) {
    throw describeFsError(dir, err);
  }
}

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const handle = await fs.open(path, 'r');
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

export const nodeFiles: Files = {
  available: true,
  resolve: (location) => location,
  openFile,
  readFileBytes,
  readTextIfExists: (path) => readIfExists(path, () => fs.readFile(path, 'utf8')),
  readBytesIfExists: (path) => readIfExists(path, async () => new Uint8Array(await fs.readFile(path))),
  writeFileAtomic,
  isFolder: (path) => fs.stat(path).then((s) => s.isDirectory(), () => false),
  listFiles,
  appendToFile: (path, text) => fs.appendFile(path, text).catch((err) => { throw cannotWrite(path, err); }),
  truncateFile: (path, length) => fs.truncate(path, length).catch((err) => { throw cannotWrite(path, err); }),
  statPath: (path) => fs.stat(path).then((s) => ({ isFile: s.isFile(), size: s.size }), () => undefined),
  makeFolder: (path) => fs.mkdir(path, { recursive: true }).then(() => undefined, (err: Error) => {
    throw new VqganError('WRITE_FAILED', `${path}: cannot create the folder (${err.message})`);
  }),
  renameFile: (from, to) => fs.rename(from, to).catch((err) => { throw cannotWrite(to, err); }),
  removeFile: (path) => fs.rm(path, { force: true }),
  async openForWriting(path, append) {
    const handle = await fs.open(path, append ? 'a' : 'w').catch((err) => { throw cannotWrite(path, err); });
    return {
      write: async (bytes) => {
        for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
      },
      close: () => handle.close(),
    };
  },
  fileChunks,
  homeDir: async () => homedir(),
  async sha256Hasher() {
    const hash = createHash('sha256');
    return { update: (bytes) => void hash.update(bytes), hex: () => hash.digest('hex') };
  },
};
