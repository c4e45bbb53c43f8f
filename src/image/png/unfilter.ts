/**
 * PNG's row filters undone in place. Each row of a pass is 1 filter byte + rowBytes bytes;
 * filters predict a byte from the byte bpp to its left (a), above it in the pass's
 * previous row (b) and above-left (c), all 0 outside the pass, and store the difference
 * mod 256 (a Uint8Array's wrap-around).
 */
import { VqganError } from '../../core/errors.js';
import type { Pass } from './header.js';

/** `bpp`: bytes per complete pixel, at least 1 (for depths under 8). */
export function unfilter(data: Uint8Array, passes: readonly Pass[], bpp: number, name: string): void {
  let p = 0;
  passes.forEach((pass, passIndex) => {
    const n = pass.rowBytes;
    for (let y = 0; y < pass.height; y++, p += 1 + n) {
      const row = p + 1;
      // the previous row of this pass; the first row's is all zeros
      const up = y === 0 ? -1 : row - 1 - n;
      const kind = data[p]!;
      if (kind === 1) sub(data, row, n, bpp);
      else if (kind === 2 && up >= 0) for (let i = 0; i < n; i++) data[row + i]! += data[up + i]!;
      else if (kind === 3) average(data, row, up, n, bpp);
      else if (kind === 4) paeth(data, row, up, n, bpp);
      else if (kind > 4) {
        throw new VqganError(
          'BAD_FORMAT',
          `${name}: corrupt PNG image data: row ${y} of pass ${passIndex + 1} has filter type ${kind} (0 to 4 are defined)`,
        );
      }
    }
  });
}

function sub(d: Uint8Array, row: number, n: number, bpp: number): void {
  for (let i = bpp; i < n; i++) d[row + i]! += d[row + i - bpp]!;
}

/** `up` < 0: the pass's first row. */
function average(d: Uint8Array, row: number, up: number, n: number, bpp: number): void {
  if (up < 0) {
    for (let i = bpp; i < n; i++) d[row + i]! += d[row + i - bpp]! >> 1;
    return;
  }
  for (let i = 0; i < bpp && i < n; i++) d[row + i]! += d[up + i]! >> 1;
  for (let i = bpp; i < n; i++) d[row + i]! += (d[row + i - bpp]! + d[up + i]!) >> 1;
}

/** With no row above, Paeth's predictor is always a: the Sub filter. */
function paeth(d: Uint8Array, row: number, up: number, n: number, bpp: number): void {
  if (up < 0) return sub(d, row, n, bpp);
  for (let i = 0; i < bpp && i < n; i++) d[row + i]! += d[up + i]!;
  for (let i = bpp; i < n; i++) {
    const a = d[row + i - bpp]!;
    const b = d[up + i]!;
    const c = d[up + i - bpp]!;
    const pa = Math.abs(b - c); // |p − a| with p = a + b − c
    const pb = Math.abs(a - c);
    const pc = Math.abs(a + b - 2 * c);
    d[row + i]! += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  }
}
