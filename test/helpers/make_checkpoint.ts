/**
 * Builds torch.save-style checkpoints in memory for the weight-reader tests: a zip
 * writer (stored entries, local extra fields padding data to 64 bytes as torch does,
 * optional zip64 records) and a pickle assembler emitting the opcodes torch's
 * protocol 2 pickles use.
 */
import { crc32 } from '../../src/core/crc32.js';

// ---------------------------------------------------------------------------------
// zip

export interface ZipOptions {
  /** Write zip64 extra fields for every entry and the zip64 end records. */
  zip64?: boolean;
}

/** A zip of stored entries, in the given order. */
export function makeZip(entries: { name: string; data: Uint8Array; }[], options: ZipOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const push = (b: Uint8Array): void => {
    chunks.push(b);
    offset += b.length;
  };
  const central: Uint8Array[] = [];
  for (const { name, data } of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    // torch pads the local extra field ("FB" id) so that data starts on a 64-byte boundary.
    const pad = (64 - ((offset + 30 + nameBytes.length + 4) % 64)) % 64;
    const local = new Uint8Array(30 + nameBytes.length + 4 + pad);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, 4 + pad, true);
    local.set(nameBytes, 30);
    lv.setUint16(30 + nameBytes.length, 0x4246, true); // "FB"
    lv.setUint16(32 + nameBytes.length, pad, true);
    const localOffset = offset;
    push(local);
    push(data);

    const extra = options.zip64 ? 4 + 24 : 0;
    const entry = new Uint8Array(46 + nameBytes.length + extra);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 45, true);
    cv.setUint32(16, crc, true);
    const big = options.zip64 ? 0xffffffff : undefined;
    cv.setUint32(20, big ?? data.length, true);
    cv.setUint32(24, big ?? data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint16(30, extra, true);
    cv.setUint32(42, big ?? localOffset, true);
    entry.set(nameBytes, 46);
    if (options.zip64) {
      const at = 46 + nameBytes.length;
      cv.setUint16(at, 1, true);
      cv.setUint16(at + 2, 24, true);
      cv.setBigUint64(at + 4, BigInt(data.length), true); // uncompressed
      cv.setBigUint64(at + 12, BigInt(data.length), true); // compressed
      cv.setBigUint64(at + 20, BigInt(localOffset), true);
    }
    central.push(entry);
  }
  const cdOffset = offset;
  for (const c of central) push(c);
  const cdSize = offset - cdOffset;
  if (options.zip64) {
    const record = new DataView(new ArrayBuffer(56 + 20));
    record.setUint32(0, 0x06064b50, true);
    record.setBigUint64(4, 44n, true);
    record.setUint16(12, 45, true);
    record.setUint16(14, 45, true);
    record.setBigUint64(24, BigInt(entries.length), true);
    record.setBigUint64(32, BigInt(entries.length), true);
    record.setBigUint64(40, BigInt(cdSize), true);
    record.setBigUint64(48, BigInt(cdOffset), true);
    record.setUint32(56, 0x07064b50, true); // locator
    record.setBigUint64(64, BigInt(offset), true);
    record.setUint32(72, 1, true);
    push(new Uint8Array(record.buffer));
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, options.zip64 ? 0xffff : entries.length, true);
  end.setUint16(10, options.zip64 ? 0xffff : entries.length, true);
  end.setUint32(12, options.zip64 ? 0xffffffff : cdSize, true);
  end.setUint32(16, options.zip64 ? 0xffffffff : cdOffset, true);
  push(new Uint8Array(end.buffer));

  const out = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------
// pickle

