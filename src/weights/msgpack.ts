/**
 * A small MessagePack reader (https://github.com/msgpack/msgpack/blob/master/spec.md),
 * enough for Flax's `flax_model.msgpack`: nil, bool, ints, floats, str, bin, ext, arrays
 * and maps, in all their fixed / 8 / 16 / 32 (/ 64) bit forms.
 *
 * It is a pull reader over a ByteSource: `next()` hands out one token at a time and
 * never reads the payload of a bin or ext value (it returns where the payload lies), so a
 * caller can index a 300 MB file by reading only its structure, then read the payloads
 * it wants. Structure is read through a small window; for in-memory sources every read is
 * a view of the caller's bytes (no copies).
 *
 * Every byte is untrusted: each length is checked against the bytes left before anything
 * is read, allocated or sliced, nesting depth is bounded, and every failure is a
 * VqganError('BAD_FORMAT', `${name}: … at byte N`).
 */
import { memorySource, type ByteSource } from '../platform/byte_source.js';
import { VqganError } from '../core/errors.js';

/** A value's header. bin and ext carry where their payload lies, not the payload. */
export type MsgpackToken =
  & { readonly at: number; }
  & (
    | { readonly kind: 'nil'; }
    | { readonly kind: 'bool'; readonly value: boolean; }
    | { readonly kind: 'int'; readonly value: number | bigint; }
    | { readonly kind: 'float'; readonly value: number; }
    | { readonly kind: 'str'; readonly value: string; }
    | { readonly kind: 'bin'; readonly offset: number; readonly length: number; }
    | { readonly kind: 'ext'; readonly type: number; readonly offset: number; readonly length: number; }
    | { readonly kind: 'array'; readonly length: number; }
    | { readonly kind: 'map'; readonly length: number; }
  );

/** An ext value as decodeMsgpack returns it. */
export interface MsgpackExt {
  readonly type: number;
  readonly data: Uint8Array;
}

/** A decoded value: maps become Maps (keys of any type), bin a Uint8Array view. */
export type MsgpackValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | MsgpackExt
  | MsgpackValue[]
  | Map<MsgpackValue, MsgpackValue>;

/** Deeper nesting than this is refused (Flax files nest about 6 levels). */
export const MAX_DEPTH = 64;

/** Structure is read in windows of this many bytes. */
const WINDOW = 4096;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Names of the kinds, for messages. */
export function describeToken(t: MsgpackToken): string {
  switch (t.kind) {
    case 'array':
    case 'map':
      return `${t.kind} of ${t.length}`;
    case 'bin':
      return `bin of ${t.length} bytes`;
    case 'ext':
      return `ext type ${t.type} of ${t.length} bytes`;
    case 'str':
      return `str ${JSON.stringify(t.value.length > 40 ? `${t.value.slice(0, 40)}…` : t.value)}`;
    case 'nil':
      return 'nil';
    default:
      return `${t.kind} ${String(t.value)}`;
  }
}

export class MsgpackReader {
  /** The next byte to read (absolute, in the source). */
  pos: number;
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private view = new DataView(this.window.buffer);

  /** Reads the bytes [start, end) of `source` (default: all of it). */
  constructor(
    readonly source: ByteSource,
    readonly name: string = source.name,
    readonly start = 0,
    readonly end: number = source.size,
  ) {
    if (
      !(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= source.size)
    ) {
      throw new VqganError(
        'BAD_FORMAT',
        `${name}: msgpack range [${start}, ${end}) lies outside the ${source.size} bytes`,
      );
    }
    this.pos = start;
  }

  /** Bytes between pos and the end of the range. */
  get left(): number {
    return this.end - this.pos;
  }

  fail(why: string, at = this.pos): VqganError {
    return new VqganError('BAD_FORMAT', `${this.name}: ${why} at byte ${at}`);
  }

  /** Makes [pos, pos + n) readable from the window, after checking the range holds it. */
  private async need(n: number, what: string, at: number): Promise<void> {
    if (n > this.left) throw this.fail(`truncated: ${what} needs ${n} bytes but only ${this.left} are left`, at);
    const offset = this.pos - this.windowStart;
    if (offset >= 0 && offset + n <= this.window.length) return;
    const length = Math.min(Math.max(n, WINDOW), this.left);
    this.window = await this.source.read(this.pos, length);
    this.windowStart = this.pos;
    this.view = new DataView(this.window.buffer, this.window.byteOffset, this.window.byteLength);
  }

  private u8(): number {
    return this.window[this.pos++ - this.windowStart]!;
  }
  private u16(): number {
    const v = this.view.getUint16(this.pos - this.windowStart);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    const v = this.view.getUint32(this.pos - this.windowStart);
    this.pos += 4;
    return v;
  }

