/** taming.modules.diffusionmodules.model.Encoder (double_z = false). */
import type { Backend } from '../compute/backend.js';
import * as ops from '../compute/ops.js';
import type { Tensor } from '../core/tensor.js';
import { Conv2d, Level, Mid, Normalize } from './blocks.js';
import { levelHasAttention, levelResolutions, midHasAttention, type VqganConfig } from './config.js';
import type { ParamSource } from './params.js';

export class Encoder {
  readonly conv_in: Conv2d;
  readonly down: Level[] = [];
  readonly mid: Mid;
  readonly norm_out: Normalize;
  readonly conv_out: Conv2d;

  constructor(p: ParamSource, prefix: string, cfg: VqganConfig) {
    const levels = cfg.ch_mult.length;
    // Attention is placed, and 3×3 weights prepared, by the nominal resolution (from
    // cfg.resolution, halving per level), whatever the size of the image actually given.
    const resolutions = levelResolutions(cfg.resolution, levels);
    this.conv_in = new Conv2d(p, `${prefix}.conv_in`, cfg.in_channels, cfg.ch, 3, cfg.resolution);
    let c = cfg.ch;
    for (let i = 0; i < levels; i++) {
      const cout = cfg.ch * cfg.ch_mult[i]!;
      const resolution = resolutions[i]!;
      const attn = levelHasAttention(cfg, resolution);
      const resampling = i === levels - 1 ? null : 'downsample';
      this.down.push(new Level(p, `${prefix}.down.${i}`, c, cout, cfg.num_res_blocks, attn, resolution, resampling));
      c = cout;
    }
    const resolution = resolutions[levels - 1]!;
    this.mid = new Mid(p, `${prefix}.mid`, c, resolution, midHasAttention(cfg));
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