/** Emits pickle opcodes; globals are memoized (BINPUT, then BINGET) as torch's pickler does. */
export class PickleWriter {
  private readonly bytes: number[] = [];
  private readonly globals = new Map<string, number>();
  private nextMemo = 0;

  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }
  private u32(n: number): this {
    return this.op(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  proto(v = 2): this {
    return this.op(0x80, v);
  }
  mark(): this {
    return this.op(0x28);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.op(0x58).u32(b.length).op(...b);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n);
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 0xff, n >>> 8);
    return this.op(0x4a).u32(n);
  }
  /** GLOBAL 'module\nname\n', memoized. */
  global(module: string, name: string): this {
    const key = `${module}\n${name}`;
    const memo = this.globals.get(key);
    if (memo !== undefined) return this.op(0x68, memo);
    this.op(0x63, ...new TextEncoder().encode(`${key}\n`));
    this.globals.set(key, this.nextMemo);
    return this.op(0x71, this.nextMemo++);
  }
  tuple(items: number[]): this {
    this.mark();
    for (const n of items) this.int(n);
    return this.op(0x74);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  emptyTuple(): this {
    return this.op(0x29);
  }
  reduce(): this {
    return this.op(0x52);
  }
  setItems(): this {
    return this.op(0x75);
  }
  stop(): Uint8Array {
    this.op(0x2e);
    return Uint8Array.from(this.bytes);
  }

  /** A tensor as torch writes it: _rebuild_tensor_v2((storage pid), offset, size, stride, False, OrderedDict()). */
  tensor(t: TensorSpec): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', t.storageType ?? 'FloatStorage').str(t.storageKey).str('cpu').int(
      t.storageNumel,
    ).op(0x74);
    this.op(0x51); // BINPERSID
    this.int(t.offset ?? 0).tuple(t.shape).tuple(t.stride ?? contiguousStrides(t.shape));
    this.op(0x89).global('collections', 'OrderedDict').emptyTuple().reduce();
    return this.op(0x74).reduce();
  }
}

export interface TensorSpec {
  storageKey: string;
  storageType?: string;
  storageNumel: number;
  offset?: number;
  shape: number[];
  stride?: number[];
}

function contiguousStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, step = 1; d >= 0; step *= shape[d]!, d--) strides[d] = step;
  return strides;
}

/**
 * A Lightning-like checkpoint pickle: {'state_dict': OrderedDict(key → tensor),
 * 'optimizer_states': [{'state': {0: {'exp_avg': tensor}}}], 'epoch': 3}.
 */
export function checkpointPickle(stateDict: [string, TensorSpec][], optimizerTensors: TensorSpec[] = []): Uint8Array {
  const w = new PickleWriter().proto(2).emptyDict().mark();
  w.str('state_dict').global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const [key, spec] of stateDict) w.str(key).tensor(spec);
  w.setItems();
  w.str('optimizer_states').op(0x5d).emptyDict().mark().str('state').emptyDict().mark();
  optimizerTensors.forEach((spec, i) => w.int(i).emptyDict().mark().str('exp_avg').tensor(spec).setItems());
  w.setItems().setItems().op(0x61); // APPEND the optimizer dict to the list
  w.str('epoch').int(3);
  return w.setItems().stop();
}

/** Little-endian bytes of float32 values. */
export function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Little-endian bytes of 16-bit patterns (float16 or bfloat16 bits). */
export function uint16Bytes(bits: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(bits).buffer);
}

/** A checkpoint zip named like torch's: `archive/data.pkl`, `archive/data/<key>`, `archive/version`. */
export function checkpointZip(pickle: Uint8Array, storages: Record<string, Uint8Array>, zip64 = false): Uint8Array {
  const entries = [{ name: 'archive/data.pkl', data: pickle }];
  for (const [key, data] of Object.entries(storages)) entries.push({ name: `archive/data/${key}`, data });
  entries.push({ name: 'archive/version', data: new TextEncoder().encode('3\n') });
  return makeZip(entries, { zip64 });
}

/** A pickle that, loaded by Python, would call `module.name(arg)`: GLOBAL, (arg,), REDUCE. */
export function maliciousPickle(module: string, name: string, arg: string): Uint8Array {
  return new PickleWriter().proto(2).global(module, name).mark().str(arg).op(0x74).reduce().stop();
}

/** A checkpoint whose data.pkl is maliciousPickle(module, name, arg). */
export function maliciousCheckpoint(module: string, name: string, arg: string): Uint8Array {
  return checkpointZip(maliciousPickle(module, name, arg), {});
}

/**
 * torch.save(state_dict) of float32 tensors, each in its own storage, as transformers
 * writes `pytorch_model.bin` and its shards: a bare OrderedDict.
 */
export function stateDictCheckpoint(
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array; }>,
): Uint8Array {
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  const storages: Record<string, Uint8Array> = {};
  [...tensors].forEach(([key, t], i) => {
    w.str(key).tensor({ storageKey: String(i), storageNumel: t.data.length, shape: [...t.shape] });
    storages[String(i)] = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  });
  return checkpointZip(w.setItems().stop(), storages);
}
