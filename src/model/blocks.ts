/**
 * The building blocks of taming's VQGAN. Field names are the checkpoint's key names, so
 * loading is a strict lookup; forward() only wires ops. Every forward() takes ownership
 * of its input and releases it after its last use, so `x = block.forward(be, x)` chains
 * hold no more activations than the computation needs.
 */
import type { Backend } from '../compute/backend.js';
import * as ops from '../compute/ops.js';
import type { Conv3x3Kind } from '../compute/backend.js';
import type { Tensor } from '../core/tensor.js';
import type { ParamSource } from './params.js';

export class Conv2d implements ops.ConvParams {
  readonly weight: Tensor; // (C_out, C_in, k, k)
  readonly bias: Tensor; // (C_out)
  /**
   * A 1×1 convolution, or a 3×3 one whose weight is prepared now for how forward() calls
   * it: `mode`, and outputs `width` wide at the configured resolution.
   */
  constructor(p: ParamSource, prefix: string, cin: number, cout: number, k: 1);
  constructor(p: ParamSource, prefix: string, cin: number, cout: number, k: 3, width: number, kind?: Conv3x3Kind);
  constructor(
    p: ParamSource,
    prefix: string,
    cin: number,
    cout: number,
    k: 1 | 3,
    width = 0,
    kind: Conv3x3Kind = 's1',
  ) {
    this.weight = p.take(`${prefix}.weight`, [cout, cin, k, k]);
    this.bias = p.take(`${prefix}.bias`, [cout]);
    if (k === 3) p.prepareConv3x3(this.weight, kind, width);
  }
}

/** GroupNorm(32, C, eps = 1e-6) with a per-channel affine. */
export class Normalize implements ops.NormParams {
  readonly weight: Tensor; // (C)
  readonly bias: Tensor; // (C)
  constructor(p: ParamSource, prefix: string, c: number) {
    this.weight = p.take(`${prefix}.weight`, [c]);
    this.bias = p.take(`${prefix}.bias`, [c]);
  }
}

export class ResnetBlock {
  readonly norm1: Normalize;
  readonly conv1: Conv2d;
  readonly norm2: Normalize;
  readonly conv2: Conv2d;
  readonly nin_shortcut: Conv2d | null; // 1×1, only when C_in ≠ C_out

  /** `width`: of its maps at the configured resolution. */
  constructor(p: ParamSource, prefix: string, cin: number, cout: number, width: number) {
    this.norm1 = new Normalize(p, `${prefix}.norm1`, cin);
    this.conv1 = new Conv2d(p, `${prefix}.conv1`, cin, cout, 3, width);
    this.norm2 = new Normalize(p, `${prefix}.norm2`, cout);
    this.conv2 = new Conv2d(p, `${prefix}.conv2`, cout, cout, 3, width);
    this.nin_shortcut = cin === cout ? null : new Conv2d(p, `${prefix}.nin_shortcut`, cin, cout, 1);
  }

  /** x + conv2(swish(norm2(conv1(swish(norm1(x)))))), x through nin_shortcut if present. */
  forward(be: Backend, x: Tensor): Tensor {
    const h1 = ops.groupNorm(be, x, this.norm1, true);
    const h2 = ops.conv3x3(be, h1, this.conv1);
    be.release(h1);
    const h3 = ops.groupNorm(be, h2, this.norm2, true);
    be.release(h2);
    const shortcut = this.nin_shortcut === null ? x : ops.conv1x1(be, x, this.nin_shortcut);
    if (shortcut !== x) be.release(x);
    const out = ops.conv3x3(be, h3, this.conv2, 's1', shortcut);
    be.release(h3);
    be.release(shortcut);
    return out;
  }
}

export class AttnBlock {
  readonly norm: Normalize;
  readonly q: Conv2d;
  readonly k: Conv2d;
  readonly v: Conv2d;
  readonly proj_out: Conv2d;

  constructor(p: ParamSource, prefix: string, c: number) {
    this.norm = new Normalize(p, `${prefix}.norm`, c);
    this.q = new Conv2d(p, `${prefix}.q`, c, c, 1);
    this.k = new Conv2d(p, `${prefix}.k`, c, c, 1);
    this.v = new Conv2d(p, `${prefix}.v`, c, c, 1);
    this.proj_out = new Conv2d(p, `${prefix}.proj_out`, c, c, 1);
  }

