/**
 * The model's configuration: taming's `ddconfig` plus the quantizer's `n_embed` and
 * `embed_dim`. It comes from the checkpoint's hyper-parameters, else a config file beside
 * the weights, else the weights' shapes (src/weights/infer_config.ts).
 */
import { VqganError } from '../core/errors.js';

export interface VqganConfig {
  readonly ch: number;
  readonly ch_mult: readonly number[];
  readonly num_res_blocks: number;
  readonly attn_resolutions: readonly number[];
  readonly z_channels: number;
  readonly resolution: number;
  readonly in_channels: number;
  readonly out_ch: number;
  readonly embed_dim: number;
  readonly n_embed: number;
  /** latent-diffusion's `attn_type`: 'none' removes every attention block, the middle one too. */
  readonly attn_type?: 'vanilla' | 'none';
  /**
   * How a latent becomes a token: 'nearest', the nearest code (VectorQuantizer2); 'gumbel',
   * the argmax of `quantize.proj`'s logits (taming's GumbelVQ, its codebook `quantize.embed`);
   * 'l2norm', the nearest code after L2-normalising the latent and every code, decoding
   * from the normalised code (LlamaGen's and Janus's VQ-16).
   */
  readonly quantizer?: 'nearest' | 'gumbel' | 'l2norm';
}

/** boris/vqgan_f16_16384, the model DALL·E mini uses. */
export const F16_16384: VqganConfig = Object.freeze({
  ch: 128,
  ch_mult: [1, 1, 2, 2, 4],
  num_res_blocks: 2,
  attn_resolutions: [16],
  z_channels: 256,
  resolution: 256,
  in_channels: 3,
  out_ch: 3,
  embed_dim: 256,
  n_embed: 16384,
  attn_type: 'vanilla',
  quantizer: 'nearest',
});

/** Whether an H×W image fits the model: both sides positive integer multiples of f. */
export function fitsFactor(h: number, w: number, f: number): boolean {
  return [h, w].every((v) => Number.isInteger(v) && v > 0 && v % f === 0);
}

/** The graph variants as configuration fields, present only where they differ from boris's model. */
export function variants(
  attn_type: 'vanilla' | 'none',
  quantizer: NonNullable<VqganConfig['quantizer']>,
): Pick<VqganConfig, 'attn_type' | 'quantizer'> {
  return { ...(attn_type === 'none' ? { attn_type } : {}), ...(quantizer !== 'nearest' ? { quantizer } : {}) };
}

/**
 * The resolution each encoder level works at: `resolution`, halved (rounding down) per
 * level, as taming's Encoder places attention by `attn_resolutions`.
 */
export function levelResolutions(resolution: number, levels: number): number[] {
  const out = [resolution];
  while (out.length < levels) out.push(Math.floor(out[out.length - 1]! / 2));
  return out;
}

/** Whether the level working at `resolution` has attention (taming's rule: attn_resolutions lists them). */
export function levelHasAttention(config: VqganConfig, resolution: number): boolean {
  return config.attn_type !== 'none' && config.attn_resolutions.includes(resolution);
}

/** Whether the middle has its AttnBlock: always, unless attn_type is 'none'. */
export function midHasAttention(config: VqganConfig): boolean {
  return config.attn_type !== 'none';
}

/** Downsampling factor: 2^(levels − 1); 16 for f16 models. */
export function downFactor(config: VqganConfig): number {
  return 2 ** (config.ch_mult.length - 1);
}

/** For refusals: what can be loaded. */
export const SUPPORTED_FAMILIES =
  'taming VQGAN (boris, DALL·E mini, ImageNet), latent-diffusion VQ, Chameleon, GumbelVQ, LlamaGen, Janus and diffusers VQModel tokenizers';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Finds `ddconfig`, `n_embed` and `embed_dim` in a checkpoint's hyper-parameters or a
 * taming `config.yaml` (`model.params.…`) or a flax `config.json` (top level); undefined
 * when there are none.
 */
export function configFromObject(root: unknown, source: string): VqganConfig | undefined {
  if (isObject(root) && /emu3/i.test(`${String(root.model_type)} ${String(root.architectures)}`)) {
    throw new VqganError(
      'UNSUPPORTED',
      `${source}: an Emu3 vision tokenizer (temporal convolutions, spatially conditioned norms), not a VQGAN; supported: ${SUPPORTED_FAMILIES}`,
    );
  }
  if (isObject(root) && typeof root._class_name === 'string') return diffusersConfig(root, source);
  const candidates: unknown[] = [root];
  if (isObject(root) && isObject(root.model)) candidates.push(root.model, root.model.params);
  for (const c of candidates) {
    if (!isObject(c)) continue;
    if (isObject(c.ddconfig)) {
      // taming's config files name the model class: GumbelVQ quantizes by the argmax of logits.
      const target = isObject(root) && isObject(root.model) ? root.model.target : undefined;
      const quantizer = /\bGumbelVQ$/.test(String(target)) ? 'gumbel' : undefined;
      return buildConfig({ ...c.ddconfig, n_embed: c.n_embed, embed_dim: c.embed_dim, quantizer }, source);
    }
    if ('ch_mult' in c && 'n_embed' in c) return buildConfig(c, source);
  }
  return undefined;
}

