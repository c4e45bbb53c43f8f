/**
 * Mutations of valid files: bit flips, bytes set to edge values, length fields set to
 * huge values, chunks duplicated, swapped (reordered), deleted or inserted, and
 * truncation. A seed may name the byte ranges where its structure lives (a big fixture's
 * headers and index, not its tensor data): then mutations stay inside them and keep
 * every offset in place, and only a final truncation changes the length.
 */
import type { Random } from './random.js';

export interface Seed {
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly regions?: readonly (readonly [number, number])[];
}

export interface Mutant {
  readonly bytes: Uint8Array;
  /** What was done, in order, to make the input again by hand. */
  readonly steps: string[];
}

const EDGE_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
/** Lengths and counts a hostile header would claim. */
const HUGE_32 = [0xffffffff, 0xfffffffe, 0x80000000, 0x7fffffff, 0x40000000, 0x10000000];
const HUGE_64 = [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n, 2n ** 40n, 2n ** 32n];

function chunkLength(rng: Random, room: number): number {
  const most = rng.below(4) === 0 ? Math.max(1, room >> 2) : Math.min(64, room);
  return 1 + rng.below(Math.max(1, most));
}

/** Mutations that keep the length, inside [start, end). */
function mutateInPlace(b: Uint8Array, start: number, end: number, rng: Random, steps: string[]): void {
  const size = end - start;
  if (size <= 0) return;
  const at = start + rng.below(size);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (rng.below(6)) {
    case 0: {
      const bit = rng.below(8);
      b[at]! ^= 1 << bit;
      steps.push(`flip bit ${bit} of byte ${at}`);
      return;
    }
    case 1: {
      const v = rng.pick(EDGE_BYTES);
      b[at] = v;
      steps.push(`set byte ${at} to 0x${v.toString(16)}`);
      return;
    }
    case 2:
    case 3: {
      // a 32- or 64-bit field set to a huge length or count, either byte order
      const bytes = rng.below(2) === 0 ? 4 : 8;
      if (at + bytes > end) return mutateInPlace(b, start, end, rng, steps);
      const v = bytes === 4 ? BigInt(rng.pick(HUGE_32)) : rng.pick(HUGE_64);
      const little = rng.below(2) === 0;
      if (bytes === 4) dv.setUint32(at, Number(v), little);
      else dv.setBigUint64(at, v, little);
      steps.push(`set u${bytes * 8} at ${at} to 0x${v.toString(16)} (${little ? 'LE' : 'BE'})`);
      return;
    }
    case 4: {
      // a chunk copied over another: a duplicated field, entry or record
      const n = chunkLength(rng, size);
      const from = start + rng.below(Math.max(1, size - n + 1));
      const to = start + rng.below(Math.max(1, size - n + 1));
      b.copyWithin(to, from, Math.min(from + n, end));
      steps.push(`copy ${n} bytes from ${from} over ${to}`);
      return;
    }
    default: {
      // two chunks swapped: reordered fields or entries
      const n = chunkLength(rng, size >> 1);
      const p = start + rng.below(Math.max(1, size - n + 1));
      const q = start + rng.below(Math.max(1, size - n + 1));
      if (Math.abs(p - q) < n) return mutateInPlace(b, start, end, rng, steps);
      const tmp = b.slice(p, p + n);
      b.copyWithin(p, q, q + n);
      b.set(tmp, q);
      steps.push(`swap ${n} bytes at ${p} and ${q}`);
    }
  }
}

/** Mutations that change the length (small seeds only: they move every later offset). */
function resize(b: Uint8Array, rng: Random, steps: string[]): Uint8Array {
  const at = rng.below(b.length + 1);
  switch (rng.below(3)) {
    case 0: {
      const n = Math.min(chunkLength(rng, b.length), b.length - at);
      steps.push(`delete ${n} bytes at ${at}`);
      return concat(b.subarray(0, at), b.subarray(at + n));
    }
    case 1: {
      const n = chunkLength(rng, b.length);
      const from = rng.below(Math.max(1, b.length - n + 1));
      steps.push(`insert a copy of ${n} bytes from ${from} at ${at}`);
      return concat(b.subarray(0, at), b.slice(from, from + n), b.subarray(at));
    }
    default: {
      const n = 1 + rng.below(16);
      const noise = Uint8Array.from({ length: n }, () => rng.below(256));
      steps.push(`insert ${n} random bytes at ${at}`);
      return concat(b.subarray(0, at), noise, b.subarray(at));
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One to four mutations of `seed`, and sometimes a truncation. */
export function mutate(seed: Seed, rng: Random): Mutant {
  const steps: string[] = [`from ${seed.label}`];
  let b: Uint8Array = seed.bytes.slice();
  const count = 1 + rng.below(4);
  for (let k = 0; k < count; k++) {
    if (seed.regions !== undefined) {
      const [start, end] = rng.pick(seed.regions);
      mutateInPlace(b, start, end, rng, steps);
    } else if (rng.below(3) === 0) {
      b = resize(b, rng, steps);
    } else {
      mutateInPlace(b, 0, b.length, rng, steps);
    }
  }
  if (rng.below(8) === 0) {
    const length = rng.below(b.length);
    b = b.subarray(0, length);
    steps.push(`truncate to ${length} bytes`);
  }
  return { bytes: b, steps };
}
