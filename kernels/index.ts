/**
 * The WebAssembly kernels: one module, memory imported from the host.
 *
 * Names, XNNPACK-style: <type>_<operation>[_<variant>], the element type first: f32 for the
 * model's floats, u8 for 8-bit pixels (u8_resample_rows_rgb: RGB rows; the weights they
 * take are int32 fixed point), i16 for JPEG coefficients (i16_idct8x8_islow: bytes out). Each number in a name means one thing:
 *   KxK after conv or pack   the filter size (f32_conv3x3_4x8, f32_pack1x1, f32_pack3x3_weights)
 *   trailing MRxNR           the register tile: MR output channels × NR pixels per step of the
 *                            inner loop (f32_conv3x3_4x8, f32_conv1x1_4x8)
 *   winograd_fMxM_RxR        Winograd F(M×M, R×R): an M×M output tile, an R×R filter
 *                            (f32_winograd_f6x6_3x3)
 *   s1, s2, up2              stride 1 or 2, or nearest ×2 upsampling then stride 1, only where
 *                            a kernel is specific to it (f32_pack3x3_s2)
 *   blockN                   a layout in blocks of N (f32_codebook_block8: 8 codes a block)
 *   idct8x8, hNvM            an 8×8 block transform; N:1 horizontal and M:1 vertical upsampling
 *                            (i16_idct8x8_islow, u8_upsample_h2v2_fancy): the JPEG decoder's
 *                            kernels, named after libjpeg-turbo's routines they reproduce
 * A suffix _bytes, _chunks or _co_block names a helper that gives the host a kernel's scratch
 * size (or a packing's), work items or channel block. heap_base, not a kernel, has no element type.
 * Each kernels/X.ts has a scalar twin src/compute/reference/X.ts that computes the same bits.
 */
export { f32_attention_rows, f32_transpose } from './attention';
export {
  f32_codebook_argmin,
  f32_codebook_argmin_state_bytes,
  f32_codebook_block8,
  f32_codebook_norms,
} from './codebook_argmin';
export { f32_conv1x1_4x8, f32_pack1x1 } from './conv1x1';
export {
  f32_conv3x3_4x8,
  f32_conv3x3_4x8_scratch_bytes,
  f32_pack3x3_s1,
  f32_pack3x3_s2,
  f32_pack3x3_up2,
  f32_pack3x3_weights,
} from './conv3x3';
export {
  f32_winograd_f4x4_2x2,
  f32_winograd_f4x4_3x3,
  f32_winograd_f6x6_3x3,
  f32_winograd_chunks,
  f32_winograd_co_block,
  f32_winograd_scratch_bytes,
} from './conv3x3_winograd';
export { f32_group_norm } from './group_norm';
export { u8_ycc_to_rgb } from './jpeg_color';
export { i16_idct8x8_islow, i16_idct8x8_islow_scratch_bytes } from './jpeg_idct';
export {
  u8_upsample_h1v2_fancy,
  u8_upsample_h2v1_fancy,
  u8_upsample_h2v2_fancy,
  u8_upsample_replicate,
} from './jpeg_upsample';
export {
  u8_pack_rows_rgb_weights,
  u8_pack_rows_rgb_weights_bytes,
  u8_resample_columns,
  u8_resample_rows_rgb,
} from './resample';
export { f32_split_phases } from './phases';
export { f32_exp_constants, f32_exp_constants_bytes } from './math';
export { f32_simd_peak } from './bench/simd_peak';
export { heap_base } from './common/memory';