/**
 * A diffusers `config.json`: `VQModel` in taming's terms (block_out_channels = ch·ch_mult,
 * layers_per_block, latent_channels, vq_embed_dim, num_vq_embeddings, sample_size, Attn*
 * block types and mid_block_add_attention for attention); other classes are refused.
 */
function diffusersConfig(raw: Json, source: string): VqganConfig {
  if (raw._class_name !== 'VQModel') {
    throw new VqganError(
      'UNSUPPORTED',
      `${source}: a diffusers ${String(raw._class_name)}, not a VQModel; supported: ${SUPPORTED_FAMILIES}`,
    );
  }
  if ((raw.norm_type ?? 'group') !== 'group') {
    throw new VqganError(
      'UNSUPPORTED',
      `${source}: VQModel with norm_type ${
        JSON.stringify(raw.norm_type)
      } (Kandinsky's MoVQ, spatially conditioned norms): only 'group' is supported`,
    );
  }
  const channels = Array.isArray(raw.block_out_channels) ? raw.block_out_channels as unknown[] : [];
  const ch = typeof channels[0] === 'number' ? channels[0] : NaN;
  const resolution = typeof raw.sample_size === 'number' ? raw.sample_size : 256;
  const downTypes = Array.isArray(raw.down_block_types) ? raw.down_block_types as unknown[] : [];
  const at = levelResolutions(resolution, downTypes.length);
  const levelAttention = downTypes.flatMap((t, i) => (String(t).startsWith('Attn') ? [at[i]!] : []));
  const midAttention = raw.mid_block_add_attention !== false;
  if (!midAttention && levelAttention.length > 0) {
    throw new VqganError('UNSUPPORTED', `${source}: attention in the levels but not in the middle: no known layout`);
  }
  return buildConfig({
    ch,
    ch_mult: channels.map((c) => (typeof c === 'number' ? c / ch : NaN)),
    num_res_blocks: raw.layers_per_block,
    attn_resolutions: levelAttention,
    z_channels: raw.latent_channels,
    resolution,
    in_channels: raw.in_channels,
    out_ch: raw.out_channels,
    embed_dim: raw.vq_embed_dim ?? raw.latent_channels,
    n_embed: raw.num_vq_embeddings,
    attn_type: midAttention ? 'vanilla' : 'none',
  }, source);
}

function buildConfig(raw: Json, source: string): VqganConfig {
  const int = (key: keyof VqganConfig, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new VqganError(
        'BAD_VALUE',
        `${source}: configuration ${key} = ${JSON.stringify(v)} is not a positive integer`,
      );
    }
    return v;
  };
  const ints = (key: keyof VqganConfig, allowEmpty: boolean): number[] => {
    const v = raw[key];
    if (!Array.isArray(v) || (!allowEmpty && v.length === 0) || !v.every((x) => Number.isInteger(x) && x > 0)) {
      throw new VqganError(
        'BAD_VALUE',
        `${source}: configuration ${key} = ${JSON.stringify(v)} is not a list of positive integers`,
      );
    }
    return v as number[];
  };
  function oneOf<T extends string>(key: keyof VqganConfig, allowed: readonly T[], fallback: T): T {
    const v = raw[key] ?? fallback;
    if (!allowed.includes(v as T)) {
      throw new VqganError(
        'UNSUPPORTED',
        `${source}: configuration ${key} = ${JSON.stringify(v)}; supported: ${allowed.map((a) => `'${a}'`).join(', ')}`,
      );
    }
    return v as T;
  }
  if (raw.double_z === true) {
    throw new VqganError('UNSUPPORTED', `${source}: double_z = true is a diffusion-style encoder, not this VQGAN`);
  }
  const config: VqganConfig = {
    ch: int('ch'),
    ch_mult: ints('ch_mult', false),
    num_res_blocks: int('num_res_blocks'),
    attn_resolutions: ints('attn_resolutions', true),
    z_channels: int('z_channels'),
    resolution: int('resolution', 256),
    in_channels: int('in_channels', 3),
    out_ch: int('out_ch', 3),
    embed_dim: int('embed_dim'),
    n_embed: int('n_embed'),
    ...variants(
      oneOf('attn_type', ['vanilla', 'none'] as const, 'vanilla'),
      oneOf('quantizer', ['nearest', 'gumbel', 'l2norm'] as const, 'nearest'),
    ),
  };
  for (const [i, m] of config.ch_mult.entries()) {
    if ((config.ch * m) % 32 !== 0) {
      throw new VqganError(
        'BAD_VALUE',
        `${source}: ch·ch_mult[${i}] = ${config.ch * m} channels do not split into 32 GroupNorm groups`,
      );
    }
  }
  return Object.freeze(config);
}
