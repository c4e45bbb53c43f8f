/**
 * JPEG bytes → 8-bit RGB, byte for byte as Pillow 9.4 with libjpeg-turbo 2.1 gives them
 * (`Image.open(f).convert('RGB')`): libjpeg-turbo's defaults (accurate integer IDCT,
 * "fancy" triangular chroma upsampling, its fixed-point YCbCr → RGB), its colour-space
 * guess (JFIF, then Adobe APP14's transform, then the component ids), and Pillow's
 * handling of CMYK (Adobe-inverted, then Pillow's CMYK → RGB).
 *
 * Supported: baseline, extended and progressive Huffman JPEGs, 8-bit, with 1, 3 or 4
 * components and any integer sampling factors, restart intervals. Lossless, hierarchical
 * and 12-bit JPEGs are refused (UNSUPPORTED), as Pillow's libjpeg-turbo 2.1 refuses them;
 * so are arithmetic-coded ones, which it reads (rare in the wild; not implemented). A
 * progressive file whose scans leave low AC coefficients unrefined would get
 * libjpeg's block smoothing, which is not implemented: refused too, rather than decoded
 * differently.
 */
import { VqganError } from '../../core/errors.js';
import { checkPixels } from '../../core/limits.js';
import type { RgbImage } from '../rgb_image.js';
import { type Component, type Frame, parseFrame } from './frame.js';
import { buildHuffmanTable, type HuffmanTable } from './huffman.js';
import { pixelKernels, type PixelKernels } from '../../compute/wasm/pixel_kernels.js';
import { referenceJpegKernels, wasmJpegKernels } from './jpeg_kernels.js';
import { toRgb } from './reconstruct.js';
import { NATURAL_ORDER, type Scan, type ScanComponent, decodeScan } from './scan.js';

/** More scans than any encoder writes (progressive files have about 10); each costs a pass over the blocks. */
const MAX_SCANS = 1000;

export interface ColourInfo {
  sawJfif: boolean;
  /** Adobe APP14's transform flag (0: none, 1: YCbCr, 2: YCCK), if the marker is present. */
  adobeTransform: number | undefined;
}

/**
 * `kernels`: the pixel kernels for the IDCT, upsampling and colour conversion, or null for
 * their scalar twins (the same bytes); by default the kernels where available.
 */
export function decodeJpeg(
  data: Uint8Array,
  name: string,
  maxPixels: number,
  kernels: PixelKernels | null = pixelKernels() ?? null,
): RgbImage {
  const decoder = new MarkerReader(data, name, maxPixels);
  let p = 2; // after SOI
  for (;;) {
    // Markers may be preceded by any number of 0xFF fill bytes; libjpeg skips other bytes.
    while (p < data.length && data[p] !== 0xff) p++;
    while (p < data.length && data[p] === 0xff) p++;
    // Pillow refuses a file without EOI as truncated, even when all scans are complete.
    if (p >= data.length) throw decoder.bad('truncated JPEG (no end-of-image marker)');
    const marker = data[p++]!;
    if (marker === 0xd9) break; // EOI
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length
    if (p + 2 > data.length) throw decoder.bad('truncated JPEG (in a marker segment)');
    const length = (data[p]! << 8) | data[p + 1]!;
    if (length < 2 || p + length > data.length) {
      throw decoder.bad(`truncated JPEG (marker 0xFF${hex(marker)} segment)`);
    }
    p = decoder.segment(marker, data.subarray(p + 2, p + length), p + length);
  }
  const frame = decoder.finish();
  return toRgb(frame, decoder.colour, kernels === null ? referenceJpegKernels : wasmJpegKernels(kernels), name);
}

/** The tables, frame and colour hints of a file, as its marker segments set them. */
class MarkerReader {
  readonly quantTables: (Uint16Array | undefined)[] = [];
  readonly dcTables: (HuffmanTable | undefined)[] = [];
  readonly acTables: (HuffmanTable | undefined)[] = [];
  readonly colour: ColourInfo = { sawJfif: false, adobeTransform: undefined };
  frame: Frame | undefined;
  restartInterval = 0;
  scans = 0;

