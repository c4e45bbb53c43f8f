/**
 * RGB → an 8-bit RGB PNG: signature, IHDR (colour type 2, no interlace), one IDAT (every
 * row with filter type 0, zlib level 3) and IEND.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../core/crc32.js';
import type { RgbImage } from './rgb_image.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function encodePng(img: RgbImage): Uint8Array {
  const rowBytes = img.width * 3;
  const rows = new Uint8Array(img.height * (1 + rowBytes));
  for (let y = 0; y < img.height; y++) {
    rows.set(img.data.subarray(y * rowBytes, (y + 1) * rowBytes), y * (1 + rowBytes) + 1);
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, img.width);
  view.setUint32(4, img.height);
  ihdr.set([8, 2, 0, 0, 0], 8); // depth 8, colour type 2 (RGB), compression, filter, interlace
  const chunks = [
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlibSync(rows, { level: 3 })),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(SIGNATURE.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(SIGNATURE);
  chunks.reduce((p, c) => (out.set(c, p), p + c.length), SIGNATURE.length);
  return out;
}

/** One chunk: length, type, data, CRC of type and data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
