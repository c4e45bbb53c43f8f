/**
 * First-fit allocator over a WebAssembly memory: blocks in address order, split on
 * allocation, merged with free neighbours on release, the memory grown when nothing
 * fits. Activations come in a few recurring sizes, so after the first image of a size
 * every allocation is served from released blocks and the memory stops growing.
 */
import { VqganError } from '../../core/errors.js';

const ALIGN = 64; // a cache line; also keeps every f32x4 load aligned to 16 bytes
const PAGE = 65536;

interface Block {
  ptr: number;
  size: number;
  free: boolean;
}

export class Allocator {
  private readonly blocks: Block[] = [];
  /** Highest bytes in use at any time, for peak-memory reports. */
  peakBytes = 0;
  private usedBytes = 0;

  /** The first byte handed out: past `reserved` bytes (the kernels' static data), aligned. */
  private readonly base: number;

  constructor(private readonly memory: WebAssembly.Memory, reserved = 0) {
    this.base = Math.max(ALIGN, Math.ceil(reserved / ALIGN) * ALIGN);
  }

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let index = this.blocks.findIndex((b) => b.free && b.size >= size);
    if (index < 0) index = this.growFor(size);
    const block = this.blocks[index]!;
    if (block.size > size) {
      this.blocks.splice(index + 1, 0, { ptr: block.ptr + size, size: block.size - size, free: true });
      block.size = size;
    }
    block.free = false;
    this.usedBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.usedBytes);
    return block.ptr;
  }

  free(ptr: number): void {
    const index = this.blocks.findIndex((b) => b.ptr === ptr);
    const block = this.blocks[index];
    if (block === undefined || block.free) throw new Error(`allocator: free of ${ptr}, which is not allocated`);
    block.free = true;
    this.usedBytes -= block.size;
    const next = this.blocks[index + 1];
    if (next?.free) {
      block.size += next.size;
      this.blocks.splice(index + 1, 1);
    }
    const prev = this.blocks[index - 1];
    if (prev?.free) {
      prev.size += block.size;
      this.blocks.splice(index, 1);
    }
  }

  /** Grows the memory so that a free block of `size` ends the list; returns its index. */
  private growFor(size: number): number {
    const last = this.blocks[this.blocks.length - 1];
    const start = last === undefined ? this.base : last.free ? last.ptr : last.ptr + last.size;
    const end = start + size;
    const pages = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) {
      try {
        this.memory.grow(pages);
      } catch {
        throw new VqganError('TOO_LARGE', `out of WebAssembly memory: cannot grow to ${Math.ceil(end / 2 ** 20)} MiB`);
      }
    }
    if (last?.free) {
      last.size = end - last.ptr;
      return this.blocks.length - 1;
    }
    this.blocks.push({ ptr: start, size, free: true });
    return this.blocks.length - 1;
  }
}