  constructor(readonly data: Uint8Array, readonly name: string, readonly maxPixels: number) {}

  bad(what: string): VqganError {
    return new VqganError('BAD_FORMAT', `${this.name}: ${what}`);
  }

  /** Takes one segment (body ends at `end`); returns where the next marker search starts. */
  segment(marker: number, body: Uint8Array, end: number): number {
    const { name } = this;
    switch (marker) {
      case 0xc0:
      case 0xc1:
      case 0xc2:
        if (this.frame !== undefined) throw this.bad('two frame headers');
        this.frame = parseFrame(body, marker === 0xc2, name, (w, h) => checkPixels(w, h, this.maxPixels, name));
        return end;
      case 0xc4:
        readHuffmanTables(body, this.dcTables, this.acTables, name);
        return end;
      case 0xdb:
        readQuantTables(body, this.quantTables, (w) => this.bad(w));
        return end;
      case 0xdd:
        if (body.length < 2) throw this.bad('bad restart interval segment');
        this.restartInterval = (body[0]! << 8) | body[1]!;
        return end;
      case 0xda:
        return this.scan(body, end);
      case 0xe0:
        if (body.length >= 14 && startsWithAscii(body, 'JFIF\0')) this.colour.sawJfif = true;
        return end;
      case 0xee:
        if (body.length >= 12 && startsWithAscii(body, 'Adobe')) this.colour.adobeTransform = body[11]!;
        return end;
      default:
        if ((marker >= 0xc3 && marker <= 0xcf && marker !== 0xc8 && marker !== 0xcc) || marker === 0xdc) {
          throw new VqganError('UNSUPPORTED', `${name}: ${unsupportedKind(marker)}`);
        }
        return end; // APPn, COM and others carry nothing the pixels depend on
    }
  }

  /** An SOS segment, then its entropy-coded data: returns where the data ends. */
  private scan(body: Uint8Array, dataStart: number): number {
    const { frame, name } = this;
    if (frame === undefined) throw this.bad('a scan before the frame header');
    if (++this.scans > MAX_SCANS) throw new VqganError('TOO_LARGE', `${name}: more than ${MAX_SCANS} JPEG scans`);
    const scan = this.parseScan(body, frame);
    const end = decodeScan(this.data, dataStart, frame, scan, name);
    if (frame.progressive) recordRefinement(scan);
    return end;
  }

  /** An SOS header: the scan's components with their tables, and its spectral and approximation bounds. */
  private parseScan(body: Uint8Array, frame: Frame): Scan {
    const { quantTables, dcTables, acTables, restartInterval } = this;
    const bad = (what: string): VqganError => this.bad(what);
    const count = body[0] ?? 0;
    if (count < 1 || count > 4 || body.length < 4 + 2 * count) throw bad('bad scan header');
    const components = Array.from({ length: count }, (_, i): ScanComponent => {
      const id = body[1 + 2 * i]!;
      const component = frame.components.find((c) => c.id === id);
      if (component === undefined) throw bad(`a scan names component ${id}, which the frame lacks`);
      latchQuantTable(component, quantTables, bad);
      const ids = body[2 + 2 * i]!; // DC table id << 4 | AC table id
      return { component, dc: dcTables[ids >> 4], ac: acTables[ids & 15] };
    });
    const at = 1 + 2 * count;
    const ss = body[at]!;
    const se = body[at + 1]!;
    const ah = body[at + 2]! >> 4;
    const al = body[at + 2]! & 15;
    if (frame.progressive) {
      const dcScan = ss === 0;
      if ((dcScan && se !== 0) || (!dcScan && (se < ss || se > 63 || count !== 1)) || al > 13 || ah > 13) {
        throw bad(`bad progressive scan parameters (Ss ${ss}, Se ${se}, Ah ${ah}, Al ${al})`);
      }
    }
    if (count > 1 && components.reduce((n, sc) => n + sc.component.h * sc.component.v, 0) > 10) {
      throw bad('more than 10 blocks in an MCU');
    }
    return { components, ss, se, ah, al, restartInterval };
  }

