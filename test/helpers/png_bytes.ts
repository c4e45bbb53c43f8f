/** Hand-made PNG files for the decoder's tests and the fuzzer: any chunks, and bombs. */
import { constants, deflateRawSync } from 'node:zlib';
import { pngChunk } from '../../src/image/encode_png.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The signature, then the chunks as [type, data], each with its CRC. */
export function pngFile(chunks: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const parts = chunks.map(([type, data]) => pngChunk(type, data));
  const out = new Uint8Array(8 + parts.reduce((n, p) => n + p.length, 0));
  out.set(SIGNATURE);
  parts.reduce((p, part) => (out.set(part, p), p + part.length), 8);
  return out;
}

/** IHDR's 13 bytes; compression and filter method 0. */
export function ihdr(width: number, height: number, depth: number, colourType: number, interlace = 0): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colourType, 0, 0, interlace], 8);
  return data;
}

const MiB = 2 ** 20;

/**
 * A zlib stream of `mib` MiB of zeros, ~1 KB per MiB: one MiB deflated into non-final
 * blocks (a sync flush), repeated (its matches reach back only into its own output, so
 * each copy stands alone), then an empty final block and the Adler-32.
 */
export function zerosZlib(mib: number): Uint8Array {
  const segment = deflateRawSync(new Uint8Array(MiB), { finishFlush: constants.Z_SYNC_FLUSH });
  const end = [0x01, 0x00, 0x00, 0xff, 0xff]; // a final stored block of 0 bytes
  const out = new Uint8Array(2 + segment.length * mib + end.length + 4);
  out.set([0x78, 0x9c]);
  for (let i = 0; i < mib; i++) out.set(segment, 2 + i * segment.length);
  out.set(end, 2 + segment.length * mib);
  // Adler-32 of n zeros: a = 1, b = n mod 65521
  new DataView(out.buffer).setUint32(out.length - 4, ((((mib * MiB) % 65521) << 16) | 1) >>> 0);
  return out;
}

/** An 8-bit RGB PNG claiming width×height whose image data inflates to `mib` MiB of zeros. */
export function bombPng(width: number, height: number, mib: number): Uint8Array {
  return pngFile([['IHDR', ihdr(width, height, 8, 2)], ['IDAT', zerosZlib(mib)], ['IEND', new Uint8Array(0)]]);
}
