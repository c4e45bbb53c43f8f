/**
 * Scalar reference for single-head spatial self-attention (twin of kernels/attention.ts).
 * q, k, v, out are (C, N) with N = H·W positions.
 *
 * Canonical order:
 *   s_ij = f32(dot_ij · scale), dot_ij = Σ_c q[c,i]·k[c,j] in c order, each × and + rounded
 *   m_i = max_j s_ij;  e_ij = expf(f32(s_ij − m_i))
 *   sum_i = sumLanes4(e_i·) (float64);  A_ij = f32(e_ij · (1 / sum_i))   (× and ÷ in float64)
 *   out[c,i] = Σ_j A_ij · v[c,j] in j order, each × and + rounded, starting from 0.
 * `scores` is caller-provided scratch of N·N floats, filled with A (row i = query i).
 */
import { expf, sumLanes4 } from './math.js';

const f32 = Math.fround;

export function attention(
  q: Float32Array, k: Float32Array, v: Float32Array, // (C, N) each
  channels: number, positions: number,
  scale: number, // f32(C^−1/2)
  scores: Float32Array, // (N, N) scratch
  out: Float32Array, // (C, N)
): void {
  const n = positions;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    scores.fill(0, row, row + n);
    for (let c = 0; c < channels; c++) {
      const qc = q[c * n + i]!;
      const kRow = c * n;
      for (let j = 0; j < n; j++) scores[row + j]! += f32(qc * k[kRow + j]!);
    }
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      const s = f32(scores[row + j]! * scale);
      scores[row + j] = s;
      if (s > max) max = s;
    }
    for (let j = 0; j < n; j++) scores[row + j] = expf(f32(scores[row + j]! - max));
    const inv = 1 / sumLanes4(scores, row, n);
    for (let j = 0; j < n; j++) scores[row + j] = scores[row + j]! * inv;
  }
  for (let c = 0; c < channels; c++) {
    const vRow = c * n;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let acc = 0;
      for (let j = 0; j < n; j++) acc = f32(acc + f32(scores[row + j]! * v[vRow + j]!));
      out[vRow + i] = acc;
    }
  }
}
