/**
 * Random-access bytes that the weights loaders read from: memory and Blobs here (the
 * same in every runtime); files in ./node/files.ts.
 */
import { VqganError } from '../core/errors.js';

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

function checkRange(name: string, size: number, offset: number, length: number): void {
  if (
    !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size
  ) {
    throw new VqganError(
      'BAD_FORMAT',
      `${name}: read of ${length} bytes at offset ${offset} is outside the file (${size} bytes); is it truncated?`,
    );
  }
}

/** A source that checks each read's range and counts the bytes it hands out. */
export abstract class CountingSource implements ByteSource {
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

export function memorySource(bytes: Uint8Array, name = '<bytes>'): ByteSource {
  return new MemorySource(name, bytes);
}

export function blobSource(blob: Blob, name = '<blob>'): ByteSource {
  return new BlobSource(name, blob);
}
