/**
 * The configurations the family's released models use (../shared/vqgan-family.md), by
 * name: `vqgan bench --model NAME` builds one with seeded weights, and `vqgan info` says
 * which of them a file's configuration is. Each is written in taming's terms.
 */
import { VqganError } from '../core/errors.js';
import {
  configFromObject,
  F16_16384,
  levelHasAttention,
  levelResolutions,
  midHasAttention,
  type VqganConfig,
} from './config.js';

export interface ReleasedConfig {
  /** Who publishes models of this configuration. */
  readonly family: string;
  readonly config: VqganConfig;
}

const taming = (c: Partial<VqganConfig>): VqganConfig => Object.freeze({ ...F16_16384, ...c });

export const RELEASED_CONFIGS = {
  f16_16384: { family: 'taming ImageNet f16_16384 (boris/vqgan_f16_16384, DALL·E mini)', config: F16_16384 },
  f16_1024: { family: 'taming ImageNet f16_1024', config: taming({ n_embed: 1024 }) },
  chameleon: {
    family: 'Chameleon / Anole / Lumina-mGPT tokenizer',
    config: taming({ attn_resolutions: [], n_embed: 8192, resolution: 512 }),
  },
  'llamagen-vq16': {
    family: 'LlamaGen VQ-16 (and Janus / Janus-Pro)',
    config: taming({ embed_dim: 8, quantizer: 'l2norm' }),
  },
  'llamagen-vq8': {
    family: 'LlamaGen VQ-8',
    config: taming({ ch_mult: [1, 2, 2, 4], attn_resolutions: [32], embed_dim: 8, quantizer: 'l2norm' }),
  },
  'ldm-vq-f4': {
    family: 'latent-diffusion vq-f4',
    config: taming({ ch_mult: [1, 2, 4], attn_resolutions: [], z_channels: 3, embed_dim: 3, n_embed: 8192 }),
  },
  'ldm-vq-f4-noattn': {
    family: 'latent-diffusion vq-f4-noattn',
    config: taming({
      ch_mult: [1, 2, 4],
      attn_resolutions: [],
      z_channels: 3,
      embed_dim: 3,
      n_embed: 8192,
      attn_type: 'none',
    }),
  },
  'ldm-vq-f8': {
    family: 'latent-diffusion vq-f8',
    config: taming({ ch_mult: [1, 2, 2, 4], attn_resolutions: [32], z_channels: 4, embed_dim: 4 }),
  },
  'ldm-vq-f8-n256': {
    family: 'latent-diffusion vq-f8-n256',
    config: taming({ ch_mult: [1, 2, 2, 4], attn_resolutions: [32], z_channels: 4, embed_dim: 4, n_embed: 256 }),
  },
  'ldm-vq-f16': {
    family: 'latent-diffusion vq-f16',
    config: taming({ z_channels: 8, embed_dim: 8 }),
  },
  'gumbel-f8': {
    family: 'taming GumbelVQ f8 8192',
    config: taming({ ch_mult: [1, 1, 2, 4], attn_resolutions: [32], n_embed: 8192, quantizer: 'gumbel' }),
  },
  amused: {
    family: 'aMUSEd (diffusers VQModel)',
    config: taming({
      ch_mult: [1, 2, 2, 4, 6],
      attn_resolutions: [],
      z_channels: 64,
      embed_dim: 64,
      n_embed: 8192,
      attn_type: 'none',
    }),
  },
} as const satisfies Record<string, ReleasedConfig>;

export type ReleasedConfigName = keyof typeof RELEASED_CONFIGS;

/**
 * Janus's `config.json` (Janus, Janus-Pro): `gen_vision_config` names LlamaGen's VQ-16 (or
 * VQ-8), with `params.image_token_size` codes of `params.n_embed` values; Janus makes
 * 384×384 images (24×24 tokens), so that is the resolution, attention staying at the
 * deepest level. The file states only these (and the levels, by the name); the other
 * sizes are the weights'. undefined for a file without `gen_vision_config`.
 */
export function janusConfig(
  root: unknown,
  source: string,
): { config: VqganConfig; stated: readonly (keyof VqganConfig)[]; } | undefined {
  const vision = (root as { gen_vision_config?: unknown; } | null)?.gen_vision_config;
  if (typeof vision !== 'object' || vision === null) return undefined;
  const { cls, params = {} } = vision as { cls?: unknown; params?: Record<string, unknown>; };
  const base = cls === 'VQ-16'
    ? RELEASED_CONFIGS['llamagen-vq16']
    : cls === 'VQ-8'
    ? RELEASED_CONFIGS['llamagen-vq8']
    : undefined;
  if (base === undefined) {
    throw new VqganError(
      'UNSUPPORTED',
      `${source}: gen_vision_config.cls ${JSON.stringify(cls)}; supported: 'VQ-16', 'VQ-8'`,
    );
  }
  const resolution = 384;
  const levels = levelResolutions(resolution, base.config.ch_mult.length);
  const config = configFromObject({
    ...base.config,
    n_embed: params.image_token_size ?? base.config.n_embed,
    embed_dim: params.n_embed ?? base.config.embed_dim,
    resolution,
    attn_resolutions: [levels[levels.length - 1]],
  }, `${source} gen_vision_config`)!;
  return { config, stated: ['ch_mult', 'n_embed', 'embed_dim', 'quantizer', 'resolution'] };
}

/**
 * The released configuration `config` is (the same sizes, quantizer and attention by level;
 * the resolution aside, as Janus runs VQ-16 at 384), or undefined for one of its own.
 */
export function releasedConfigOf(config: VqganConfig): ReleasedConfigName | undefined {
  const shape = (c: VqganConfig) =>
    JSON.stringify([
      c.ch,
      c.ch_mult,
      c.num_res_blocks,
      c.z_channels,
      c.in_channels,
      c.out_ch,
      c.embed_dim,
      c.n_embed,
      c.quantizer ?? 'nearest',
      midHasAttention(c),
      levelResolutions(c.resolution, c.ch_mult.length).map((r) => levelHasAttention(c, r)),
    ]);
  const key = shape(config);
  return (Object.keys(RELEASED_CONFIGS) as ReleasedConfigName[]).find((name) =>
    shape(RELEASED_CONFIGS[name].config) === key
  );
}

/** The released configuration `name` (`flag` names where it came from, for the error). */
export function releasedConfig(name: string, flag: string): ReleasedConfig & { readonly name: ReleasedConfigName; } {
  if (!Object.hasOwn(RELEASED_CONFIGS, name)) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `${flag} ${name}: not a released configuration; one of ${Object.keys(RELEASED_CONFIGS).join(', ')}`,
    );
  }
  return { name: name as ReleasedConfigName, ...RELEASED_CONFIGS[name as ReleasedConfigName] };
}
