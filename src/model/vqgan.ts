/** taming.models.vqgan.VQModel for inference: encoder, quantizer, decoder. */
import type { Backend } from '../compute/backend.js';
import { VqganError, formatShape } from '../core/errors.js';
import * as ops from '../compute/ops.js';
import type { Tensor } from '../core/tensor.js';
import type { TokenGrid } from '../core/tokens.js';
import { Conv2d } from './blocks.js';
import { downFactor, fitsFactor, type VqganConfig } from './config.js';
import { Decoder } from './decoder.js';
import { Encoder } from './encoder.js';
import type { ParamSource } from './params.js';

/** A quantizer: latent → tokens, and the codebook decoding looks tokens up in. */
interface Quantizer {
  tokens(be: Backend, latent: Tensor): Int32Array;
  readonly codebook: Tensor; // (n_embed, embed_dim)
}

/** VectorQuantizer2 (legacy, no remap): nearest code by squared distance. */
export class VectorQuantizer implements Quantizer {
  readonly embedding: { readonly weight: Tensor; }; // (n_embed, embed_dim)
  /** Σ_c E[j,c]², computed once at load. */
  readonly norms: Tensor; // (n_embed)

  constructor(p: ParamSource, be: Backend, prefix: string, cfg: VqganConfig) {
    this.embedding = { weight: p.take(`${prefix}.embedding.weight`, [cfg.n_embed, cfg.embed_dim]) };
    this.norms = ops.codebookNorms(be, this.embedding.weight);
  }

  get codebook(): Tensor {
    return this.embedding.weight;
  }

  tokens(be: Backend, latent: Tensor): Int32Array {
    return ops.codebookArgmin(be, latent, this.embedding.weight, this.norms);
  }
}

/**
 * LlamaGen's VectorQuantizer with codebook_l2_norm: the nearest code after L2-normalising
 * the latent and every code; decoding looks tokens up among the normalised codes.
 */
export class L2NormQuantizer implements Quantizer {
  readonly embedding: { readonly weight: Tensor; }; // (n_embed, embed_dim), as stored
  /** The codes normalised, and their squared norms (about 1), computed once at load. */
  readonly codebook: Tensor; // (n_embed, embed_dim)
  readonly norms: Tensor; // (n_embed)

  constructor(p: ParamSource, be: Backend, prefix: string, cfg: VqganConfig) {
    this.embedding = { weight: p.take(`${prefix}.embedding.weight`, [cfg.n_embed, cfg.embed_dim]) };
    this.codebook = ops.l2Normalize(be, this.embedding.weight, 1);
    this.norms = ops.codebookNorms(be, this.codebook);
  }

  tokens(be: Backend, latent: Tensor): Int32Array {
    const z = ops.l2Normalize(be, latent, 0);
    const tokens = ops.codebookArgmin(be, z, this.codebook, this.norms);
    be.release(z);
    return tokens;
  }
}

/**
 * taming's GumbelQuantize for inference: the token is the argmax of the logits
 * proj(latent), the first on ties (training samples Gumbel noise; a tokenizer does not);
 * decoding looks the token up in `embed`.
 */
export class GumbelQuantizer implements Quantizer {
  readonly proj: Conv2d; // (n_embed, embed_dim, 1, 1)
  readonly embed: { readonly weight: Tensor; }; // (n_embed, embed_dim)

  constructor(p: ParamSource, prefix: string, cfg: VqganConfig) {
    this.proj = new Conv2d(p, `${prefix}.proj`, cfg.embed_dim, cfg.n_embed, 1);
    this.embed = { weight: p.take(`${prefix}.embed.weight`, [cfg.n_embed, cfg.embed_dim]) };
  }

  get codebook(): Tensor {
    return this.embed.weight;
  }

  tokens(be: Backend, latent: Tensor): Int32Array {
    const logits = ops.conv1x1(be, latent, this.proj);
    const tokens = ops.argmaxChannels(logits);
    be.release(logits);
    return tokens;
  }
}

export class VQModel {
  readonly encoder: Encoder;
  readonly quant_conv: Conv2d;
  readonly quantize: VectorQuantizer | GumbelQuantizer | L2NormQuantizer;
  readonly post_quant_conv: Conv2d;
  readonly decoder: Decoder;
  /** Pixels per token along each side (16). */
  readonly factor: number;

  constructor(p: ParamSource, readonly config: VqganConfig, readonly backend: Backend) {
    this.encoder = new Encoder(p, 'encoder', config);
    this.quant_conv = new Conv2d(p, 'quant_conv', config.z_channels, config.embed_dim, 1);
    this.quantize = config.quantizer === 'gumbel'
      ? new GumbelQuantizer(p, 'quantize', config)
      : config.quantizer === 'l2norm'
      ? new L2NormQuantizer(p, backend, 'quantize', config)
      : new VectorQuantizer(p, backend, 'quantize', config);
    this.post_quant_conv = new Conv2d(p, 'post_quant_conv', config.embed_dim, config.z_channels, 1);
    this.decoder = new Decoder(p, 'decoder', config);
    p.finish();
    this.factor = downFactor(config);
  }

  /**
   * (in_channels, H, W) in model range → the latent h (embed_dim, H/f, W/f) before
   * quantizing, in the backend's memory (the caller releases or downloads it). `be` may
   * be a decorator of the model's backend (one that counts or times the ops).
   */
  encodeLatent(x: Tensor, be: Backend = this.backend): Tensor {
    const [c, h, w] = x.shape;
    if (x.shape.length !== 3 || c !== this.config.in_channels || !fitsFactor(h!, w!, this.factor)) {
      throw new VqganError(
        'BAD_SHAPE',
        `encoder input has shape ${
          formatShape(x.shape)
        }; expected (${this.config.in_channels}, H, W) with H and W positive multiples of ${this.factor}`,
      );
    }
    const z = this.encoder.forward(be, be.adopt(x));
    const latent = ops.conv1x1(be, z, this.quant_conv);
    be.release(z);
    return latent;
  }

  /** The latent (embed_dim, h, w) → tokens (h·w), row-major. */
  tokensOf(latent: Tensor, be: Backend = this.backend): Int32Array {
    return this.quantize.tokens(be, latent);
  }

  /** A token grid h×w → the image (out_ch, h·f, w·f) in model range, unclipped, in the backend's memory. */
  decodeTokens(grid: TokenGrid, be: Backend = this.backend): Tensor {
    const z = ops.embed(be, grid, this.quantize.codebook);
    const h = ops.conv1x1(be, z, this.post_quant_conv);
    be.release(z);
    return this.decoder.forward(be, h);
  }
}
