/**
 * The configurations the family's released models use (../shared/vqgan-family.md), by
 * name: `vqgan bench --model NAME` builds one with seeded weights, and `vqgan info` says
 * which of them a file's configuration is. Each is written in taming's terms.
 */
import { VqganError } from '../core/errors.js';
import { F16_16384, type VqganConfig } from './config.js';

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
