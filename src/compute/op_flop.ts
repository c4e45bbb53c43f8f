/**
 * The floating-point work of each backend op, from its operands' shapes: a multiply and
 * an add count 2 (FLOP). The benchmark divides it by time for GFLOP/s per op
 * (src/bench/timed_backend.ts); the API counts it for progress fractions
 * (compute/progress_backend.ts). Only the multiply-add work is counted: GroupNorm, swish and
 * the codebook norms (computed once at load) count 0: under 1% of the arithmetic.
 */
import type { Tensor } from '../core/tensor.js';

/** 3×3 convolution, any mode: every output sums C_in · 9 products. */
export function conv3x3Flop(weight: Tensor, out: Tensor): number {
  return 2 * out.size * weight.shape[1]! * 9;
}

/** 1×1 convolution: every output sums C_in products. */
export function conv1x1Flop(weight: Tensor, out: Tensor): number {
  return 2 * out.size * weight.shape[1]!;
}

/** Attention over N = H·W positions of C channels: the N×N scores (qᵀk) and their use on v. */
export function attentionFlop(q: Tensor): number {
  const n = q.shape[1]! * q.shape[2]!;
  return 4 * n * n * q.shape[0]!;
}

/** Nearest-code search: a dot product with every code of the codebook (K, D) at every position of z (D, h, w). */
export function codebookArgminFlop(z: Tensor, codebook: Tensor): number {
  return 2 * z.shape[1]! * z.shape[2]! * codebook.size;
}
