/**
 * Coefficients → RGB, one iMCU row (max_v · 8 image rows) at a time, as libjpeg does it:
 * the IDCT of each component's rows into a ring of three iMCU rows (the one above and
 * the one below give the context rows of the fancy upsamplers), libjpeg's choice of
 * upsampling (jdsample.c jinit_upsampler) into a strip of full-size rows, then the colour
 * conversion of the strip.
 */
import { VqganError } from '../../core/errors.js';
import type { RgbImage } from '../rgb_image.js';
import type { ColourInfo } from './decode_jpeg.js';
import type { Component, Frame } from './frame.js';
import type { JpegKernels, JpegOps } from './jpeg_kernels.js';

type ColourSpace = 'grey' | 'ycc' | 'rgb' | 'cmyk' | 'ycck';

/** libjpeg's guess of the colour space (jdapimin.c default_decompress_parms). */
function colourSpace(frame: Frame, { sawJfif, adobeTransform }: ColourInfo): ColourSpace {
  const { components } = frame;
  if (components.length === 1) return 'grey';
  if (components.length === 4) return adobeTransform === undefined || adobeTransform === 0 ? 'cmyk' : 'ycck';
  if (sawJfif) return 'ycc';
  if (adobeTransform !== undefined) return adobeTransform === 0 ? 'rgb' : 'ycc';
  const ids = components.map((c) => c.id).join();
  return ids === '82,71,66' ? 'rgb' : 'ycc'; // 'R', 'G', 'B'
}

/** How a component becomes full size (jinit_upsampler's cases). */
type Upsampling =
  | { kind: 'full' }
  | { kind: 'h2v1' }
  | { kind: 'h1v2' }
  | { kind: 'h2v2' }
  | { kind: 'replicate'; h: number; v: number; };

function upsamplingOf(c: Component, frame: Frame, name: string): Upsampling {
  const { maxH, maxV } = frame;
  if (c.h === maxH && c.v === maxV) return { kind: 'full' };
  // Fancy upsampling needs at least 3 samples a row; narrower planes are replicated.
  if (c.h * 2 === maxH && c.v === maxV) return c.dw > 2 ? { kind: 'h2v1' } : { kind: 'replicate', h: 2, v: 1 };
  if (c.h === maxH && c.v * 2 === maxV) return { kind: 'h1v2' };
  if (c.h * 2 === maxH && c.v * 2 === maxV) return c.dw > 2 ? { kind: 'h2v2' } : { kind: 'replicate', h: 2, v: 2 };
  if (maxH % c.h === 0 && maxV % c.v === 0) return { kind: 'replicate', h: maxH / c.h, v: maxV / c.v };
  throw new VqganError(
    'UNSUPPORTED',
    `${name}: JPEG component ${c.id} sampled ${c.h}×${c.v} against ${maxH}×${maxV} (not an integer ratio; libjpeg refuses it too)`,
  );
}

/** A component's ring of three iMCU rows of IDCT output. */
class Ring {
  readonly stride: number;
  readonly slotRows: number;

  constructor(readonly c: Component, readonly samples: Uint8Array) {
    this.stride = c.blocksPerLine * 8;
    this.slotRows = c.v * 8;
  }

  static bytes(c: Component): number {
    return 3 * c.v * 8 * c.blocksPerLine * 8;
  }

  /** The IDCT of iMCU row m into its slot. */
  fill(m: number, ops: JpegOps): void {
    const { c, stride, slotRows } = this;
    const blocks = c.v * c.blocksPerLine;
    ops.idct(c.coefs.subarray(m * blocks * 64, (m + 1) * blocks * 64), c.quant!, c.blocksPerLine, c.v, this.samples, (m % 3) * slotRows * stride, stride);
  }

  /** Where component row j starts, j clamped to the real rows 0..dh−1 (libjpeg's context rows). */
  row(j: number): number {
    const clamped = j < 0 ? 0 : j >= this.c.dh ? this.c.dh - 1 : j;
    return ((Math.floor(clamped / this.slotRows) % 3) * this.slotRows + (clamped % this.slotRows)) * this.stride;
  }
}

