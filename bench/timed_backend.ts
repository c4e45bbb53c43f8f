/**
 * A backend that forwards to another and records, per op and shape, the calls, the
 * time spent and the FLOP done (a multiply and an add count 2), for per-op GFLOP/s.
 */
import type { Backend } from '../src/backend.js';
import type { Conv3x3Mode } from '../src/reference/conv3x3.js';
import type { Tensor } from '../src/tensor.js';

export interface OpStats {
  readonly op: string;
  calls: number;
  seconds: number;
  flop: number;
}

const dims = (t: Tensor): string => t.shape.join('×');

export class TimedBackend implements Backend {
  readonly stats = new Map<string, OpStats>();

  constructor(private readonly inner: Backend) {}

  get name() {
    return this.inner.name;
  }

  private time(op: string, flop: number, run: () => void): void {
    const start = performance.now();
    run();
    const seconds = (performance.now() - start) / 1000;
    let s = this.stats.get(op);
    if (s === undefined) this.stats.set(op, (s = { op, calls: 0, seconds: 0, flop: 0 }));
    s.calls++;
    s.seconds += seconds;
    s.flop += flop;
  }

  reset(): void {
    this.stats.clear();
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

  conv3x3(x: Tensor, weight: Tensor, bias: Tensor, mode: Conv3x3Mode, residual: Tensor | null, out: Tensor): void {
    const flop = 2 * out.size * weight.shape[1]! * 9;
    this.time(`conv3x3 ${mode} ${weight.shape[1]}→${weight.shape[0]} out ${dims(out).replace(/^\d+×/, '')}`, flop,
      () => this.inner.conv3x3(x, weight, bias, mode, residual, out));
  }
  conv1x1(x: Tensor, weight: Tensor, bias: Tensor, residual: Tensor | null, out: Tensor): void {
    this.time(`conv1x1 ${weight.shape[1]}→${weight.shape[0]} at ${x.shape[1]}×${x.shape[2]}`, 2 * out.size * weight.shape[1]!,
      () => this.inner.conv1x1(x, weight, bias, residual, out));
  }
  groupNorm(x: Tensor, weight: Tensor, bias: Tensor, groups: number, swish: boolean, out: Tensor): void {
    this.time(`group norm${swish ? ' + swish' : ''} ${dims(x)}`, 0, () => this.inner.groupNorm(x, weight, bias, groups, swish, out));
  }
  attention(q: Tensor, k: Tensor, v: Tensor, scale: number, scores: Tensor, out: Tensor): void {
    const n = q.shape[1]! * q.shape[2]!;
    this.time(`attention ${dims(q)}`, 4 * n * n * q.shape[0]!, () => this.inner.attention(q, k, v, scale, scores, out));
  }
  codebookNorms(codebook: Tensor, norms: Tensor): void {
    this.inner.codebookNorms(codebook, norms);
  }
  codebookArgmin(z: Tensor, codebook: Tensor, norms: Tensor, tokens: Int32Array): void {
    const positions = z.shape[1]! * z.shape[2]!;
    this.time(`codebook argmin ${dims(codebook)}`, 2 * positions * codebook.size, () => this.inner.codebookArgmin(z, codebook, norms, tokens));
  }
}