  finish(): Frame {
    if (this.frame === undefined || this.scans === 0) throw this.bad('JPEG without image data');
    checkComplete(this.frame, this.name);
    return this.frame;
  }
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function unsupportedKind(marker: number): string {
  if (marker >= 0xc9 && marker <= 0xcb) {
    return 'arithmetic-coded JPEGs are not supported (Pillow\'s libjpeg-turbo reads them; this decoder does not)';
  }
  const kind = marker === 0xc3 ? 'lossless' : marker === 0xdc ? 'DNL-sized' : 'hierarchical or lossless';
  return `${kind} JPEGs are not supported (nor by Pillow's libjpeg-turbo 2.1)`;
}

function startsWithAscii(body: Uint8Array, text: string): boolean {
  return [...text].every((ch, i) => body[i] === ch.charCodeAt(0));
}

function readQuantTables(body: Uint8Array, tables: (Uint16Array | undefined)[], bad: (w: string) => VqganError): void {
  let p = 0;
  while (p < body.length) {
    const precision = body[p]! >> 4;
    const id = body[p]! & 15;
    const size = precision === 0 ? 64 : 128;
    if (precision > 1 || id > 3 || p + 1 + size > body.length) throw bad('bad quantisation table segment');
    const table = new Uint16Array(64);
    for (let k = 0; k < 64; k++) {
      const at = p + 1 + (precision === 0 ? k : 2 * k);
      table[NATURAL_ORDER[k]!] = precision === 0 ? body[at]! : (body[at]! << 8) | body[at + 1]!;
    }
    tables[id] = table;
    p += 1 + size;
  }
}

function readHuffmanTables(
  body: Uint8Array,
  dc: (HuffmanTable | undefined)[],
  ac: (HuffmanTable | undefined)[],
  name: string,
): void {
  let p = 0;
  while (p < body.length) {
    const kind = body[p]! >> 4;
    const id = body[p]! & 15;
    const counts = body.subarray(p + 1, p + 17);
    const total = counts.reduce((a, b) => a + b, 0);
    if (kind > 1 || id > 3 || counts.length < 16 || total > 256 || p + 17 + total > body.length) {
      throw new VqganError('BAD_FORMAT', `${name}: bad Huffman table segment`);
    }
    const table = buildHuffmanTable(counts, body.subarray(p + 17, p + 17 + total), name);
    (kind === 0 ? dc : ac)[id] = table;
    p += 17 + total;
  }
}

/** libjpeg copies a component's table when the component's first scan starts (jdinput.c latch_quant_tables). */
function latchQuantTable(c: Component, tables: (Uint16Array | undefined)[], bad: (w: string) => VqganError): void {
  if (c.quant !== undefined) return;
  const table = tables[c.quantId];
  if (table === undefined) throw bad(`quantisation table ${c.quantId} is used but not defined`);
  // jddctmgr.c stores the values as ISLOW_MULT_TYPE (int16): values above 32767 wrap.
  c.quant = new Int16Array(table);
}

/** libjpeg's coef_bits: each coefficient's last Al, from the scans that sent it. */
function recordRefinement(scan: Scan): void {
  for (const { component } of scan.components) component.coefBits.fill(scan.al, scan.ss, scan.se + 1);
}

/** libjpeg smooths blocks (jdcoefct.c) when any of AC coefficients 1..9 is not fully refined. */
function checkComplete(frame: Frame, name: string): void {
  if (!frame.progressive) return;
  for (const c of frame.components) {
    const bits = c.coefBits;
    if (bits[0]! < 0) {
      throw new VqganError('BAD_FORMAT', `${name}: progressive JPEG without the DC scan of component ${c.id}`);
    }
    for (let k = 1; k < 10; k++) {
      if (bits[k] !== 0) {
        throw new VqganError(
          'UNSUPPORTED',
          `${name}: progressive JPEG whose scans leave AC coefficient ${k} of component ${c.id} unrefined (libjpeg would smooth the blocks; not implemented)`,
        );
      }
    }
  }
}
