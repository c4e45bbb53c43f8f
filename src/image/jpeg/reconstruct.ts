/**
 * Coefficients → RGB: the IDCT of each component, libjpeg's choice of upsampling
 * (jdsample.c jinit_upsampler) to the full size, then the colour conversion.
 */
import { VqganError } from '../../core/errors.js';
import type { RgbImage } from '../rgb_image.js';
import type { ColourInfo } from './decode_jpeg.js';
import type { Component, Frame } from './frame.js';
import type { JpegArena, JpegKernels } from './jpeg_kernels.js';

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

export function toRgb(frame: Frame, colour: ColourInfo, kernels: JpegKernels, arena: JpegArena, name: string): RgbImage {
  const { width, height } = frame;
  // Every full-size plane has the luma's row length: whole MCUs, at least the upsampled widths.
  const stride = frame.mcusPerLine * frame.maxH * 8;
  const planes = frame.components.map((c) => fullSizePlane(c, frame, stride, kernels, arena, name));
  const pixels = width * height;
  const data = new Uint8Array(pixels * 3);
  const space = colourSpace(frame, colour);
  if (space === 'ycc' || space === 'ycck') {
    const rgb = arena.uint8(pixels * 3);
    kernels.yccToRgb(planes[0]!, planes[1]!, planes[2]!, stride, width, height, rgb);
    data.set(rgb);
  } else {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const s = y * stride + x;
        const o = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) data[o + c] = planes[space === 'grey' ? 0 : c]![s]!;
      }
    }
  }
  if (space === 'cmyk' || space === 'ycck') cmykToRgb(data, planes[3]!, stride, width, height, space === 'cmyk');
  return { width, height, data };
}

/**
 * Pillow's CMYK JPEGs: it reads them as Adobe-inverted ("CMYK;I": v → 255 − v), then
 * convert('RGB') gives 255 − k' − c'·(255 − k')/255 with its rounding (Convert.c
 * cmyk2rgb: nk = 255 − k', out = clip(nk − MULDIV255(c', nk))). data holds libjpeg's
 * C, M, Y on entry (cmyk) or the RGB of a YCCK file's YCC (libjpeg's C = 255 − R, so the
 * inverted C' is R); k holds K.
 */
function cmykToRgb(data: Uint8Array, k: Uint8Array, stride: number, width: number, height: number, inverted: boolean): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const nk = k[y * stride + x]!; // 255 − k' = 255 − (255 − K) = K
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const cPrime = inverted ? 255 - data[o + c]! : data[o + c]!;
        const t = cPrime * nk + 128;
        const v = nk - (((t >> 8) + t) >> 8);
        data[o + c] = v < 0 ? 0 : v;
      }
    }
  }
}

function fullSizePlane(
  c: Component,
  frame: Frame,
  stride: number,
  kernels: JpegKernels,
  arena: JpegArena,
  name: string,
): Uint8Array {
  if (c.quant === undefined) throw new VqganError('BAD_FORMAT', `${name}: JPEG component ${c.id} has no scan`);
  const { maxH, maxV, width, height } = frame;
  const idctStride = c.blocksPerLine * 8;
  const blockRows = Math.ceil(c.dh / 8);
  const samples = arena.uint8(idctStride * blockRows * 8);
  kernels.idct8x8Islow(c.coefs, c.quant, c.blocksPerLine, samples, idctStride, 0, blockRows);
  if (c.h === maxH && c.v === maxV) return samples; // idctStride === stride
  const out = arena.uint8(stride * height);
  if (c.h * 2 === maxH && c.v === maxV) {
    if (c.dw > 2) kernels.upsampleH2V1Fancy(samples, idctStride, c.dw, height, out, stride);
    else kernels.upsampleReplicate(samples, idctStride, 2, 1, out, stride, width, height);
  } else if (c.h === maxH && c.v * 2 === maxV) {
    kernels.upsampleH1V2Fancy(samples, idctStride, c.dw, c.dh, out, stride, height);
  } else if (c.h * 2 === maxH && c.v * 2 === maxV) {
    if (c.dw > 2) kernels.upsampleH2V2Fancy(samples, idctStride, c.dw, c.dh, out, stride, height);
    else kernels.upsampleReplicate(samples, idctStride, 2, 2, out, stride, width, height);
  } else if (maxH % c.h === 0 && maxV % c.v === 0) {
    kernels.upsampleReplicate(samples, idctStride, maxH / c.h, maxV / c.v, out, stride, width, height);
  } else {
    throw new VqganError(
      'UNSUPPORTED',
      `${name}: JPEG component ${c.id} sampled ${c.h}×${c.v} against ${maxH}×${maxV} (not an integer ratio; libjpeg refuses it too)`,
    );
  }
  return out;
}