export function toRgb(frame: Frame, colour: ColourInfo, kernels: JpegKernels, name: string): RgbImage {
  const { width, height, maxV, mcusPerColumn, components } = frame;
  for (const c of components) {
    if (c.quant === undefined) throw new VqganError('BAD_FORMAT', `${name}: JPEG component ${c.id} has no scan`);
  }
  const upsampling = components.map((c) => upsamplingOf(c, frame, name));
  const space = colourSpace(frame, colour);
  // Full-size rows have the luma's length: whole MCUs, at least every upsampled width.
  const stride = frame.mcusPerLine * frame.maxH * 8;
  const stripRows = maxV * 8;
  const request = {
    buffers: [
      ...components.map((c) => Ring.bytes(c)),
      ...upsampling.map((u) => (u.kind === 'full' ? 0 : stripRows * stride)),
    ],
    maxBlocks: Math.max(...components.map((c) => c.v * c.blocksPerLine)),
    maxRgbBytes: stripRows * width * 3,
  };
  const data = new Uint8Array(width * height * 3);
  kernels.session(request, (buffers, ops) => {
    const rings = components.map((c, i) => new Ring(c, buffers[i]!));
    const strips = buffers.slice(components.length);
    for (let m = 0; m < mcusPerColumn; m++) {
      for (const ring of rings) {
        if (m === 0) ring.fill(0, ops);
        if (m + 1 < mcusPerColumn) ring.fill(m + 1, ops);
      }
      const y0 = m * stripRows;
      const rows = Math.min(stripRows, height - y0);
      // Each component's full-size rows y0 .. y0 + rows − 1, as (buffer, offset of row y0).
      const planes = rings.map((ring, i) => fullSizeRows(ring, upsampling[i]!, strips[i]!, frame, y0, rows, stride, ops));
      convertStrip(space, planes, stride, width, rows, data, y0 * width * 3, ops);
    }
  });
  return { width, height, data };
}

interface Rows {
  buffer: Uint8Array;
  offset: number;
}

function fullSizeRows(
  ring: Ring,
  u: Upsampling,
  strip: Uint8Array,
  frame: Frame,
  y0: number,
  rows: number,
  stride: number,
  ops: JpegOps,
): Rows {
  if (u.kind === 'full') return { buffer: ring.samples, offset: ring.row(y0) }; // ring.stride === stride
  const { dw } = ring.c;
  for (let r = 0; r < rows; r++) {
    const y = y0 + r;
    const o = r * stride;
    const { samples } = ring;
    if (u.kind === 'h2v1') ops.upsampleH2V1Fancy(samples, ring.row(y), dw, strip, o);
    else if (u.kind === 'replicate') ops.upsampleReplicate(samples, ring.row(Math.floor(y / u.v)), u.h, frame.width, strip, o);
    else {
      // The nearer input row, and the farther one: above for even output rows, below for odd.
      const j = y >> 1;
      const far = ring.row(y & 1 ? j + 1 : j - 1);
      if (u.kind === 'h1v2') ops.upsampleH1V2Fancy(samples, ring.row(j), far, dw, y & 1 ? 2 : 1, strip, o);
      else ops.upsampleH2V2Fancy(samples, ring.row(j), far, dw, strip, o);
    }
  }
  return { buffer: strip, offset: 0 };
}

function convertStrip(
  space: ColourSpace,
  planes: Rows[],
  stride: number,
  width: number,
  rows: number,
  data: Uint8Array,
  at: number,
  ops: JpegOps,
): void {
  if (space === 'ycc' || space === 'ycck') {
    const [y, cb, cr] = planes as [Rows, Rows, Rows];
    ops.yccToRgb(
      { y: y.buffer, yo: y.offset, cb: cb.buffer, cbo: cb.offset, cr: cr.buffer, cro: cr.offset },
      stride,
      width,
      rows,
      data,
      at,
    );
  } else {
    for (let r = 0; r < rows; r++) {
      for (let x = 0; x < width; x++) {
        const o = at + (r * width + x) * 3;
        for (let c = 0; c < 3; c++) {
          const plane = planes[space === 'grey' ? 0 : c]!;
          data[o + c] = plane.buffer[plane.offset + r * stride + x]!;
        }
      }
    }
  }
  if (space === 'cmyk' || space === 'ycck') cmykToRgb(data, at, planes[3]!, stride, width, rows, space === 'cmyk');
}

/**
 * Pillow's CMYK JPEGs: it reads them as Adobe-inverted ("CMYK;I": v → 255 − v), then
 * convert('RGB') gives clip(nk − MULDIV255(c', nk)) with nk = 255 − k' (Convert.c
 * cmyk2rgb). data holds libjpeg's C, M, Y on entry (cmyk), or the RGB of a YCCK file's YCC
 * (libjpeg's C is 255 − R, so the inverted C' is R); k holds K, so nk = 255 − (255 − K) = K.
 */
function cmykToRgb(data: Uint8Array, at: number, k: Rows, stride: number, width: number, rows: number, inverted: boolean): void {
  for (let r = 0; r < rows; r++) {
    for (let x = 0; x < width; x++) {
      const nk = k.buffer[k.offset + r * stride + x]!;
      const o = at + (r * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const cPrime = inverted ? 255 - data[o + c]! : data[o + c]!;
        const t = cPrime * nk + 128;
        const v = nk - (((t >> 8) + t) >> 8);
        data[o + c] = v < 0 ? 0 : v;
      }
    }
  }
}
