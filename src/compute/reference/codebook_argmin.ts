/**
 * Scalar reference for the nearest-codebook search (twin of kernels/codebook_argmin.ts).
 *
 * For each latent position p with vector z (D values, strided by P in the (D, P) latent):
 *   d_j = f32(f32(zz + ee_j) − f32(2 · dot_j))
 * where zz = Σ_c z_c² and dot_j = Σ_c z_c·E[j,c], both in c order with every × and +
 * rounded to float32, and ee_j = Σ_c E[j,c]² the same way (precomputed by codebookNorms).
 * The token is the first j with the smallest d_j (strict < while scanning j upwards).
 */
const f32 = Math.fround;

/** ee_j for every code: (K) from the codebook (K, D). */
export function codebookNorms(codebook: Float32Array, codes: number, dim: number, out: Float32Array): void {
  for (let j = 0; j < codes; j++) {
    let acc = 0;
    for (let c = 0; c < dim; c++) {
      const e = codebook[j * dim + c]!;
      acc = f32(acc + f32(e * e));
    }
    out[j] = acc;
  }
}

export function codebookArgmin(
  z: Float32Array, dim: number, positions: number, // (D, P)
  codebook: Float32Array, codes: number, // (K, D)
  norms: Float32Array, // (K) from codebookNorms
  tokens: Int32Array, // (P)
): void {
  for (let p = 0; p < positions; p++) {
    let zz = 0;
    for (let c = 0; c < dim; c++) {
      const v = z[c * positions + p]!;
      zz = f32(zz + f32(v * v));
    }
    let best = 0;
    let bestDistance = Infinity;
    for (let j = 0; j < codes; j++) {
      let dot = 0;
      const row = j * dim;
      for (let c = 0; c < dim; c++) dot = f32(dot + f32(z[c * positions + p]! * codebook[row + c]!));
      const d = f32(f32(zz + norms[j]!) - f32(2 * dot));
      if (d < bestDistance) {
        bestDistance = d;
        best = j;
      }
    }
    tokens[p] = best;
  }
}
