/**
 * The hot loops of JPEG decoding behind one interface: the scalar twins of
 * src/compute/reference/, or the WebAssembly kernels (the same bytes, faster). Buffers come
 * from the implementation's arena, so the kernels can work on them in place.
 */
import { yccToRgb } from '../../compute/reference/jpeg_color.js';
import { idct8x8Islow } from '../../compute/reference/jpeg_idct.js';
import {
  upsampleH1V2Fancy,
  upsampleH2V1Fancy,
  upsampleH2V2Fancy,
  upsampleReplicate,
} from '../../compute/reference/jpeg_upsample.js';

/** Buffers for one decode, freed together by release(). */
export interface JpegArena {
  int16(count: number): Int16Array;
  uint8(count: number): Uint8Array;
  release(): void;
}

export interface JpegKernels {
  arena(): JpegArena;
  idct8x8Islow: typeof idct8x8Islow;
  upsampleH2V1Fancy: typeof upsampleH2V1Fancy;
  upsampleH1V2Fancy: typeof upsampleH1V2Fancy;
  upsampleH2V2Fancy: typeof upsampleH2V2Fancy;
  upsampleReplicate: typeof upsampleReplicate;
  yccToRgb: typeof yccToRgb;
}

export const referenceJpegKernels: JpegKernels = {
  arena: () => ({
    int16: (count) => new Int16Array(count),
    uint8: (count) => new Uint8Array(count),
    release: () => {},
  }),
  idct8x8Islow,
  upsampleH2V1Fancy,
  upsampleH1V2Fancy,
  upsampleH2V2Fancy,
  upsampleReplicate,
  yccToRgb,
};