  /** An unsigned length of `size` bytes (1, 2 or 4). */
  private async length(size: 1 | 2 | 4, what: string, at: number): Promise<number> {
    await this.need(size, `the length of ${what}`, at);
    return size === 1 ? this.u8() : size === 2 ? this.u16() : this.u32();
  }

  /** Skips a payload of `length` bytes (checked against the bytes left). */
  private payload(length: number, what: string, at: number): number {
    if (length > this.left) {
      throw this.fail(`${what} of ${length} bytes does not fit in the ${this.left} bytes left`, at);
    }
    const offset = this.pos;
    this.pos += length;
    return offset;
  }

  private async str(length: number, at: number): Promise<MsgpackToken> {
    if (length > this.left) throw this.fail(`str of ${length} bytes does not fit in the ${this.left} bytes left`, at);
    const bytes = await this.bytes(this.pos, length);
    this.pos += length;
    try {
      return { at, kind: 'str', value: utf8.decode(bytes) };
    } catch {
      throw this.fail('str is not valid UTF-8', at);
    }
  }

  /** A structure of `count` entries of at least `minBytes` each: the count is checked first. */
  private container(kind: 'array' | 'map', count: number, at: number): MsgpackToken {
    const minBytes = kind === 'map' ? 2 : 1;
    if (count * minBytes > this.left) {
      throw this.fail(`${kind} of ${count} entries does not fit in the ${this.left} bytes left`, at);
    }
    return { at, kind, length: count };
  }

  private bin(length: number, at: number): MsgpackToken {
    return { at, kind: 'bin', length, offset: this.payload(length, 'bin', at) };
  }

  private async float(size: 4 | 8, at: number): Promise<MsgpackToken> {
    await this.need(size, `a float${size * 8}`, at);
    const o = this.pos - this.windowStart;
    const value = size === 4 ? this.view.getFloat32(o) : this.view.getFloat64(o);
    this.pos += size;
    return { at, kind: 'float', value };
  }

  private async ext(length: number, at: number): Promise<MsgpackToken> {
    await this.need(1, 'an ext type', at);
    const type = (this.u8() << 24) >> 24; // signed
    return { at, kind: 'ext', type, length, offset: this.payload(length, `ext type ${type}`, at) };
  }

