/**
 * Nearest code, twin of src/reference/codebook_argmin.ts (same order):
 *   d_j = f32(f32(zz + ee_j) − f32(2 · dot_j)), zz and dot_j summed over c in order;
 *   the first j with the smallest d_j.
 * Lanes over codes: the codebook comes transposed, codebookT (D, K).
 */

/** ee_j = Σ_c E[j,c]² in c order; codebook (K, D) → norms (K). */
export function f32_codebook_norms(codebook: usize, codes: i32, dim: i32, norms: usize): void {
  for (let j = 0; j < codes; j++) {
    let acc: f32 = 0;
    for (let c = 0; c < dim; c++) {
      const e = load<f32>(codebook + (<usize>(j * dim + c) << 2));
      acc += e * e;
    }
    store<f32>(norms + (<usize>j << 2), acc);
  }
}

/** z (D, P), codebookT (D, K), norms (K) → tokens (P) as i32. */
export function f32_codebook_argmin(
  z: usize, dim: i32, positions: i32, codebookT: usize, codes: i32, norms: usize, tokens: usize,
): void {
  const row = <usize>codes << 2;
  for (let p = 0; p < positions; p++) {
    let zz: f32 = 0;
    for (let c = 0; c < dim; c++) {
      const v = load<f32>(z + (<usize>(c * positions + p) << 2));
      zz += v * v;
    }
    const vzz = f32x4.splat(zz);
    const two = f32x4.splat(2);
    // Per lane: the smallest distance so far and its index (strict < keeps the first).
    let best = f32x4.splat(Infinity);
    let bestIndex = i32x4.splat(0);
    let j = 0;
    for (; j + 8 <= codes; j += 8) {
      let d0 = f32x4.splat(0), d1 = d0;
      let pe = codebookT + (<usize>j << 2);
      for (let c = 0; c < dim; c++) {
        const zc = v128.load32_splat(z + (<usize>(c * positions + p) << 2));
        d0 = f32x4.add(d0, f32x4.mul(zc, v128.load(pe)));
        d1 = f32x4.add(d1, f32x4.mul(zc, v128.load(pe, 16)));
        pe += row;
      }
      const n = norms + (<usize>j << 2);
      const e0 = f32x4.sub(f32x4.add(vzz, v128.load(n)), f32x4.mul(two, d0));
      const e1 = f32x4.sub(f32x4.add(vzz, v128.load(n, 16)), f32x4.mul(two, d1));
      let lt = f32x4.lt(e0, best);
      best = v128.bitselect(e0, best, lt);
      bestIndex = v128.bitselect(i32x4.add(i32x4.splat(j), i32x4(0, 1, 2, 3)), bestIndex, lt);
      lt = f32x4.lt(e1, best);
      best = v128.bitselect(e1, best, lt);
      bestIndex = v128.bitselect(i32x4.add(i32x4.splat(j + 4), i32x4(0, 1, 2, 3)), bestIndex, lt);
    }
    // Across lanes: the smallest distance, the smallest index among equals.
    let bd = f32x4.extract_lane(best, 0);
    let bi = i32x4.extract_lane(bestIndex, 0);
    for (let l = 1; l < 4; l++) {
      const d = l == 1 ? f32x4.extract_lane(best, 1) : l == 2 ? f32x4.extract_lane(best, 2) : f32x4.extract_lane(best, 3);
      const i = l == 1 ? i32x4.extract_lane(bestIndex, 1) : l == 2 ? i32x4.extract_lane(bestIndex, 2) : i32x4.extract_lane(bestIndex, 3);
      if (d < bd || (d == bd && i < bi)) {
        bd = d;
        bi = i;
      }
    }
    for (; j < codes; j++) {
      let dot: f32 = 0;
      for (let c = 0; c < dim; c++) {
        dot += load<f32>(z + (<usize>(c * positions + p) << 2)) * load<f32>(codebookT + (<usize>(c * codes + j) << 2));
      }
      const d = (zz + load<f32>(norms + (<usize>j << 2))) - <f32>2 * dot;
      if (d < bd) {
        bd = d;
        bi = j;
      }
    }
    store<i32>(tokens + (<usize>p << 2), bi);
  }
}
