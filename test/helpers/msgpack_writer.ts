/**
 * A msgpack writer for tests: builds Flax-style files with a twist (a bad dtype, a
 * chunked array, a wrapper) from values or from a decoded fixture. Shortest forms
 * throughout, as msgpack-python writes them.
 */
import type { MsgpackExt, MsgpackValue } from '../../src/weights/msgpack.js';

export type Packable = MsgpackValue | { readonly [key: string]: Packable; } | readonly Packable[] | MsgpackExt;

class Out {
  private chunks: Uint8Array[] = [];
  private size = 0;
  bytes(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  u8(...v: number[]): void {
    this.bytes(Uint8Array.from(v));
  }
  be(v: number, n: 2 | 4): void {
    const b = new Uint8Array(n);
    const dv = new DataView(b.buffer);
    if (n === 2) dv.setUint16(0, v);
    else dv.setUint32(0, v);
    this.bytes(b);
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function header(
  out: Out,
  n: number,
  fix: [number, number] | undefined,
  m8: number | undefined,
  m16: number,
  m32: number,
): void {
  if (fix !== undefined && n <= fix[1]) out.u8(fix[0] | n);
  else if (m8 !== undefined && n <= 0xff) out.u8(m8, n);
  else if (n <= 0xffff) {
    out.u8(m16);
    out.be(n, 2);
  } else {
    out.u8(m32);
    out.be(n, 4);
  }
}

const isExt = (v: unknown): v is MsgpackExt =>
  typeof v === 'object' && v !== null && 'type' in v && 'data' in v && (v as MsgpackExt).data instanceof Uint8Array;

function write(out: Out, v: Packable): void {
  if (v === null) out.u8(0xc0);
  else if (typeof v === 'boolean') out.u8(v ? 0xc3 : 0xc2);
  else if (typeof v === 'number' && Number.isInteger(v)) {
    if (v >= 0 && v <= 0x7f) out.u8(v);
    else if (v < 0 && v >= -32) out.u8(v & 0xff);
    else if (v >= 0 && v <= 0xffffffff) {
      out.u8(0xce);
      out.be(v, 4);
    } else {
      const b = new Uint8Array(9);
      b[0] = 0xd3;
      new DataView(b.buffer).setBigInt64(1, BigInt(v));
      out.bytes(b);
    }
  } else if (typeof v === 'number') {
    const b = new Uint8Array(9);
    b[0] = 0xcb;
    new DataView(b.buffer).setFloat64(1, v);
    out.bytes(b);
  } else if (typeof v === 'bigint') {
    const b = new Uint8Array(9);
    b[0] = 0xcf;
    new DataView(b.buffer).setBigUint64(1, v);
    out.bytes(b);
  } else if (typeof v === 'string') {
    const s = new TextEncoder().encode(v);
    header(out, s.length, [0xa0, 31], 0xd9, 0xda, 0xdb);
    out.bytes(s);
  } else if (v instanceof Uint8Array) {
    header(out, v.length, undefined, 0xc4, 0xc5, 0xc6);
    out.bytes(v);
  } else if (isExt(v)) {
    const fixed = [1, 2, 4, 8, 16].indexOf(v.data.length);
    if (fixed >= 0) out.u8(0xd4 + fixed, v.type & 0xff);
    else {
      header(out, v.data.length, undefined, 0xc7, 0xc8, 0xc9);
      out.u8(v.type & 0xff);
    }
    out.bytes(v.data);
  } else if (Array.isArray(v)) {
    header(out, v.length, [0x90, 15], undefined, 0xdc, 0xdd);
    for (const x of v) write(out, x);
  } else {
    const entries: [Packable, Packable][] = v instanceof Map
      ? [...v.entries()]
      : Object.entries(v as Record<string, Packable>);
    header(out, entries.length, [0x80, 15], undefined, 0xde, 0xdf);
    for (const [k, x] of entries) {
      write(out, k);
      write(out, x);
    }
  }
}

export function packMsgpack(v: Packable): Uint8Array {
  const out = new Out();
  write(out, v);
  return out.done();
}

/** flax's ext 1 array: msgpack of [shape, dtype name, C-order bytes]. */
export function flaxArray(shape: readonly number[], dtype: string, data: Uint8Array): MsgpackExt {
  return { type: 1, data: packMsgpack([[...shape], dtype, data]) };
}

export function float32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