  /** x + proj_out(attention(q(h), k(h), v(h))), h = norm(x). */
  forward(be: Backend, x: Tensor): Tensor {
    const h = ops.groupNorm(be, x, this.norm, false);
    const q = ops.conv1x1(be, h, this.q);
    const k = ops.conv1x1(be, h, this.k);
    const v = ops.conv1x1(be, h, this.v);
    be.release(h);
    const a = ops.attention(be, q, k, v);
    be.release(q);
    be.release(k);
    be.release(v);
    const out = ops.conv1x1(be, a, this.proj_out, x);
    be.release(a);
    be.release(x);
    return out;
  }
}

/** ResnetBlock, AttnBlock, ResnetBlock at the lowest resolution (no AttnBlock with attn_type 'none'). */
export class Mid {
  readonly block_1: ResnetBlock;
  readonly attn_1: AttnBlock | null;
  readonly block_2: ResnetBlock;

  constructor(p: ParamSource, prefix: string, c: number, width: number, withAttention: boolean) {
    this.block_1 = new ResnetBlock(p, `${prefix}.block_1`, c, c, width);
    this.attn_1 = withAttention ? new AttnBlock(p, `${prefix}.attn_1`, c) : null;
    this.block_2 = new ResnetBlock(p, `${prefix}.block_2`, c, c, width);
  }

  forward(be: Backend, x: Tensor): Tensor {
    const h = this.block_1.forward(be, x);
    return this.block_2.forward(be, this.attn_1 === null ? h : this.attn_1.forward(be, h));
  }
}

/** How a level changes resolution after its blocks; also the name of its checkpoint key. */
export type Resampling = 'downsample' | 'upsample';

/**
 * A 3×3 convolution that halves or doubles the resolution: downsample zero-pads one column
 * right and one row below and strides by 2; upsample folds nearest ×2 upsampling into the
 * convolution's input indexing.
 */
export class Resample {
  readonly conv: Conv2d;
  private readonly kind: Conv3x3Kind;
  /** `width`: of its input at the configured resolution. */
  constructor(p: ParamSource, prefix: string, c: number, resampling: Resampling, width: number) {
    this.kind = resampling === 'downsample' ? 's2' : 'up2';
    const outWidth = resampling === 'downsample' ? Math.floor(width / 2) : 2 * width;
    this.conv = new Conv2d(p, `${prefix}.conv`, c, c, 3, outWidth, this.kind);
  }
  forward(be: Backend, x: Tensor): Tensor {
    const out = ops.conv3x3(be, x, this.conv, this.kind);
    be.release(x);
    return out;
  }
}

/**
 * One resolution level: resnet blocks, each followed by attention where the level has it,
 * then its resampling, if any (the encoder's last level and the decoder's level 0 have none).
 */
export class Level {
  readonly block: ResnetBlock[] = [];
  readonly attn: AttnBlock[] = [];
  // Named as the checkpoint's keys (down.i.downsample, up.i.upsample); at most one is set.
  readonly downsample: Resample | null;
  readonly upsample: Resample | null;

  /** `width`: of the level's maps at the configured resolution. */
  constructor(
    p: ParamSource,
    prefix: string,
    cin: number,
    cout: number,
    blocks: number,
    withAttention: boolean,
    width: number,
    resampling: Resampling | null,
  ) {
    for (let j = 0; j < blocks; j++) {
      this.block.push(new ResnetBlock(p, `${prefix}.block.${j}`, j === 0 ? cin : cout, cout, width));
      if (withAttention) this.attn.push(new AttnBlock(p, `${prefix}.attn.${j}`, cout));
    }
    const resample = resampling === null ? null : new Resample(p, `${prefix}.${resampling}`, cout, resampling, width);
    this.downsample = resampling === 'downsample' ? resample : null;
    this.upsample = resampling === 'upsample' ? resample : null;
  }

  forward(be: Backend, x: Tensor): Tensor {
    this.block.forEach((block, j) => {
      x = block.forward(be, x);
      const attn = this.attn[j];
      if (attn !== undefined) x = attn.forward(be, x);
    });
    const resample = this.downsample ?? this.upsample;
    return resample === null ? x : resample.forward(be, x);
  }
}
