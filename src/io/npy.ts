/**
 * NumPy's .npy format: "\x93NUMPY", a version (1.0, 2.0 or 3.0), a little-endian header
 * length (u16 for 1.0, u32 after), a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 256, 256), }` padded with
 * spaces to a 64-byte boundary and ending in '\n', then the raw C-order data.
 */
import { VqganError, formatShape } from '../core/errors.js';
import { shapeSize } from '../core/tensor.js';

interface NpyTypedArrays {
  float16: Uint16Array; // raw half bits
  float32: Float32Array;
  float64: Float64Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
}
export type NpyDtype = keyof NpyTypedArrays;
/** A parsed array: `data` is the typed array that matches `dtype`. */
export type NpyArray = { [K in NpyDtype]: { dtype: K; shape: number[]; data: NpyTypedArrays[K]; }; }[NpyDtype];

type Ctor = new(buffer: ArrayBuffer) => NpyTypedArrays[NpyDtype];
/** descr without its byte-order character → dtype and typed array. */
const DESCR: Readonly<Record<string, { dtype: NpyDtype; ctor: Ctor; size: number; }>> = {
  f2: { dtype: 'float16', ctor: Uint16Array, size: 2 },
  f4: { dtype: 'float32', ctor: Float32Array, size: 4 },
  f8: { dtype: 'float64', ctor: Float64Array, size: 8 },
  i1: { dtype: 'int8', ctor: Int8Array, size: 1 },
  i2: { dtype: 'int16', ctor: Int16Array, size: 2 },
  i4: { dtype: 'int32', ctor: Int32Array, size: 4 },
  i8: { dtype: 'int64', ctor: BigInt64Array, size: 8 },
  u1: { dtype: 'uint8', ctor: Uint8Array, size: 1 },
  u2: { dtype: 'uint16', ctor: Uint16Array, size: 2 },
  u4: { dtype: 'uint32', ctor: Uint32Array, size: 4 },
  u8: { dtype: 'uint64', ctor: BigUint64Array, size: 8 },
  b1: { dtype: 'bool', ctor: Uint8Array, size: 1 },
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ALIGN = 64;
/** numpy leaves room for the first dimension to grow to this many digits in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;

function bad(name: string, why: string): VqganError {
  return new VqganError('BAD_FORMAT', `${name}: not a valid .npy file: ${why}`);
}

// ---------------------------------------------------------------------------------
// The header: a Python literal of dicts, tuples, strings, booleans and integers

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

function parsePyLiteral(text: string, name: string): PyValue {
  return new PyLiteralReader(text, name).readAll();
}

/** Reads a Python literal left to right; `p` is the next character. */
class PyLiteralReader {
  private p = 0;
  constructor(private readonly text: string, private readonly name: string) {}

  /** The text as one literal, with nothing but white space after it. */
  readAll(): PyValue {
    const result = this.value();
    this.skip();
    if (this.p !== this.text.length) this.fail('has trailing text');
    return result;
  }

  private fail(why: string): never {
    throw bad(this.name, `header ${why} at character ${this.p}: ${JSON.stringify(this.text.trim())}`);
  }

  private skip(): void {
    while (this.p < this.text.length && /\s/.test(this.text[this.p]!)) this.p++;
  }

  private value(): PyValue {
    this.skip();
    const c = this.text[this.p];
    if (c === '{' || c === '(' || c === '[') return this.container(c);
    if (c === '\'' || c === '"') return this.string(c);
    return this.word();
  }

  /** A dict, tuple or list: items separated by commas, a trailing comma allowed. */
  private container(open: '{' | '(' | '['): PyValue {
    const close = open === '{' ? '}' : open === '(' ? ')' : ']';
    this.p++;
    const items: PyValue[] = [];
    const dict = new Map<string, PyValue>();
    for (;;) {
      this.skip();
      if (this.text[this.p] === close) break;
      const item = this.value();
      if (open === '{') {
        this.skip();
        if (this.text[this.p++] !== ':' || typeof item !== 'string') this.fail('expects a string key and a colon');
        dict.set(item as string, this.value());
      } else {
        items.push(item);
      }
      this.skip();
      if (this.text[this.p] === ',') this.p++;
      else if (this.text[this.p] !== close) this.fail(`expects ',' or '${close}'`);
    }
    this.p++;
    return open === '{' ? dict : items;
  }

  /** A quoted string, without escapes (a header's keys and dtype have none). */
  private string(quote: string): string {
    const end = this.text.indexOf(quote, this.p + 1);
    if (end < 0) this.fail('has an unterminated string');
    const s = this.text.slice(this.p + 1, end);
    this.p = end + 1;
    return s;
  }

  /** True, False, None or an integer. */
  private word(): PyValue {
    const word = /^[-+]?\w+/.exec(this.text.slice(this.p))?.[0] ?? this.fail('has an unexpected character');
    this.p += word.length;
    if (word === 'True' || word === 'False') return word === 'True';
    if (word === 'None') return null;
    // Python 2 wrote long integers with an L suffix.
    const int = /^[-+]?\d+L?$/.test(word) ? Number(word.replace(/L$/, '')) : NaN;
    return Number.isSafeInteger(int) ? int : this.fail(`has an unreadable value ${word}`);
  }
}

interface Header {
  descr: string;
  shape: number[];
  dataStart: number;
}

function readHeader(bytes: Uint8Array, name: string): Header {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw bad(name, 'no \\x93NUMPY magic');
  const major = bytes[6]!;
  if (major < 1 || major > 3) {
    throw new VqganError('UNSUPPORTED', `${name}: .npy version ${major}.${bytes[7]} (1.0 to 3.0 are read)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthSize) throw bad(name, 'truncated header');
  const headerLength = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const dataStart = 8 + lengthSize + headerLength;
  if (dataStart > bytes.length) {
    throw bad(name, `header of ${headerLength} bytes runs past the end of the file (${bytes.length} bytes)`);
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthSize, dataStart));
  const dict = parsePyLiteral(text, name);
  if (
    !(dict instanceof Map) || dict.size !== 3 || !dict.has('descr') || !dict.has('fortran_order') || !dict.has('shape')
  ) {
    throw bad(name, `header must be a dict of exactly descr, fortran_order and shape: ${JSON.stringify(text.trim())}`);
  }
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') {
    throw new VqganError(
      'UNSUPPORTED',
      `${name}: structured dtype ${JSON.stringify(descr)}; plain numeric arrays only`,
    );
  }
  if (typeof fortran !== 'boolean') throw bad(name, `fortran_order is ${JSON.stringify(fortran)}`);
  if (fortran) {
    throw new VqganError(
      'UNSUPPORTED',
      `${name}: Fortran-order (column-major) array; save it with np.ascontiguousarray first`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && d >= 0)) {
    throw bad(name, `shape is ${JSON.stringify(shape)}`);
  }
  return { descr, shape: shape as number[], dataStart };
}

export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const { descr, shape, dataStart } = readHeader(bytes, name);
  const kind = DESCR[descr.slice(1)];
  if (descr[0] === '>' || descr[0] === '=') {
    throw new VqganError(
      'UNSUPPORTED',
      `${name}: byte order of dtype ${descr} is not little-endian; save it with arr.astype('<${descr.slice(1)}')`,
    );
  }
  if (kind === undefined || (descr[0] !== '<' && descr[0] !== '|')) {
    throw new VqganError('UNSUPPORTED', `${name}: dtype ${descr} is not read (f2/f4/f8, i1–i8, u1–u8, b1)`);
  }
  const expected = shapeSize(shape) * kind.size;
  const available = bytes.length - dataStart;
  if (available !== expected) {
    throw bad(
      name,
      `${kind.dtype} ${formatShape(shape)} needs ${expected} bytes of data but the file has ${available}`,
    );
  }
  // slice() copies into a fresh buffer, aligned for the typed array.
  const data = new kind.ctor(bytes.slice(dataStart).buffer);
  return { dtype: kind.dtype, shape, data } as NpyArray;
}

/** A version 1.0 .npy file, byte for byte what np.save writes for the same array. */
export function writeNpy(
  dtype: 'float32' | 'int32',
  shape: readonly number[],
  data: Float32Array | Int32Array,
): Uint8Array {
  const expected = dtype === 'float32' ? Float32Array : Int32Array;
  if (!(data instanceof expected) || data.length !== shapeSize(shape)) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `writeNpy: ${dtype} ${formatShape(shape)} needs ${
        shapeSize(shape)
      } values in a ${expected.name}, got ${data.length} in a ${data.constructor.name}`,
    );
  }
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  let header = `{'descr': '${dtype === 'float32' ? '<f4' : '<i4'}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  if (shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += `${' '.repeat(ALIGN - (unpadded % ALIGN))}\n`;
  if (header.length > 0xffff) {
    throw new VqganError('BAD_ARGUMENT', `writeNpy: shape ${formatShape(shape)} makes too long a header`);
  }
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out.set([1, 0, header.length & 0xff, header.length >>> 8], 6);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
