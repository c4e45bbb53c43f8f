/** The WebAssembly kernels: one module, memory imported from the host. */
export { f32_attention_rows, f32_transpose } from './attention';
export { f32_codebook_argmin, f32_codebook_argmin_state_bytes, f32_codebook_block8, f32_codebook_norms } from './codebook_argmin';
export { f32_conv1x1_4x8, f32_pack1x1 } from './conv1x1';
export { f32_conv3x3_4x8, f32_conv3x3_4x8_scratch_bytes, f32_pack3x3_s1, f32_pack3x3_s2, f32_pack3x3_up2, f32_pack_weights3x3 } from './conv3x3';
export {
  f32_conv2x2_winograd4x4, f32_conv3x3_winograd4x4, f32_conv3x3_winograd6x6, f32_conv3x3_winograd_chunks, f32_conv3x3_winograd_co_block,
  f32_conv3x3_winograd_scratch_bytes,
} from './conv3x3_winograd';
export { f32_group_norm } from './group_norm';
export { f32_split_phases } from './phases';
export { f32_exp_constants, f32_exp_constants_bytes } from './math';
export { f32_simd_peak } from './bench/simd_peak';
