/** The scalar TypeScript backend: plain Float32Arrays, the canonical order written out. */
import type { Backend } from '../backend.js';
import { Tensor } from '../tensor.js';
import { attention } from './attention.js';
import { codebookArgmin, codebookNorms } from './codebook_argmin.js';
import { conv1x1 } from './conv1x1.js';
import { conv3x3 } from './conv3x3.js';
import { groupNorm } from './group_norm.js';

const dims = (t: Tensor, i: number): number => t.shape[i]!;

export const referenceBackend: Backend = {
  name: 'reference',
  threads: 1,
  dispose: () => undefined,
  alloc: (shape) => new Tensor(shape),
  adopt: (t) => t,
  release: () => undefined,
  download: (t) => t,
  conv3x3(x, weight, bias, mode, residual, out) {
    conv3x3(x.data, dims(x, 0), dims(x, 1), dims(x, 2), weight.data, bias.data,
      out.data, dims(out, 0), dims(out, 1), dims(out, 2), mode, residual?.data ?? null);
  },
  conv1x1(x, weight, bias, residual, out) {
    conv1x1(x.data, dims(x, 0), dims(x, 1) * dims(x, 2), weight.data, bias.data, out.data, dims(out, 0), residual?.data ?? null);
  },
  groupNorm(x, weight, bias, groups, swish, out) {
    groupNorm(x.data, dims(x, 0), dims(x, 1) * dims(x, 2), weight.data, bias.data, groups, out.data, swish);
  },
  attention(q, k, v, scale, scores, out) {
    attention(q.data, k.data, v.data, dims(q, 0), dims(q, 1) * dims(q, 2), scale, scores.data, out.data);
  },
  codebookNorms(codebook, norms) {
    codebookNorms(codebook.data, dims(codebook, 0), dims(codebook, 1), norms.data);
  },
  codebookArgmin(z, codebook, norms, tokens) {
    codebookArgmin(z.data, dims(z, 0), dims(z, 1) * dims(z, 2), codebook.data, dims(codebook, 0), norms.data, tokens);
  },
};
