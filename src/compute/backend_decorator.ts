/**
 * A Backend that forwards everything to another and passes each compute op through one
 * hook, with a label naming the op and its shapes and the op's FLOP (compute/op_flop.ts).
 * The benchmark times ops with it (src/bench/timed_backend.ts); the API counts progress with
 * it (compute/progress_backend.ts).
 */
import type { Backend, BackendName, ComputeMode } from './backend.js';
import { attentionFlop, codebookArgminFlop, conv1x1Flop, conv3x3Flop } from './op_flop.js';
import type { Conv3x3Kind } from './backend.js';
import type { Tensor } from '../core/tensor.js';

const dims = (t: Tensor): string => t.shape.join('×');

export abstract class BackendDecorator implements Backend {
  constructor(protected readonly inner: Backend) {}

  /** Every compute op goes through here: `run` computes it; `label` is made on demand. */
  protected abstract op(label: () => string, flop: number, run: () => void): void;

  get name(): BackendName {
    return this.inner.name;
  }
  get mode(): ComputeMode {
    return this.inner.mode;
  }
  get threads(): number {
    return this.inner.threads;
  }
  dispose(): void {
    this.inner.dispose();
  }
  alloc(shape: readonly number[]): Tensor {
    return this.inner.alloc(shape);
  }
  adopt(t: Tensor): Tensor {
    return this.inner.adopt(t);
  }
  release(t: Tensor): void {
    this.inner.release(t);
  }
  download(t: Tensor): Tensor {
    return this.inner.download(t);
  }

  prepareConv3x3(weight: Tensor, kind: Conv3x3Kind, width: number): void {
    this.inner.prepareConv3x3(weight, kind, width);
  }
  conv3x3(x: Tensor, weight: Tensor, bias: Tensor, kind: Conv3x3Kind, residual: Tensor | null, out: Tensor): void {
    this.op(
      () => `conv3x3 ${kind} ${weight.shape[1]}→${weight.shape[0]} out ${out.shape[1]}×${out.shape[2]}`,
      conv3x3Flop(weight, out),
      () => this.inner.conv3x3(x, weight, bias, kind, residual, out),
    );
  }
  conv1x1(x: Tensor, weight: Tensor, bias: Tensor, residual: Tensor | null, out: Tensor): void {
    this.op(
      () => `conv1x1 ${weight.shape[1]}→${weight.shape[0]} at ${x.shape[1]}×${x.shape[2]}`,
      conv1x1Flop(weight, out),
      () => this.inner.conv1x1(x, weight, bias, residual, out),
    );
  }
  groupNorm(x: Tensor, weight: Tensor, bias: Tensor, groups: number, swish: boolean, out: Tensor): void {
    this.op(
      () => `group norm${swish ? ' + swish' : ''} ${dims(x)}`,
      0,
      () => this.inner.groupNorm(x, weight, bias, groups, swish, out),
    );
  }
  attention(q: Tensor, k: Tensor, v: Tensor, scale: number, scores: Tensor, out: Tensor): void {
    this.op(() => `attention ${dims(q)}`, attentionFlop(q), () => this.inner.attention(q, k, v, scale, scores, out));
  }
  codebookNorms(codebook: Tensor, norms: Tensor): void {
    this.op(() => `codebook norms ${dims(codebook)}`, 0, () => this.inner.codebookNorms(codebook, norms));
  }
  codebookArgmin(z: Tensor, codebook: Tensor, norms: Tensor, tokens: Int32Array): void {
    this.op(
      () => `codebook argmin ${dims(codebook)}`,
      codebookArgminFlop(z, codebook),
      () => this.inner.codebookArgmin(z, codebook, norms, tokens),
    );
  }
}
