/** The scalar TypeScript backend: plain Float32Arrays, the canonical order written out. */
import { Tensor } from '../../core/tensor.js';
import { attention } from './attention.js';
import { codebookArgmin, codebookNorms } from './codebook_argmin.js';
import { conv1x1 } from './conv1x1.js';
import type { Backend, Conv3x3Kind, ComputeMode } from '../backend.js';
import { transformedWeights, type WinogradKind, winogradKindFor, winogradKindServes } from '../winograd_plan.js';
import { conv3x3 } from './conv3x3.js';
import { conv3x3S2Winograd, conv3x3Winograd } from './conv3x3_winograd.js';
import { groupNorm } from './group_norm.js';
import { splitPhases } from './phases.js';

const dims = (t: Tensor, i: number): number => t.shape[i]!;

/** The reference backend computing in `mode`. */
export function createReferenceBackend(mode: ComputeMode): Backend {
  /**
   * Winograd-transformed weights and what they were made for (a tile for s1 and up2, 's2'),
   * made once per weight in fast mode, for the width the weight is prepared for (as the
   * wasm backend does).
   */
  const transformed = new WeakMap<Tensor, { u: Float32Array; kind: WinogradKind }>();
  const prepare = (weight: Tensor, conv: Conv3x3Kind, width: number): { u: Float32Array; kind: WinogradKind } | null => {
    if (mode !== 'fast') return null;
    let t = transformed.get(weight);
    if (t === undefined) {
      const kind = winogradKindFor(conv, width);
      t = { u: transformedWeights(weight.data, dims(weight, 0), dims(weight, 1), kind), kind };
      transformed.set(weight, t);
    }
    if (!winogradKindServes(t.kind, conv)) throw new Error(`reference backend: this weight was prepared for another kind of convolution`);
    return t;
  };
  return {
    name: 'reference',
    mode,
    threads: 1,
    dispose: () => undefined,
    alloc: (shape) => new Tensor(shape),
    adopt: (t) => t,
    release: () => undefined,
    download: (t) => t,
    prepareConv3x3(weight, conv, width) {
      prepare(weight, conv, width);
    },
    conv3x3(x, weight, bias, conv, residual, out) {
      const t = prepare(weight, conv, dims(out, 2));
      const [cin, h, w] = [dims(x, 0), dims(x, 1), dims(x, 2)];
      if (t === null) {
        conv3x3(x.data, cin, h, w, weight.data, bias.data, out.data, dims(out, 0), dims(out, 1), dims(out, 2), conv, residual?.data ?? null);
      } else if (t.kind === 's2') {
        conv3x3S2Winograd(splitPhases(x.data, cin, h, w), cin, h, w, t.u, bias.data,
          out.data, dims(out, 0), dims(out, 1), dims(out, 2), residual?.data ?? null);
      } else {
        conv3x3Winograd(x.data, cin, h, w, t.u, t.kind, bias.data,
          out.data, dims(out, 0), dims(out, 1), dims(out, 2), conv === 'up2', residual?.data ?? null);
      }
    },
    ...sharedOps,
  };
}

/** The ops whose computation does not depend on the mode. */
const sharedOps = {
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
} satisfies Partial<Backend>;

/** The exact mode's reference backend. */
export const referenceBackend: Backend = createReferenceBackend('exact');
