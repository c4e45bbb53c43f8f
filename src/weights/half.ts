/**
 * Stored number formats → float32, and back for the 16-bit ones. Checkpoints and
 * safetensors files keep weights as little-endian float32, float16 or bfloat16 (torch
 * also has int64 buffers); the engine computes in float32 only.
 *
 * Every 16-bit value widens to float32 exactly (both formats are subsets of float32),
 * so the conversions below move bits, never round. Typed-array views assume a
 * little-endian host, as WebAssembly (which the engine needs anyway) does.
 */
import { VqganError } from '../core/errors.js';

/** Formats the weight readers turn into float32. */
export type StoredDtype = 'float32' | 'float16' | 'bfloat16' | 'int64';

export const STORED_ITEM_SIZE: Readonly<Record<StoredDtype, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
};

/** float16 bits → float32 bits (sign, exponent rebias, subnormals normalised, inf/NaN kept). */
function float16BitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal half: mant · 2^-24. Shift the leading 1 up to bit 10 to make it normal.
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** All 65536 float16 patterns as float32 bits, built on first use (256 KiB). */
let halfTable: Uint32Array | undefined;
function float16Table(): Uint32Array {
  if (halfTable === undefined) {
    halfTable = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16BitsToFloat32Bits(h);
  }
  return halfTable;
}

export function float16ToFloat32(bits: number): number {
  return bitsToFloat32(float16BitsToFloat32Bits(bits & 0xffff));
}

export function bfloat16ToFloat32(bits: number): number {
  return bitsToFloat32(((bits & 0xffff) << 16) >>> 0);
}

/** Round to nearest, ties to even; overflow → ±inf, NaN stays a (quiet) NaN. */
export function float32ToFloat16(value: number): number {
  const x = float32ToBits(value);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Result is a half subnormal (or zero): the value in units of 2^-24 is m / 2^shift.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const m = mant | 0x800000;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to inf: that is the right rounding.
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return half;
}

/** Round to nearest, ties to even; NaN stays a (quiet) NaN. */
export function float32ToBfloat16(value: number): number {
  const x = float32ToBits(value);
  if ((x & 0x7fffffff) > 0x7f800000) return (x >>> 16) | 0x40;
  return (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
}

const scratch = new DataView(new ArrayBuffer(4));
function float32ToBits(value: number): number {
  scratch.setFloat32(0, value, true);
  return scratch.getUint32(0, true);
}
function bitsToFloat32(bits: number): number {
  scratch.setUint32(0, bits, true);
  return scratch.getFloat32(0, true);
}

/** Formats weights can be written in (`vqgan convert --dtype`). */
export type WrittenDtype = 'float32' | 'float16' | 'bfloat16';
export const WRITTEN_DTYPES: readonly WrittenDtype[] = ['float32', 'float16', 'bfloat16'];

/**
 * float32 values → little-endian bytes of `dtype`, 16-bit ones rounded to nearest even
 * (float32: a view of `values` itself).
 */
export function encodeFromFloat32(values: Float32Array, dtype: WrittenDtype): Uint8Array {
  if (dtype === 'float32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint16Array(values.length);
  const convert = dtype === 'float16' ? float32ToFloat16 : float32ToBfloat16;
  for (let i = 0; i < values.length; i++) out[i] = convert(values[i]!);
  return new Uint8Array(out.buffer);
}

/**
 * Little-endian `bytes` holding `bytes.length / itemSize` values of `dtype` → a new
 * float32 array. int64 goes through Number(), exact up to 2^24 in magnitude.
 */
export function decodeToFloat32(bytes: Uint8Array, dtype: StoredDtype): Float32Array {
  const itemSize = STORED_ITEM_SIZE[dtype];
  if (bytes.length % itemSize !== 0) {
    throw new VqganError('BAD_FORMAT', `${bytes.length} bytes is not a whole number of ${dtype} values`);
  }
  const n = bytes.length / itemSize;
  // A fresh copy is aligned for the typed views below, whatever offset `bytes` had.
  const aligned = bytes.slice().buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(aligned);
    case 'float16': {
      const src = new Uint16Array(aligned);
      const out = new Float32Array(n);
      const outBits = new Uint32Array(out.buffer);
      const table = float16Table();
      for (let i = 0; i < n; i++) outBits[i] = table[src[i]!]!;
      return out;
    }
    case 'bfloat16': {
      const src = new Uint16Array(aligned);
      const out = new Float32Array(n);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) outBits[i] = src[i]! << 16;
      return out;
    }
    case 'int64': {
      const src = new BigInt64Array(aligned);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
      return out;
    }
  }
}
