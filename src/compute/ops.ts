/**
 * The ops the model graph is wired from. Each checks its operands' shapes (throwing a
 * readable BAD_SHAPE error), allocates its output through the backend, and calls the
 * backend's one compute function for it. Activations are (C, H, W): batch 1.
 */
import type { Backend } from './backend.js';
import { VqganError, formatShape } from '../core/errors.js';
import { sameShape, type Tensor } from '../core/tensor.js';
import type { Conv3x3Kind } from './backend.js';
import { checkTokenGrid, type TokenGrid } from '../core/tokens.js';

export interface ConvParams {
  readonly weight: Tensor; // (C_out, C_in, k, k)
  readonly bias: Tensor; // (C_out)
}

export interface NormParams {
  readonly weight: Tensor; // (C)
  readonly bias: Tensor; // (C)
}

function expectShape(op: string, what: string, t: Tensor, expected: readonly number[]): void {
  if (!sameShape(t.shape, expected)) {
    throw new VqganError(
      'BAD_SHAPE',
      `${op}: ${what} has shape ${formatShape(t.shape)}, expected ${formatShape(expected)}`,
    );
  }
}

function expectRank3(op: string, x: Tensor): [number, number, number] {
  if (x.shape.length !== 3) {
    throw new VqganError('BAD_SHAPE', `${op}: input has shape ${formatShape(x.shape)}, expected (C, H, W)`);
  }
  return [x.shape[0]!, x.shape[1]!, x.shape[2]!];
}

function checkConv(op: string, x: Tensor, conv: ConvParams, k: number): [number, number, number, number] {
  const [cin, h, w] = expectRank3(op, x);
  const cout = conv.weight.shape[0]!;
  expectShape(op, 'weight', conv.weight, [cout, cin, k, k]);
  expectShape(op, 'bias', conv.bias, [cout]);
  return [cout, cin, h, w];
}

export function conv3x3(
  be: Backend,
  x: Tensor,
  conv: ConvParams,
  kind: Conv3x3Kind = 's1',
  residual: Tensor | null = null,
): Tensor {
  const op = `conv3x3 ${kind}`;
  const [cout, , h, w] = checkConv(op, x, conv, 3);
  if (kind === 's2' && (h % 2 !== 0 || w % 2 !== 0)) {
    throw new VqganError('BAD_SHAPE', `${op}: input ${formatShape(x.shape)} needs an even height and width`);
  }
  const [ho, wo] = kind === 's2' ? [h / 2, w / 2] : kind === 'up2' ? [2 * h, 2 * w] : [h, w];
  if (residual !== null) expectShape(op, 'residual', residual, [cout, ho, wo]);
  const out = be.alloc([cout, ho, wo]);
  be.conv3x3(x, conv.weight, conv.bias, kind, residual, out);
  return out;
}

export function conv1x1(be: Backend, x: Tensor, conv: ConvParams, residual: Tensor | null = null): Tensor {
  const [cout, , h, w] = checkConv('conv1x1', x, conv, 1);
  if (residual !== null) expectShape('conv1x1', 'residual', residual, [cout, h, w]);
  const out = be.alloc([cout, h, w]);
  be.conv1x1(x, conv.weight, conv.bias, residual, out);
  return out;
}

export const GROUPS = 32;

/** GroupNorm(32) and, when `swish`, x·sigmoid(x) fused after it. */
export function groupNorm(be: Backend, x: Tensor, norm: NormParams, swish: boolean): Tensor {
  const [c] = expectRank3('groupNorm', x);
  if (c % GROUPS !== 0) {
    throw new VqganError('BAD_SHAPE', `groupNorm: ${c} channels do not split into ${GROUPS} groups`);
  }
  expectShape('groupNorm', 'weight', norm.weight, [c]);
  expectShape('groupNorm', 'bias', norm.bias, [c]);
  const out = be.alloc(x.shape);
  be.groupNorm(x, norm.weight, norm.bias, GROUPS, swish, out);
  return out;
}

/** softmax(qᵀk · C^−1/2) applied to v, over the H·W positions. */
export function attention(be: Backend, q: Tensor, k: Tensor, v: Tensor): Tensor {
  const [c, h, w] = expectRank3('attention', q);
  expectShape('attention', 'k', k, q.shape);
  expectShape('attention', 'v', v, q.shape);
  const n = h * w;
  const scores = be.alloc([n, n]);
  const out = be.alloc(q.shape);
  be.attention(q, k, v, Math.fround(1 / Math.sqrt(c)), scores, out);
  be.release(scores);
  return out;
}

