/**
 * Seeded synthetic weights of any configuration, for speed work at full size where the
 * real 980 MB checkpoint cannot be downloaded. Each tensor's values depend only on the
 * seed and its key, scaled like a trained network's so activations stay in range.
 */
import type { Backend } from '../compute/backend.js';
import type { ParamSource } from '../model/params.js';
import type { Conv3x3Kind } from '../compute/backend.js';
import type { Tensor } from '../core/tensor.js';

/** FNV-1a of the key, mixed with the seed: one independent stream per tensor. */
function streamSeed(key: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

/** Uniform in [−1, 1) by xorshift32. */
function fillUniform(data: Float32Array, seed: number, scale: number, offset: number): void {
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = offset + scale * ((s >>> 0) / 2 ** 31 - 1);
  }
}

export class SyntheticParams implements ParamSource {
  /** Values generated, for the report. */
  count = 0;

  constructor(private readonly backend: Backend, private readonly seed = 1) {}

  take(key: string, shape: readonly number[]): Tensor {
    const t = this.backend.alloc(shape); // generated in place: no second copy of 300 MB
    const seed = streamSeed(key, this.seed);
    const isNorm = /\.norm(\d|_out)?\./.test(key);
    // conv (O, I, k, k), GumbelVQ's quantize.proj (n_embed, D, 1, 1) among them: logits of order 1
    if (shape.length === 4) fillUniform(t.data, seed, Math.sqrt(3 / (shape[1]! * shape[2]! * shape[3]!)), 0);
    // the codebook (K, D): quantize.embedding.weight, or GumbelVQ's quantize.embed.weight
    else if (/^quantize\.embed(ding)?\.weight$/.test(key)) fillUniform(t.data, seed, 1, 0);
    else if (isNorm && key.endsWith('.weight')) fillUniform(t.data, seed, 0.1, 1); // GroupNorm scale around 1
    else fillUniform(t.data, seed, 0.05, 0); // biases
    this.count += t.size;
    return t;
  }

  prepareConv3x3(weight: Tensor, kind: Conv3x3Kind, width: number): void {
    this.backend.prepareConv3x3(weight, kind, width);
  }

  finish(): void {}
}
