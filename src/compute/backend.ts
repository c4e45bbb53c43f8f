/**
 * What a compute backend offers the ops: memory the kernels can see, and one compute
 * function per kernel. Ops (ops.ts) validate shapes before calling these; backends
 * trust them. The scalar reference and the WebAssembly backend implement the same
 * canonical order of float operations, so they give the same bytes.
 */
import { VqganError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';

/**
 * The kinds of 3×3 convolution (input C_in × H_in × W_in, output C_out × H_out × W_out):
 *   's1'  stride 1, padding 1:                        H_out = H_in,     W_out = W_in
 *   's2'  stride 2 after zero-padding right/bottom:   H_out = H_in / 2, W_out = W_in / 2
 *   'up2' nearest ×2 upsampling, then stride 1 pad 1: H_out = 2·H_in,   W_out = 2·W_in
 */
export type Conv3x3Kind = 's1' | 's2' | 'up2';

export type BackendName = 'wasm' | 'reference';
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'reference'];

/**
 * How the 3×3 convolutions compute: 'exact', the direct sum (the canonical computation,
 * the default), or 'fast', Winograd's algorithm (src/compute/reference/conv3x3_winograd.ts):
 * F(6×6, 3×3) on maps of 64 and wider, F(4×4, 3×3) on smaller ones, and the stride-2
 * ones as F(4×4, 2×2) on the input's phases; a fifth to a half of the multiplies, float32
 * errors a few times larger. Each mode has its own canonical order, so each gives the
 * same bytes on every backend, runtime and thread count.
 */
export type ComputeMode = 'exact' | 'fast';
export const COMPUTE_MODES: readonly ComputeMode[] = ['exact', 'fast'];

/** `value` as a mode, or a BAD_ARGUMENT error naming `source` (an option) and the value. */
export function parseComputeMode(value: unknown, source: string): ComputeMode {
  if (!COMPUTE_MODES.includes(value as ComputeMode)) {
    throw new VqganError('BAD_ARGUMENT', `${source} ${String(value)}: use ${COMPUTE_MODES.join(' or ')}`);
  }
  return value as ComputeMode;
}

export interface Backend {
  readonly name: BackendName;
  readonly mode: ComputeMode;
  /** Threads that compute each op (1 for the reference). */
  readonly threads: number;
  /** Ends any worker threads; the backend is not used again. */
  dispose(): void;
  /**
   * A tensor in memory that this backend's kernels can read and write. Its values are
   * unspecified (left from earlier use): every op writes all of its output.
   */
  alloc(shape: readonly number[]): Tensor;
  /** A tensor in this backend's memory with t's values (the reference keeps t itself). */
  adopt(t: Tensor): Tensor;
  /** Gives t's memory back; t is not used again. */
  release(t: Tensor): void;
  /** t's values as an ordinary tensor, t released. */
  download(t: Tensor): Tensor;

  /**
   * Puts a 3×3 weight (C_out, C_in, 3, 3) into the layout that conv3x3 reads for `kind`
   * (packed, or Winograd-transformed), once: the model does it at load; conv3x3 does it
   * at first use otherwise. The row-major values may be given back afterwards. `width`:
   * the output width the convolution is made for (the model's, at its configured
   * resolution; at first use, that of the output), by which the fast mode picks its
   * Winograd tile (winogradKindFor): a weight keeps that tile whatever the maps it meets.
   */
  prepareConv3x3(weight: Tensor, kind: Conv3x3Kind, width: number): void;
  /** x (C_in, H_in, W_in), weight (C_out, C_in, 3, 3), bias (C_out) → out (C_out, H_out, W_out). */
  conv3x3(x: Tensor, weight: Tensor, bias: Tensor, kind: Conv3x3Kind, residual: Tensor | null, out: Tensor): void;
  /** x (C_in, H, W), weight (C_out, C_in, 1, 1), bias (C_out) → out (C_out, H, W). */
  conv1x1(x: Tensor, weight: Tensor, bias: Tensor, residual: Tensor | null, out: Tensor): void;
  /** x (C, H, W) → out (C, H, W), GroupNorm then swish when `swish`. */
  groupNorm(x: Tensor, weight: Tensor, bias: Tensor, groups: number, swish: boolean, out: Tensor): void;
  /** q, k, v (C, H, W) → out (C, H, W); scores is (N, N) scratch, N = H·W. */
  attention(q: Tensor, k: Tensor, v: Tensor, scale: number, scores: Tensor, out: Tensor): void;
  /** codebook (K, D) → norms (K). */
  codebookNorms(codebook: Tensor, norms: Tensor): void;
  /** z (D, h, w), codebook (K, D), norms (K) → tokens (h·w). */
  codebookArgmin(z: Tensor, codebook: Tensor, norms: Tensor, tokens: Int32Array): void;
}
