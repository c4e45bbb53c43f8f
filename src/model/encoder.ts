/** taming.modules.diffusionmodules.model.Encoder (double_z = false). */
import type { Backend } from '../compute/backend.js';
import * as ops from '../compute/ops.js';
import type { Tensor } from '../core/tensor.js';
import { Conv2d, Level, Mid, Normalize } from './blocks.js';
import type { VqganConfig } from './config.js';
import type { ParamSource } from './params.js';

/** A 3×3 stride-2 convolution after zero-padding one column right and one row below. */
export class Downsample {
  readonly conv: Conv2d;
  constructor(p: ParamSource, prefix: string, c: number, width: number) {
    this.conv = new Conv2d(p, `${prefix}.conv`, c, c, 3, width, 's2');
  }
  forward(be: Backend, x: Tensor): Tensor {
    const out = ops.conv3x3(be, x, this.conv, 's2');
    be.release(x);
    return out;
  }
}

export class EncoderLevel extends Level {
  readonly downsample: Downsample | null;
  constructor(
    p: ParamSource, prefix: string, cin: number, cout: number, blocks: number, withAttention: boolean, width: number, last: boolean,
  ) {
    super(p, prefix, cin, cout, blocks, withAttention, width);
    this.downsample = last ? null : new Downsample(p, `${prefix}.downsample`, cout, Math.floor(width / 2));
  }
  override forward(be: Backend, x: Tensor): Tensor {
    x = super.forward(be, x);
    return this.downsample === null ? x : this.downsample.forward(be, x);
  }
}

export class Encoder {
  readonly conv_in: Conv2d;
  readonly down: EncoderLevel[] = [];
  readonly mid: Mid;
  readonly norm_out: Normalize;
  readonly conv_out: Conv2d;

  constructor(p: ParamSource, prefix: string, cfg: VqganConfig) {
    const levels = cfg.ch_mult.length;
    // Attention is placed, and 3×3 weights prepared, by the nominal resolution (from
    // cfg.resolution, halving per level), whatever the size of the image actually given.
    let resolution = cfg.resolution;
    this.conv_in = new Conv2d(p, `${prefix}.conv_in`, cfg.in_channels, cfg.ch, 3, resolution);
    let c = cfg.ch;
    for (let i = 0; i < levels; i++) {
      const cout = cfg.ch * cfg.ch_mult[i]!;
      const attn = cfg.attn_resolutions.includes(resolution);
      this.down.push(new EncoderLevel(p, `${prefix}.down.${i}`, c, cout, cfg.num_res_blocks, attn, resolution, i === levels - 1));
      c = cout;
      if (i < levels - 1) resolution = Math.floor(resolution / 2);
    }
    this.mid = new Mid(p, `${prefix}.mid`, c, resolution);
    this.norm_out = new Normalize(p, `${prefix}.norm_out`, c);
    this.conv_out = new Conv2d(p, `${prefix}.conv_out`, c, cfg.z_channels, 3, resolution);
  }

  /** (in_channels, H, W) → (z_channels, H/f, W/f). */
  forward(be: Backend, x: Tensor): Tensor {
    let h = ops.conv3x3(be, x, this.conv_in);
    be.release(x);
    for (const level of this.down) h = level.forward(be, h);
    h = this.mid.forward(be, h);
    const n = ops.groupNorm(be, h, this.norm_out, true);
    be.release(h);
    const out = ops.conv3x3(be, n, this.conv_out);
    be.release(n);
    return out;
  }
}
