/**
 * The hot loops of JPEG decoding behind one interface: the scalar twins of
 * src/compute/reference/, or the WebAssembly kernels (the same bytes, faster).
 *
 * A decode opens one session with the buffers it needs (sizes known from the frame); the
 * kernels work in them, so with WebAssembly they live in the kernels' memory: small ring
 * buffers and strips, never the whole image. Coefficients and the RGB result stay in
 * ordinary arrays; the WebAssembly ops copy them in and out a strip at a time.
 */
import { yccToRgb } from '../../compute/reference/jpeg_color.js';
import { idct8x8Islow } from '../../compute/reference/jpeg_idct.js';
import {
  upsampleH1V2Fancy,
  upsampleH2V1Fancy,
  upsampleH2V2Fancy,
  upsampleReplicate,
} from '../../compute/reference/jpeg_upsample.js';
import type { PixelKernels } from '../../compute/wasm/pixel_kernels.js';

export interface SessionRequest {
  /** Byte lengths of the sample buffers the decode works in. */
  buffers: readonly number[];
  /** The most coefficient blocks one idct call transforms. */
  maxBlocks: number;
  /** The most RGB bytes one yccToRgb call writes. */
  maxRgbBytes: number;
}

/** The ops over one session's buffers; rows are (buffer, offset) pairs. */
export interface JpegOps {
  /** coefs: blockRows × blocksPerLine blocks (natural order) → out, block row r at row 8r. */
  idct(coefs: Int16Array, quant: Int16Array, blocksPerLine: number, blockRows: number, out: Uint8Array, o: number, outStride: number): void;
  upsampleH2V1Fancy: typeof upsampleH2V1Fancy;
  upsampleH1V2Fancy: typeof upsampleH1V2Fancy;
  upsampleH2V2Fancy: typeof upsampleH2V2Fancy;
  upsampleReplicate: typeof upsampleReplicate;
  /** Planes at yo, cbo, cro (stride bytes a row) → width × rows RGB pixels into rgb at ro. */
  yccToRgb(buffers: { y: Uint8Array; yo: number; cb: Uint8Array; cbo: number; cr: Uint8Array; cro: number; }, stride: number, width: number, rows: number, rgb: Uint8Array, ro: number): void;
}

export interface JpegKernels {
  session<T>(request: SessionRequest, f: (buffers: Uint8Array[], ops: JpegOps) => T): T;
}

export const referenceJpegKernels: JpegKernels = {
  session: (request, f) =>
    f(request.buffers.map((n) => new Uint8Array(n)), {
      idct: (coefs, quant, blocksPerLine, blockRows, out, o, outStride) =>
        idct8x8Islow(coefs, quant, blocksPerLine, out.subarray(o), outStride, 0, blockRows),
      upsampleH2V1Fancy,
      upsampleH1V2Fancy,
      upsampleH2V2Fancy,
      upsampleReplicate,
      yccToRgb: (p, stride, width, rows, rgb, ro) =>
        yccToRgb(p.y.subarray(p.yo), p.cb.subarray(p.cbo), p.cr.subarray(p.cro), stride, width, rows, rgb.subarray(ro)),
    }),
};

/** The kernels of `pixels`: every buffer, staging area and scratch allocated up front, so no view goes stale. */
export function wasmJpegKernels(pixels: PixelKernels): JpegKernels {
  const k = pixels.exports;
  return {
    session: (request, f) =>
      pixels.withArena((arena) => {
        const ptrs = request.buffers.map((n) => arena.alloc(Math.max(n, 1)));
        const coefPtr = arena.alloc(request.maxBlocks * 128);
        const quantPtr = arena.alloc(128);
        const scratch = arena.alloc(k.i16_idct8x8_islow_scratch_bytes());
        const rgbPtr = arena.alloc(Math.max(request.maxRgbBytes, 1));
        const buffers = ptrs.map((ptr, i) => arena.bytes(ptr, request.buffers[i]!));
        const { buffer } = pixels.memory;
        const at = (view: Uint8Array, offset: number): number => {
          if (view.buffer !== buffer) throw new Error('JPEG kernels: a row outside the session\'s buffers');
          return view.byteOffset + offset;
        };
        const ops: JpegOps = {
          idct: (coefs, quant, blocksPerLine, blockRows, out, o, outStride) => {
            new Int16Array(buffer, coefPtr, coefs.length).set(coefs);
            new Int16Array(buffer, quantPtr, 64).set(quant);
            k.i16_idct8x8_islow(coefPtr, quantPtr, blocksPerLine, at(out, o), outStride, scratch, 0, blockRows);
          },
          upsampleH2V1Fancy: (src, s, dw, out, o) => k.u8_upsample_h2v1_fancy(at(src, s), dw, at(out, o)),
          upsampleH1V2Fancy: (src, near, far, dw, bias, out, o) =>
            k.u8_upsample_h1v2_fancy(at(src, near), at(src, far), dw, bias, at(out, o)),
          upsampleH2V2Fancy: (src, near, far, dw, out, o) =>
            k.u8_upsample_h2v2_fancy(at(src, near), at(src, far), dw, at(out, o)),
          upsampleReplicate: (src, s, h, outW, out, o) => k.u8_upsample_replicate(at(src, s), h, outW, at(out, o)),
          yccToRgb: (p, stride, width, rows, rgb, ro) => {
            k.u8_ycc_to_rgb(at(p.y, p.yo), at(p.cb, p.cbo), at(p.cr, p.cro), stride, width, rows, rgbPtr);
            rgb.set(new Uint8Array(buffer, rgbPtr, width * rows * 3), ro);
          },
        };
        return f(buffers, ops);
      }),
  };
}
