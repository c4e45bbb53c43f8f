/**
 * Just enough of the zip format to read a torch.save archive: the end records
 * (classic and zip64), the central directory, and stored (uncompressed) entries.
 * Everything is read through a ByteSource, touching only the tail, the directory and
 * the byte ranges asked for — never the whole file.
 */
import { VqganError } from '../core/errors.js';
import type { ByteSource } from '../platform/byte_source.js';

export interface ZipEntry {
  readonly name: string;
  /** Offset of the entry's local header in the file. */
  readonly offset: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** 0 = stored, 8 = deflate, ... */
  readonly method: number;
  /** General purpose flags (bit 0: encrypted). */
  readonly flags: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIG = 0x06064b50;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_SIG = 0x02014b50;
const CENTRAL_SIZE = 46;
const LOCAL_SIG = 0x04034b50;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

function badZip(src: ByteSource, why: string): VqganError {
  return new VqganError('BAD_FORMAT', `${src.name}: not a readable zip archive (${why})`);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A little-endian u64 as a number; sizes past 2^53 cannot be real. */
function u64(src: ByteSource, dv: DataView, at: number, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw badZip(src, `${what} ${v} is too large`);
  return Number(v);
}

interface Directory {
  entries: number;
  size: number;
  offset: number;
  /** Where the end records start: the directory must lie before it. */
  end: number;
}

/** The tail read first: enough for the end records of an archive without a comment. */
const SHORT_TAIL = 1024;

/**
 * Finds the end of central directory record, scanning backwards (it sits at the end,
 * before a comment of the length it states). A short tail is tried first, then the
 * longest a comment allows; the record must leave room before it for a zip64 locator.
 */
async function findEnd(src: ByteSource): Promise<{ dv: DataView; tailStart: number; at: number; }> {
  for (const want of [SHORT_TAIL, EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE]) {
    const length = Math.min(src.size, want);
    const tailStart = src.size - length;
    const dv = view(await src.read(tailStart, length));
    for (let i = length - EOCD_SIZE; i >= (tailStart === 0 ? 0 : ZIP64_LOCATOR_SIZE); i--) {
      if (dv.getUint32(i, true) === EOCD_SIG && i + EOCD_SIZE + dv.getUint16(i + 20, true) <= length) {
        return { dv, tailStart, at: i };
      }
    }
    if (tailStart === 0) break;
  }
  throw badZip(src, 'no end-of-central-directory record; truncated, or not a zip');
}

/** The central directory's place and size, from the end record or its zip64 twin. */
async function readEnd(src: ByteSource): Promise<Directory> {
  if (src.size < EOCD_SIZE) throw badZip(src, `only ${src.size} bytes`);
  const { dv, tailStart, at } = await findEnd(src);
  const dir: Directory = {
    entries: dv.getUint16(at + 10, true),
    size: dv.getUint32(at + 12, true),
    offset: dv.getUint32(at + 16, true),
    end: tailStart + at,
  };
  const locatorAt = at - ZIP64_LOCATOR_SIZE;
  if (locatorAt >= 0 && dv.getUint32(locatorAt, true) === ZIP64_LOCATOR_SIG) {
    const recordOffset = u64(src, dv, locatorAt + 8, 'zip64 record offset');
    if (recordOffset + ZIP64_EOCD_SIZE > tailStart + locatorAt) throw badZip(src, 'zip64 end record out of place');
    const record = view(await src.read(recordOffset, ZIP64_EOCD_SIZE));
    if (record.getUint32(0, true) !== ZIP64_EOCD_SIG) throw badZip(src, 'bad zip64 end record signature');
    dir.entries = u64(src, record, 32, 'entry count');
    dir.size = u64(src, record, 40, 'directory size');
    dir.offset = u64(src, record, 48, 'directory offset');
    dir.end = recordOffset;
  }
  if (dir.offset + dir.size > dir.end) {
    throw badZip(src, `central directory (${dir.size} bytes at ${dir.offset}) runs past its end record at ${dir.end}`);
  }
  return dir;
}

/**
 * The zip64 extended-information extra field (id 1) holds, in this order, only those of
 * uncompressed size, compressed size and local header offset that are 0xFFFFFFFF in
 * the fixed header.
 */
function applyZip64Extra(
  src: ByteSource,
  extra: DataView,
  name: string,
  fields: { uncompressedSize: number; compressedSize: number; offset: number; },
): void {
  let p = 0;
  while (p + 4 <= extra.byteLength) {
    const id = extra.getUint16(p, true);
    const len = extra.getUint16(p + 2, true);
    if (p + 4 + len > extra.byteLength) throw badZip(src, `extra field of ${name} overruns its record`);
    if (id === 1) {
      let q = p + 4;
      for (const key of ['uncompressedSize', 'compressedSize', 'offset'] as const) {
        if (fields[key] !== 0xffffffff) continue;
        if (q + 8 > p + 4 + len) throw badZip(src, `zip64 field of ${name} is too short`);
        fields[key] = u64(src, extra, q, `${key} of ${name}`);
        q += 8;
      }
      return;
    }
    p += 4 + len;
  }
}

/** The archive's entries, from its central directory. */
export async function readZipDirectory(src: ByteSource): Promise<ZipEntry[]> {
  const dir = await readEnd(src);
  const bytes = await src.read(dir.offset, dir.size);
  const dv = view(bytes);
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < dir.entries; i++) {
    if (p + CENTRAL_SIZE > bytes.length || dv.getUint32(p, true) !== CENTRAL_SIG) {
      throw badZip(src, `central directory entry ${i} of ${dir.entries} is missing or corrupt`);
    }
    const nameLength = dv.getUint16(p + 28, true);
    const extraLength = dv.getUint16(p + 30, true);
    const commentLength = dv.getUint16(p + 32, true);
    const next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > bytes.length) throw badZip(src, `central directory entry ${i} overruns the directory`);
    const name = decoder.decode(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLength));
    const fields = {
      compressedSize: dv.getUint32(p + 20, true),
      uncompressedSize: dv.getUint32(p + 24, true),
      offset: dv.getUint32(p + 42, true),
    };
    const extraStart = p + CENTRAL_SIZE + nameLength;
    applyZip64Extra(src, new DataView(bytes.buffer, bytes.byteOffset + extraStart, extraLength), name, fields);
    if (fields.offset + LOCAL_SIZE + fields.compressedSize > dir.offset) {
      throw badZip(
        src,
        `entry ${name} (${fields.compressedSize} bytes at ${fields.offset}) runs into the central directory`,
      );
    }
    entries.push({ name, ...fields, method: dv.getUint16(p + 10, true), flags: dv.getUint16(p + 8, true) });
    p = next;
  }
  return entries;
}