/** Index of the nearest code for every position of z (D, h, w): (h·w) tokens, row-major. */
export function codebookArgmin(be: Backend, z: Tensor, codebook: Tensor, norms: Tensor): Int32Array {
  const [d, h, w] = expectRank3('codebookArgmin', z);
  const k = codebook.shape[0]!;
  expectShape('codebookArgmin', 'codebook', codebook, [k, d]);
  expectShape('codebookArgmin', 'norms', norms, [k]);
  const tokens = new Int32Array(h * w);
  be.codebookArgmin(z, codebook, norms, tokens);
  return tokens;
}

/**
 * For every position of x (C, h, w), the channel of the largest value, the first on ties:
 * (h·w) tokens, row-major (GumbelVQ's tokens from its logits). NaN never wins; a position
 * of NaNs gives 0. Computed on the host, as `embed`: one pass over C·h·w values.
 */
export function argmaxChannels(x: Tensor): Int32Array {
  const [c, h, w] = expectRank3('argmaxChannels', x);
  const p = h * w;
  const { data } = x;
  const tokens = new Int32Array(p);
  const best = data.slice(0, p);
  for (let ch = 1; ch < c; ch++) {
    const row = ch * p;
    for (let i = 0; i < p; i++) {
      const v = data[row + i]!;
      // `>` keeps the first maximum; `!(best >= best)` lets a number replace a NaN.
      if (v > best[i]! || (!(best[i]! >= best[i]!) && v === v)) {
        best[i] = v;
        tokens[i] = ch;
      }
    }
  }
  return tokens;
}

/**
 * x / max(‖x‖₂, 1e-12) along `axis` (torch's F.normalize): for x (C, h, w) each position's
 * channel vector (axis 0), for a codebook (K, D) each code (axis 1). The squared norm is
 * summed in float64 in index order, its square root taken in float64 and rounded to
 * float32, each quotient rounded to float32: one fixed order, on the host.
 */
export function l2Normalize(be: Backend, x: Tensor, axis: 0 | 1): Tensor {
  if (x.shape.length !== (axis === 0 ? 3 : 2)) {
    throw new VqganError(
      'BAD_SHAPE',
      `l2Normalize: shape ${formatShape(x.shape)}, expected ${axis === 0 ? '(C, h, w)' : '(K, D)'}`,
    );
  }
  // Vector i's element c sits at i·inner + c·stride.
  const [vectors, length] = axis === 0 ? [x.shape[1]! * x.shape[2]!, x.shape[0]!] : [x.shape[0]!, x.shape[1]!];
  const [inner, stride] = axis === 0 ? [1, vectors] : [length, 1];
  const out = be.alloc(x.shape);
  const { data } = x;
  for (let i = 0; i < vectors; i++) {
    let sum = 0;
    for (let c = 0; c < length; c++) {
      const v = data[i * inner + c * stride]!;
      sum += v * v;
    }
    const norm = Math.max(Math.fround(Math.sqrt(sum)), 1e-12);
    for (let c = 0; c < length; c++) out.data[i * inner + c * stride] = data[i * inner + c * stride]! / norm;
  }
  return out;
}

/** Σ_c E[j,c]² for every code j of the codebook (K, D). */
export function codebookNorms(be: Backend, codebook: Tensor): Tensor {
  if (codebook.shape.length !== 2) {
    throw new VqganError(
      'BAD_SHAPE',
      `codebookNorms: codebook has shape ${formatShape(codebook.shape)}, expected (K, D)`,
    );
  }
  const norms = be.alloc([codebook.shape[0]!]);
  be.codebookNorms(codebook, norms);
  return norms;
}

/** The code vectors of a token grid: codebook (K, D) → (D, h, w). */
export function embed(be: Backend, grid: TokenGrid, codebook: Tensor): Tensor {
  const [k, d] = [codebook.shape[0]!, codebook.shape[1]!];
  checkTokenGrid(grid, k, 'embed');
  const { height, width, tokens } = grid;
  const out = be.alloc([d, height, width]);
  const p = height * width;
  for (let i = 0; i < p; i++) {
    const row = tokens[i]! * d;
    for (let c = 0; c < d; c++) out.data[c * p + i] = codebook.data[row + c]!;
  }
  return out;
}
