/**
 * safetensors: an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the
 * data, offsets relative to its start. The header is checked as a whole before any
 * tensor is read; then each model tensor's bytes are read on their own.
 */
import type { ByteSource } from '../platform/byte_source.js';
import { VqganError, formatShape } from '../core/errors.js';
import { Tensor, shapeSize } from '../core/tensor.js';
import { tokenizerKeys } from './layouts.js';
import { STORED_ITEM_SIZE, decodeToFloat32, encodeFromFloat32, type StoredDtype, type WrittenDtype } from './half.js';

export interface Safetensors {
  /** Model tensors by name, float32; `loss.*` left out. */
  readonly tensors: Map<string, Tensor>;
  readonly metadata: Record<string, string> | undefined;
  /** How the model tensors are stored, before their conversion to float32. */
  readonly dtypes: ReadonlySet<StoredDtype>;
}

/** Bytes per value of every safetensors dtype, so any file's offsets can be checked. */
const ITEM_SIZE: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};
const READ_DTYPES: Readonly<Record<string, StoredDtype>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** The format's own limit; a larger header means a corrupt or hostile file. */
const MAX_HEADER = 100_000_000;

interface Entry {
  readonly key: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function bad(name: string, why: string): VqganError {
  return new VqganError('BAD_FORMAT', `${name}: not a valid safetensors file: ${why}`);
}

function parseEntry(name: string, key: string, info: unknown): Entry {
  const { dtype, shape, data_offsets: offsets } = (info ?? {}) as {
    dtype?: unknown;
    shape?: unknown;
    data_offsets?: unknown;
  };
  if (typeof dtype !== 'string' || !Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) {
    throw bad(name, `tensor ${key} lacks dtype, shape or data_offsets`);
  }
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw bad(name, `tensor ${key} has shape ${JSON.stringify(shape)}`);
  }
  const [begin, end] = offsets as unknown[];
  if (
    !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || (begin as number) < 0
    || (end as number) < (begin as number)
  ) {
    throw bad(name, `tensor ${key} has data_offsets ${JSON.stringify(offsets)}`);
  }
  const itemSize = ITEM_SIZE[dtype];
  if (itemSize === undefined) throw new VqganError('UNSUPPORTED', `${name}: tensor ${key} has unknown dtype ${dtype}`);
  const entry: Entry = { key, dtype, shape: shape as number[], begin: begin as number, end: end as number };
  const expected = shapeSize(entry.shape) * itemSize;
  if (entry.end - entry.begin !== expected) {
    throw bad(
      name,
      `tensor ${key} (${dtype} ${formatShape(entry.shape)}) needs ${expected} bytes but data_offsets span ${
        entry.end - entry.begin
      }`,
    );
  }
  return entry;
}

function parseMetadata(name: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' || value === null || Array.isArray(value)
    || !Object.values(value).every((v) => typeof v === 'string')
  ) {
    throw bad(name, '__metadata__ is not a map of strings');
  }
  return value as Record<string, string>;
}

/** The tensors must tile the data exactly: in offset order, each starting where the last ended. */
function checkTiling(name: string, entries: Entry[], dataSize: number): void {
  let at = 0;
  for (const e of [...entries].sort((a, b) => a.begin - b.begin)) {
    if (e.begin !== at) {
      throw bad(name, `tensor ${e.key} starts at data byte ${e.begin}, expected ${at} (overlap or gap)`);
    }
    at = e.end;
  }
  if (at !== dataSize) throw bad(name, `tensors cover ${at} bytes of data but the file holds ${dataSize}; truncated?`);
}

/**
 * `onProgress` hears of the tensor bytes read, of the total the model tensors need (known
 * once the header is read). `pick` chooses, from the file's tensor names, the ones to read
 * and the names to give them (default: the model tensors, or a whole model's tokenizer;
 * see tokenizerKeys); the others are never read.
 */
export async function readSafetensors(
  src: ByteSource,
  onProgress?: (loaded: number, total: number) => void,
  pick: (keys: readonly string[]) => Map<string, string> = tokenizerKeys,
): Promise<Safetensors> {
  if (src.size < 8) throw bad(src.name, `only ${src.size} bytes`);
  const lengthBytes = await src.read(0, 8);
  const headerLength = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER, src.size - 8))) {
    throw bad(src.name, `header length ${headerLength} does not fit in the file (${src.size} bytes)`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await src.read(8, dataStart - 8)));
  } catch (err) {
    if (err instanceof VqganError) throw err;
    throw bad(src.name, `header is not JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw bad(src.name, 'header is not a JSON object');
  }
  const { __metadata__: meta, ...infos } = header as Record<string, unknown>;
  const metadata = parseMetadata(src.name, meta);
  const entries = Object.entries(infos).map(([key, info]) => parseEntry(src.name, key, info));
  checkTiling(src.name, entries, src.size - dataStart);

  const tensors = new Map<string, Tensor>();
  const dtypes = new Set<StoredDtype>();
  const names = pick(entries.map((e) => e.key));
  const wanted = entries.filter((e) => names.has(e.key));
  const total = wanted.reduce((sum, e) => sum + (e.end - e.begin), 0);
  let done = 0;
  onProgress?.(0, total);
  for (const e of wanted) {
    const dtype = READ_DTYPES[e.dtype];
    if (dtype === undefined) {
      throw new VqganError(
        'UNSUPPORTED',
        `${src.name}: tensor ${e.key} is ${e.dtype}; only ${Object.keys(READ_DTYPES).join(', ')} are read`,
      );
    }
    tensors.set(
      names.get(e.key)!,
      new Tensor(e.shape, decodeToFloat32(await src.read(dataStart + e.begin, e.end - e.begin), dtype)),
    );
    dtypes.add(dtype);
    done += e.end - e.begin;
    onProgress?.(done, total);
  }
  return { tensors, metadata, dtypes };
}

const WRITTEN_NAMES: Readonly<Record<WrittenDtype, string>> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };

/** A safetensors file of `tensors` in map order, stored as `dtype` (header padded to 8 bytes with spaces). */
export function writeSafetensors(
  tensors: Map<string, Tensor>,
  metadata?: Record<string, string>,
  dtype: WrittenDtype = 'float32',
): Uint8Array {
  const header: [string, unknown][] = metadata === undefined ? [] : [['__metadata__', metadata]];
  const itemSize = STORED_ITEM_SIZE[dtype];
  let offset = 0;
  for (const [key, t] of tensors) {
    header.push([key, {
      dtype: WRITTEN_NAMES[dtype],
      shape: t.shape,
      data_offsets: [offset, offset + t.size * itemSize],
    }]);
    offset += t.size * itemSize;
  }
  // fromEntries makes every key an own property, `__proto__` included.
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of tensors.values()) {
    out.set(encodeFromFloat32(t.data, dtype), at);
    at += t.size * itemSize;
  }
  return out;
}
