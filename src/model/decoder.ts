/** taming.modules.diffusionmodules.model.Decoder. */
import type { Backend } from '../compute/backend.js';
import * as ops from '../compute/ops.js';
import type { Tensor } from '../core/tensor.js';
import { Conv2d, Level, Mid, Normalize } from './blocks.js';
import { downFactor, type VqganConfig } from './config.js';
import type { ParamSource } from './params.js';

/** Nearest ×2 upsampling folded into the next 3×3 convolution's input indexing. */
export class Upsample {
  readonly conv: Conv2d;
  constructor(p: ParamSource, prefix: string, c: number, width: number) {
    this.conv = new Conv2d(p, `${prefix}.conv`, c, c, 3, width, 'up2');
  }
  forward(be: Backend, x: Tensor): Tensor {
    const out = ops.conv3x3(be, x, this.conv, 'up2');
    be.release(x);
    return out;
  }
}

export class DecoderLevel extends Level {
  readonly upsample: Upsample | null;
  constructor(
    p: ParamSource, prefix: string, cin: number, cout: number, blocks: number, withAttention: boolean, width: number, first: boolean,
  ) {
    super(p, prefix, cin, cout, blocks, withAttention, width);
    this.upsample = first ? null : new Upsample(p, `${prefix}.upsample`, cout, 2 * width);
  }
  override forward(be: Backend, x: Tensor): Tensor {
    x = super.forward(be, x);
    return this.upsample === null ? x : this.upsample.forward(be, x);
  }
}

export class Decoder {
  readonly conv_in: Conv2d;
  readonly mid: Mid;
  /** Indexed by level (0 = full resolution) as in the checkpoint; run from the last to 0. */
  readonly up: DecoderLevel[] = [];
  readonly norm_out: Normalize;
  readonly conv_out: Conv2d;

  constructor(p: ParamSource, prefix: string, cfg: VqganConfig) {
    const levels = cfg.ch_mult.length;
    let c = cfg.ch * cfg.ch_mult[levels - 1]!;
    let resolution = Math.floor(cfg.resolution / downFactor(cfg));
    this.conv_in = new Conv2d(p, `${prefix}.conv_in`, cfg.z_channels, c, 3, resolution);
    this.mid = new Mid(p, `${prefix}.mid`, c, resolution);
    const byLevel: DecoderLevel[] = [];
    for (let i = levels - 1; i >= 0; i--) {
      const cout = cfg.ch * cfg.ch_mult[i]!;
      const attn = cfg.attn_resolutions.includes(resolution);
      byLevel[i] = new DecoderLevel(p, `${prefix}.up.${i}`, c, cout, cfg.num_res_blocks + 1, attn, resolution, i === 0);
      c = cout;
      if (i > 0) resolution *= 2;
    }
    this.up.push(...byLevel);
    this.norm_out = new Normalize(p, `${prefix}.norm_out`, c);
    this.conv_out = new Conv2d(p, `${prefix}.conv_out`, c, cfg.out_ch, 3, resolution);
  }

  /** (z_channels, h, w) → (out_ch, h·f, w·f). */
  forward(be: Backend, z: Tensor): Tensor {
    let h = ops.conv3x3(be, z, this.conv_in);
    be.release(z);
    h = this.mid.forward(be, h);
    for (let i = this.up.length - 1; i >= 0; i--) h = this.up[i]!.forward(be, h);
    const n = ops.groupNorm(be, h, this.norm_out, true);
    be.release(h);
    const out = ops.conv3x3(be, n, this.conv_out);
    be.release(n);
    return out;
  }
}
