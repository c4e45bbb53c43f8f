/**
 * Unfiltered PNG samples → 8-bit RGB, exactly as Pillow 9.4's Image.open(f).convert('RGB')
 * gives them (the reference pipeline's rule; test/fixtures/make_png_golden.py checks it):
 * - grey: 1-bit 0/1 → 0/255 (mode "1"), 2-bit v · 85 and 4-bit v · 17 (rawmodes L;2, L;4),
 *   8-bit as is, 16-bit min(v, 255) (mode I, clipped to 8 bits, not scaled);
 * - RGB, grey + alpha, RGBA of 16 bits: the high byte of each sample (RGB;16B, LA;16B);
 * - palette: PLTE's colour; an index past the palette is grey (i, i, i), Pillow's
 *   default palette;
 * - alpha channels and tRNS chunks are dropped: convert('RGB') ignores transparency.
 * With `transparency` (see alphaWriter), RGBA instead: those R, G, B and the alpha
 * Pillow's convert('RGBA') gives, for the Chameleon preset, which blends on white.
 */
import type { RgbaImage, RgbImage } from '../rgb_image.js';
import type { Pass, PngHeader } from './header.js';

/** Writes pixel i of the row starting at byte `row` as R, G, B at rgb[o..o+2]. */
type PixelWriter = (data: Uint8Array, row: number, i: number, rgb: Uint8Array, o: number) => void;

/**
 * `data`: every pass's unfiltered rows, each 1 filter byte + rowBytes; `palette`: 768
 * bytes for colour type 3 (see paletteOf); `transparency`: the tRNS chunk's data, or
 * null for none, asks for RGBA where the image has alpha (see alphaWriter); undefined:
 * RGB.
 */
export function toRgb(
  h: PngHeader,
  passes: readonly Pass[],
  data: Uint8Array,
  palette?: Uint8Array,
  transparency?: Uint8Array | null,
): RgbImage | RgbaImage {
  const write = pixelWriter(h, palette);
  const alpha = transparency === undefined ? undefined : alphaWriter(h, transparency);
  const channels = alpha === undefined ? 3 : 4;
  const out = new Uint8Array(h.width * h.height * channels);
  let p = 0;
  for (const pass of passes) {
    for (let j = 0; j < pass.height; j++, p += 1 + pass.rowBytes) {
      const y = pass.y0 + j * pass.dy;
      for (let i = 0; i < pass.width; i++) {
        const o = (y * h.width + pass.x0 + i * pass.dx) * channels;
        write(data, p + 1, i, out, o);
        alpha?.(data, p + 1, i, out, o);
      }
    }
  }
  return { width: h.width, height: h.height, data: out };
}

/**
 * The alpha of Pillow 9.4's convert('RGBA'), written at out[o + 3] after the pixel's
 * R, G, B at out[o..o+2]; undefined where Chameleon keeps the image's RGB as is:
 * - grey + alpha, RGBA: the alpha sample (its high byte at 16 bits);
 * - palette with tRNS: tRNS[index], 255 past its end;
 * - grey with tRNS: 0 where the 8-bit grey (as above: 1-bit 0/255, 2 and 4-bit scaled,
 *   16-bit clipped) equals the tRNS value's low byte, else 255; Pillow compares the
 *   converted grey with the raw value, so a 1-bit 1 or a 2-bit 3 matches nothing;
 * - none for RGB (with or without tRNS: Chameleon passes an 'RGB' image as is) and
 *   grey or palette without tRNS (Pillow's alpha would be 255 everywhere).
 */
function alphaWriter(h: PngHeader, transparency: Uint8Array | null): PixelWriter | undefined {
  const { depth, channels, colourType } = h;
  if (colourType === 4 || colourType === 6) {
    const bytes = depth / 8;
    return (d, row, i, out, o) => {
      out[o + 3] = d[row + (i * channels + channels - 1) * bytes]!;
    };
  }
  if (transparency === null) return undefined;
  if (colourType === 3) {
    const index = depth < 8 ? packedSample(depth) : (d: Uint8Array, row: number, i: number) => d[row + i]!;
    return (d, row, i, out, o) => {
      out[o + 3] = transparency[index(d, row, i)] ?? 255;
    };
  }
  if (colourType === 0) {
    const key = transparency[1]!;
    return (_d, _row, _i, out, o) => {
      out[o + 3] = out[o] === key ? 0 : 255;
    };
  }
  return undefined;
}

/** PLTE's colours in a 256-entry RGB table whose other entries are Pillow's grey ramp. */
export function paletteOf(plte: Uint8Array): Uint8Array {
  const table = Uint8Array.from({ length: 768 }, (_, k) => Math.floor(k / 3));
  table.set(plte);
  return table;
}

function pixelWriter(h: PngHeader, palette: Uint8Array | undefined): PixelWriter {
  const { depth, channels, colourType } = h;
  // one sample per pixel (grey or palette index) of at most 8 bits
  const sample = depth < 8 ? packedSample(depth) : (d: Uint8Array, row: number, i: number) => d[row + i]!;
  if (colourType === 3) {
    const table = palette!;
    return (d, row, i, rgb, o) => {
      const k = sample(d, row, i) * 3;
      rgb[o] = table[k]!;
      rgb[o + 1] = table[k + 1]!;
      rgb[o + 2] = table[k + 2]!;
    };
  }
  if (depth < 8) {
    // 255 / (2^depth − 1): 255, 85 or 17
    const scale = 255 / ((1 << depth) - 1);
    return (d, row, i, rgb, o) => grey(rgb, o, sample(d, row, i) * scale);
  }
  // 8 or 16 bits: the high (or only) byte of sample c of pixel i is at row + (i · channels + c) · bytes
  const bytes = depth / 8;
  const stride = channels * bytes;
  if (colourType === 0 && depth === 16) {
    return (d, row, i, rgb, o) => grey(rgb, o, d[row + i * 2]! > 0 ? 255 : d[row + i * 2 + 1]!);
  }
  if (channels <= 2) return (d, row, i, rgb, o) => grey(rgb, o, d[row + i * stride]!);
  return (d, row, i, rgb, o) => {
    const s = row + i * stride;
    rgb[o] = d[s]!;
    rgb[o + 1] = d[s + bytes]!;
    rgb[o + 2] = d[s + 2 * bytes]!;
  };
}

function grey(rgb: Uint8Array, o: number, v: number): void {
  rgb[o] = v;
  rgb[o + 1] = v;
  rgb[o + 2] = v;
}

/** Sample i of a row of 1, 2 or 4-bit samples, most significant bits first. */
function packedSample(depth: number): (d: Uint8Array, row: number, i: number) => number {
  const mask = (1 << depth) - 1;
  return (d, row, i) => {
    const bit = i * depth;
    return (d[row + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
  };
}
