/**
 * PNG bytes → 8-bit RGB equal to Pillow 9.4's Image.open(f).convert('RGB') (see to_rgb.ts),
 * or with `keepAlpha`, RGBA as convert('RGBA') where the image has transparency,
 * bounded: the pixel limit is checked on the IHDR's size before anything else, and the
 * image data inflates into a buffer of exactly the size the header implies (inflate.ts).
 * Memory: that buffer (height · (1 + rowBytes) over the passes) plus the RGB(A) output.
 */
import { VqganError } from '../../core/errors.js';
import { checkPixels } from '../../core/limits.js';
import type { RgbaImage, RgbImage } from '../rgb_image.js';
import { type Chunk, chunksOf } from './chunks.js';
import { inflatedSize, parseHeader, passesOf, type PngHeader } from './header.js';
import { inflateBounded } from './inflate.js';
import { paletteOf, toRgb } from './to_rgb.js';
import { unfilter } from './unfilter.js';

const IHDR = 0x49484452;

export function decodePng(bytes: Uint8Array, name: string, maxPixels: number): RgbImage;
export function decodePng(bytes: Uint8Array, name: string, maxPixels: number, keepAlpha: boolean): RgbImage | RgbaImage;
export function decodePng(bytes: Uint8Array, name: string, maxPixels: number, keepAlpha = false): RgbImage | RgbaImage {
  const bad = (what: string) => new VqganError('BAD_FORMAT', `${name}: corrupt or truncated PNG (${what})`);
  // IHDR must be the first chunk: width and height sit at bytes 16..23 (big-endian), read
  // before any CRC so that a huge claimed size is refused before anything else.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || view.getUint32(12) !== IHDR) throw bad('no IHDR chunk first');
  checkPixels(view.getUint32(16), view.getUint32(20), maxPixels, name);

  const chunks = [...chunksOf(bytes, name)];
  const header = parseHeader(chunks[0]!.data, name);
  const { plte, trns, idats } = layout(chunks, header, bad);
  if (keepAlpha && header.colourType === 0 && trns !== undefined && trns.length < 2) {
    throw bad(`tRNS chunk of ${trns.length} bytes for a grey image (2 expected)`);
  }
  const passes = passesOf(header);
  const what = `${header.width}×${header.height}, colour type ${header.colourType}, ${header.depth}-bit${
    header.interlaced ? ', Adam7' : ''
  }`;
  const data = inflateBounded(idats, inflatedSize(passes), name, what);
  unfilter(data, passes, Math.max(1, (header.depth * header.channels) >> 3), name);
  return toRgb(header, passes, data, plte && paletteOf(plte), keepAlpha ? trns ?? null : undefined);
}

/**
 * The palette, the transparency and the IDAT chunks, their order checked: one IHDR, PLTE
 * (at most 256 colours; required for colour type 3) before the image data, and the IDAT
 * chunks in one consecutive run. tRNS counts wherever it is, the last one if several (Pillow
 * reads the chunks after the image data when it loads the pixels, before convert('RGBA'));
 * it and other chunks (gAMA, text, ...) do not change Pillow's convert('RGB').
 */
function layout(
  chunks: readonly Chunk[],
  header: PngHeader,
  bad: (what: string) => VqganError,
): { plte?: Uint8Array; trns?: Uint8Array; idats: Uint8Array[]; } {
  let plte: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idats: Uint8Array[] = [];
  let runEnded = false;
  for (const { type, data, offset } of chunks.slice(1)) {
    if (type === 'IDAT') {
      if (runEnded) throw bad(`IDAT chunk at byte ${offset} after other chunks ended the image data`);
      idats.push(data);
      continue;
    }
    if (idats.length > 0) runEnded = true;
    if (type === 'tRNS') trns = data;
    if (type === 'IHDR') throw bad(`a second IHDR chunk at byte ${offset}`);
    if (type === 'PLTE') {
      if (idats.length > 0) throw bad(`PLTE chunk at byte ${offset} after the image data`);
      if (data.length % 3 !== 0 || data.length > 768 || data.length === 0) {
        throw bad(`PLTE chunk of ${data.length} bytes (1 to 256 colours of 3 bytes)`);
      }
      plte = data;
    }
  }
  if (idats.length === 0) throw bad('no IDAT chunk');
  if (header.colourType === 3 && plte === undefined) throw bad('palette image without a PLTE chunk');
  return { plte, trns, idats };
}