  private async int(size: 1 | 2 | 4 | 8, signed: boolean, at: number): Promise<MsgpackToken> {
    await this.need(size, `an int${size * 8}`, at);
    const o = this.pos - this.windowStart;
    const v = this.view;
    let value: number | bigint;
    if (size === 1) value = signed ? v.getInt8(o) : v.getUint8(o);
    else if (size === 2) value = signed ? v.getInt16(o) : v.getUint16(o);
    else if (size === 4) value = signed ? v.getInt32(o) : v.getUint32(o);
    else {
      const big = signed ? v.getBigInt64(o) : v.getBigUint64(o);
      value = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    this.pos += size;
    return { at, kind: 'int', value };
  }

  /** The next value's header; bin and ext payloads are skipped, not read. */
  async next(): Promise<MsgpackToken> {
    const at = this.pos;
    await this.need(1, 'a value', at);
    const m = this.u8();
    if (m <= 0x7f) return { at, kind: 'int', value: m };
    if (m >= 0xe0) return { at, kind: 'int', value: m - 0x100 };
    if (m <= 0x8f) return this.container('map', m & 0x0f, at);
    if (m <= 0x9f) return this.container('array', m & 0x0f, at);
    if (m <= 0xbf) return this.str(m & 0x1f, at);
    switch (m) {
      case 0xc0:
        return { at, kind: 'nil' };
      case 0xc2:
        return { at, kind: 'bool', value: false };
      case 0xc3:
        return { at, kind: 'bool', value: true };
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return this.bin(await this.length(m === 0xc4 ? 1 : m === 0xc5 ? 2 : 4, 'a bin', at), at);
      case 0xc7:
      case 0xc8:
      case 0xc9:
        return this.ext(await this.length(m === 0xc7 ? 1 : m === 0xc8 ? 2 : 4, 'an ext', at), at);
      case 0xca:
        return this.float(4, at);
      case 0xcb:
        return this.float(8, at);
      case 0xcc:
        return this.int(1, false, at);
      case 0xcd:
        return this.int(2, false, at);
      case 0xce:
        return this.int(4, false, at);
      case 0xcf:
        return this.int(8, false, at);
      case 0xd0:
        return this.int(1, true, at);
      case 0xd1:
        return this.int(2, true, at);
      case 0xd2:
        return this.int(4, true, at);
      case 0xd3:
        return this.int(8, true, at);
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return this.ext(2 ** (m - 0xd4), at); // fixext 1, 2, 4, 8, 16
      case 0xd9:
      case 0xda:
      case 0xdb:
        return this.str(await this.length(m === 0xd9 ? 1 : m === 0xda ? 2 : 4, 'a str', at), at);
      case 0xdc:
      case 0xdd:
        return this.container('array', await this.length(m === 0xdc ? 2 : 4, 'an array', at), at);
      case 0xde:
      case 0xdf:
        return this.container('map', await this.length(m === 0xde ? 2 : 4, 'a map', at), at);
      default: // 0xc1, never used
        throw this.fail(`invalid msgpack marker 0x${m.toString(16)}`, at);
    }
  }

  /** `length` bytes at `offset`, which must lie in the range (a view for in-memory sources). */
  async bytes(offset: number, length: number): Promise<Uint8Array> {
    if (
      !(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= this.start && length >= 0
        && offset + length <= this.end)
    ) {
      throw this.fail(`${length} bytes at ${offset} lie outside the data`, offset);
    }
    const inWindow = offset - this.windowStart;
    if (inWindow >= 0 && inWindow + length <= this.window.length) {
      return this.window.subarray(inWindow, inWindow + length);
    }
    return this.source.read(offset, length);
  }

  /**
   * A reader of the bytes [offset, offset + length), which must lie in this one's range
   * (an ext payload, say); it starts with this reader's window, so reading a payload's
   * header right after its token costs no extra read.
   */
  sub(offset: number, length: number, name = this.name): MsgpackReader {
    if (
      !(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= this.start && length >= 0
        && offset + length <= this.end)
    ) {
      throw this.fail(`${length} bytes at ${offset} lie outside the data`, offset);
    }
    const reader = new MsgpackReader(this.source, name, offset, offset + length);
    reader.window = this.window;
    reader.windowStart = this.windowStart;
    reader.view = this.view;
    return reader;
  }

  /** Skips one whole value, nested ones included, `depth` levels below the limit. */
  async skip(depth = 0): Promise<void> {
    const t = await this.next();
    await this.skipContents(t, depth);
  }

  /** Skips what follows a container token `t` (nothing for other tokens). */
  async skipContents(t: MsgpackToken, depth: number): Promise<void> {
    if (t.kind !== 'array' && t.kind !== 'map') return;
    if (depth >= MAX_DEPTH) throw this.fail(`nesting deeper than ${MAX_DEPTH} levels`, t.at);
    const n = t.kind === 'map' ? 2 * t.length : t.length;
    for (let i = 0; i < n; i++) await this.skip(depth + 1);
  }

  /** Reads one whole value. */
  async value(depth = 0): Promise<MsgpackValue> {
    return this.valueOf(await this.next(), depth);
  }

  /** The value that token `t` (just read) starts. */
  async valueOf(t: MsgpackToken, depth: number): Promise<MsgpackValue> {
    switch (t.kind) {
      case 'nil':
        return null;
      case 'bin':
        return this.bytes(t.offset, t.length);
      case 'ext':
        return { type: t.type, data: await this.bytes(t.offset, t.length) };
      case 'array': {
        if (depth >= MAX_DEPTH) throw this.fail(`nesting deeper than ${MAX_DEPTH} levels`, t.at);
        const out: MsgpackValue[] = [];
        for (let i = 0; i < t.length; i++) out.push(await this.value(depth + 1));
        return out;
      }
      case 'map': {
        if (depth >= MAX_DEPTH) throw this.fail(`nesting deeper than ${MAX_DEPTH} levels`, t.at);
        const out = new Map<MsgpackValue, MsgpackValue>();
        for (let i = 0; i < t.length; i++) {
          const keyAt = this.pos;
          const key = await this.value(depth + 1);
          if (out.has(key)) {
            throw this.fail(`duplicate map key ${typeof key === 'string' ? JSON.stringify(key) : String(key)}`, keyAt);
          }
          out.set(key, await this.value(depth + 1));
        }
        return out;
      }
      default:
        return t.value;
    }
  }

  /** Throws unless the whole range has been read. */
  expectEnd(what = 'the msgpack value'): void {
    if (this.pos !== this.end) throw this.fail(`${this.end - this.pos} bytes left over after ${what}`);
  }
}

/** One whole msgpack value filling `bytes` (bin and ext payloads are views of `bytes`). */
export async function decodeMsgpack(bytes: Uint8Array, name = '<msgpack>'): Promise<MsgpackValue> {
  const reader = new MsgpackReader(memorySource(bytes, name));
  const value = await reader.value();
  reader.expectEnd();
  return value;
}
