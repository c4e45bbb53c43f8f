/** `vqgan info`: what a weights file holds, as aligned `label  value` lines. */
import { formatBytes } from '../core/format_bytes.js';
import type { LoadedWeights } from './load.js';
import { RELEASED_CONFIGS, releasedConfigOf } from '../model/released_configs.js';

const FORMAT_NAMES: Readonly<Record<LoadedWeights['format'], string>> = {
  checkpoint: 'PyTorch checkpoint (zip of a pickle and storages)',
  safetensors: 'safetensors',
  flax: 'Flax msgpack',
};

const LAYOUT_NAMES: Readonly<Record<LoadedWeights['layout'], string>> = {
  taming: 'taming\'s names (taming, latent-diffusion, Chameleon, GumbelVQ, DALL·E mini)',
  llamagen: 'LlamaGen\'s names (LlamaGen, Janus\'s gen_vision_model), read as taming\'s',
  diffusers: 'diffusers VQModel names, read as taming\'s',
};

export function describeWeights(name: string, w: LoadedWeights): string {
  const c = w.config;
  const released = releasedConfigOf(c);
  const parameters = [...w.tensors.values()].reduce((n, t) => n + t.size, 0);
  const rows: [string, string][] = [
    ['file', name],
    ['format', FORMAT_NAMES[w.format]],
    ['layout', LAYOUT_NAMES[w.layout]],
    [
      'family',
      released === undefined
        ? 'none of the released configurations (a model of its own)'
        : `${RELEASED_CONFIGS[released].family}: its configuration`,
    ],
    ['size', `${formatBytes(w.size)} (${formatBytes(w.bytesRead)} of it read: the model's tensors)`],
    [
      'configuration',
      `ch ${c.ch}, ch_mult [${c.ch_mult.join(', ')}], num_res_blocks ${c.num_res_blocks}, `
      + `attn_resolutions [${c.attn_resolutions.join(', ')}], z_channels ${c.z_channels}, embed_dim ${c.embed_dim}, `
      + `n_embed ${c.n_embed}, resolution ${c.resolution}`
      + (c.attn_type === 'none' ? ', attn_type none (no attention blocks)' : '')
      + (c.quantizer === 'gumbel' ? ', quantizer gumbel (argmax of quantize.proj)' : '')
      + (c.quantizer === 'l2norm' ? ', quantizer l2norm (latent and codes L2-normalised)' : ''),
    ],
    ...w.configValues.map((
      { from, keys },
      i,
    ): [string, string] => [i === 0 ? 'values from' : '', `${from}: ${keys.join(', ')}`]),
    [
      'parameters',
      `${parameters.toLocaleString('en-US')} in ${w.tensors.size} tensors (${formatBytes(parameters * 4)} as float32)`,
    ],
    ['stored as', w.dtypes.join(', ')],
  ];
  return rows.map(([label, value]) => `${label.padEnd(15)}${value}`).join('\n');
}
