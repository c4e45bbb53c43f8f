/** taming.modules.diffusionmodules.model.Decoder. */
import type { Backend } from '../compute/backend.js';
import * as ops from '../compute/ops.js';
import type { Tensor } from '../core/tensor.js';
import { Conv2d, Level, Mid, Normalize } from './blocks.js';
import { downFactor, levelHasAttention, midHasAttention, type VqganConfig } from './config.js';
import type { ParamSource } from './params.js';

export class Decoder {
  readonly conv_in: Conv2d;
  readonly mid: Mid;
  /** Indexed by level (0 = full resolution) as in the checkpoint; run from the last to 0. */
  readonly up: Level[] = [];
  readonly norm_out: Normalize;
  readonly conv_out: Conv2d;

  constructor(p: ParamSource, prefix: string, cfg: VqganConfig) {
    const levels = cfg.ch_mult.length;
    let c = cfg.ch * cfg.ch_mult[levels - 1]!;
    let resolution = Math.floor(cfg.resolution / downFactor(cfg));
    this.conv_in = new Conv2d(p, `${prefix}.conv_in`, cfg.z_channels, c, 3, resolution);
    this.mid = new Mid(p, `${prefix}.mid`, c, resolution, midHasAttention(cfg));
    const byLevel: Level[] = [];
    for (let i = levels - 1; i >= 0; i--) {
      const cout = cfg.ch * cfg.ch_mult[i]!;
      const attn = levelHasAttention(cfg, resolution);
      const resampling = i === 0 ? null : 'upsample';
      byLevel[i] = new Level(p, `${prefix}.up.${i}`, c, cout, cfg.num_res_blocks + 1, attn, resolution, resampling);
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
