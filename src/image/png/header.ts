/**
 * The IHDR chunk, validated, and the layout of the image data it implies: the Adam7
 * passes (or the one pass of a plain file), each a grid of rows of
 * 1 filter byte + rowBytes bytes, concatenated pass after pass.
 */
import { VqganError } from '../../core/errors.js';

export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  depth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colourType: number;
  interlaced: boolean;
  /** Samples per pixel: 1, 3, 1, 2, 4 for the colour types above. */
  channels: number;
}

/** One pass: the pixels (x0 + i·dx, y0 + j·dy) for i < width, j < height. */
export interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
  /** Bytes of one row after its filter byte. */
  rowBytes: number;
}

/** Colour type → samples per pixel and the bit depths the PNG specification allows. */
const COLOUR_TYPES: Record<number, { channels: number; depths: readonly number[]; }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Adam7's passes as [x0, y0, dx, dy]. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** The 13 bytes of an IHDR chunk's data → its fields, each checked. */
export function parseHeader(data: Uint8Array, name: string): PngHeader {
  const bad = (what: string) => new VqganError('BAD_FORMAT', `${name}: PNG header (IHDR) ${what}`);
  if (data.length !== 13) throw bad(`is ${data.length} bytes long, not 13`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const [depth, colourType, compression, filter, interlace] = data.subarray(8) as unknown as number[];
  // The specification caps both sides at 2^31 − 1.
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw bad(`has size ${width}×${height}`);
  }
  const type = COLOUR_TYPES[colourType!];
  if (type === undefined) throw bad(`has colour type ${colourType} (0, 2, 3, 4 or 6 are defined)`);
  if (!type.depths.includes(depth!)) {
    throw bad(`has bit depth ${depth} with colour type ${colourType} (allowed: ${type.depths.join(', ')})`);
  }
  if (compression !== 0) throw bad(`has compression method ${compression} (only 0 is defined)`);
  if (filter !== 0) throw bad(`has filter method ${filter} (only 0 is defined)`);
  if (interlace !== 0 && interlace !== 1) throw bad(`has interlace method ${interlace} (0 or 1 are defined)`);
  return { width, height, depth: depth!, colourType: colourType!, interlaced: interlace === 1, channels: type.channels };
}

/** The passes that hold pixels, in file order (a pass with no column or no row is absent). */
export function passesOf(h: PngHeader): Pass[] {
  const grids = h.interlaced ? ADAM7 : [[0, 0, 1, 1] as const];
  const bitsPerPixel = h.depth * h.channels;
  return grids.flatMap(([x0, y0, dx, dy]) => {
    const width = Math.ceil((h.width - x0) / dx);
    const height = Math.ceil((h.height - y0) / dy);
    if (width <= 0 || height <= 0) return [];
    return [{ x0, y0, dx, dy, width, height, rowBytes: Math.ceil((width * bitsPerPixel) / 8) }];
  });
}

/** The exact size of the inflated image data: every pass's rows with their filter bytes. */
export function inflatedSize(passes: readonly Pass[]): number {
  return passes.reduce((sum, p) => sum + p.height * (1 + p.rowBytes), 0);
}