/**
 * Where a stored entry's data starts. The local header's extra field may differ from
 * the central one (torch pads it to align data to 64 bytes), so it must be read.
 */
async function entryDataStart(src: ByteSource, entry: ZipEntry): Promise<number> {
  if (entry.method !== 0) {
    throw new VqganError(
      'UNSUPPORTED',
      `${src.name}: zip entry ${entry.name} is compressed (method ${entry.method}); only stored entries are read`,
    );
  }
  if ((entry.flags & 1) !== 0) {
    throw new VqganError('UNSUPPORTED', `${src.name}: zip entry ${entry.name} is encrypted`);
  }
  const dv = view(await src.read(entry.offset, LOCAL_SIZE));
  if (dv.getUint32(0, true) !== LOCAL_SIG) throw badZip(src, `no local header for ${entry.name} at ${entry.offset}`);
  if (entry.compressedSize !== entry.uncompressedSize) {
    throw badZip(src, `stored entry ${entry.name} has two different sizes`);
  }
  const start = entry.offset + LOCAL_SIZE + dv.getUint16(26, true) + dv.getUint16(28, true);
  if (start + entry.compressedSize > src.size) throw badZip(src, `data of ${entry.name} runs past the end of the file`);
  return start;
}

/** `length` bytes at `offset` inside a stored entry, reading nothing else of it. */
export async function readZipEntryRange(
  src: ByteSource,
  entry: ZipEntry,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const start = await entryDataStart(src, entry);
  if (
    !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0
    || offset + length > entry.uncompressedSize
  ) {
    throw new VqganError(
      'BAD_FORMAT',
      `${src.name}: bytes ${offset}..${
        offset + length
      } are outside zip entry ${entry.name} (${entry.uncompressedSize} bytes)`,
    );
  }
  return src.read(start + offset, length);
}

/** The whole content of a stored entry. */
export async function readZipEntry(src: ByteSource, entry: ZipEntry): Promise<Uint8Array> {
  return readZipEntryRange(src, entry, 0, entry.uncompressedSize);
}
