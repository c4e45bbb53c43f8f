/**
 * Other families' names for taming's modules, mapped to taming's (the names the model's
 * fields carry), so that one model serves every layout. Recognised from the keys, never
 * from file names.
 *
 * LlamaGen (VQ-16 / VQ-8, `torch.save({"model": ...})`):
 *   encoder.conv_blocks.{i}.res.{j} / .attn.{j} / .downsample  ← encoder.down.{i}.block.{j} / .attn.{j} / .downsample
 *   decoder.conv_blocks.{k}.…  (k = 0 the deepest)               ← decoder.up.{N−1−k}.… (.res → .block)
 *   {encoder,decoder}.mid.{0,1,2}                                ← mid.block_1, mid.attn_1, mid.block_2
 *   quantize.codebook_used (a usage counter, not a weight)       dropped
 * and its quantizer L2-normalises the latent and every code.
 *
 * diffusers `VQModel` (aMUSEd; taming's and latent-diffusion's models converted):
 *   {encoder,decoder}.down_blocks.{i} / up_blocks.{k}  ← down.{i} / up.{N−1−k}
 *   .resnets.{j} / .attentions.{j}                      ← .block.{j} / .attn.{j}
 *   .downsamplers.0 / .upsamplers.0                     ← .downsample / .upsample
 *   mid_block.resnets.{0,1} / mid_block.attentions.0    ← mid.block_1, mid.block_2 / mid.attn_1
 *   conv_shortcut ← nin_shortcut; conv_norm_out ← norm_out
 *   attention group_norm, to_q, to_k, to_v, to_out.0 (older: query, key, value, proj_attn)
 *     ← norm, q, k, v, proj_out, their Linear (C, C) weights as 1×1 convolutions (C, C, 1, 1)
 */
import { Tensor } from '../core/tensor.js';
import { SUPPORTED_FAMILIES, type VqganConfig } from '../model/config.js';
import { VqganError } from '../core/errors.js';

export interface Layout {
  readonly name: 'taming' | 'llamagen' | 'diffusers';
  readonly tensors: Map<string, Tensor>;
  /** The quantizer the layout implies, where its keys do not show it. */
  readonly quantizer?: VqganConfig['quantizer'];
}

const MID = ['block_1', 'attn_1', 'block_2'];

/** The layout of `tensors`, in taming's names (then see refuseForeign). */
export function recognizeLayout(tensors: Map<string, Tensor>): Layout {
  if (tensors.has('encoder.down_blocks.0.resnets.0.conv1.weight')) {
    return { name: 'diffusers', tensors: fromDiffusers(tensors) };
  }
  if (!tensors.has('encoder.conv_blocks.0.res.0.conv1.weight')) return { name: 'taming', tensors };
  const decoderLevels = 1 + Math.max(
    ...[...tensors.keys()].map((k) => Number(/^decoder\.conv_blocks\.(\d+)\./.exec(k)?.[1] ?? -1)),
  );
  const renamed = new Map<string, Tensor>();
  for (const [key, t] of tensors) {
    if (key === 'quantize.codebook_used') continue;
    renamed.set(llamagenToTaming(key, decoderLevels), t);
  }
  return { name: 'llamagen', tensors: renamed, quantizer: 'l2norm' };
}

/**
 * Throws UNSUPPORTED in one line, saying what was found, for tensors that are not a VQGAN in taming's
 * names: Emu3's tokenizer (temporal convolutions), spatially conditioned norms (MoVQ's
 * decoder), a VAE (no codebook), or keys of no known layout.
 */
export function refuseForeign(tensors: Map<string, Tensor>, name: string): void {
  const keys = [...tensors.keys()];
  const first = (re: RegExp): string | undefined => keys.find((k) => re.test(k));
  const emu3 = first(/(^|\.)time_(conv|res_stack)\./);
  const spatial = first(/\.norm[\w]*\.(norm_layer|conv_y|conv_b)\./);
  const found = emu3 !== undefined
    ? `an Emu3 vision tokenizer (${emu3}: temporal convolutions)`
    : spatial !== undefined
    ? `spatially conditioned norms (${spatial}: Kandinsky's MoVQ decoder)`
    : !tensors.has('encoder.conv_in.weight')
    ? keys.length === 0
      ? 'no tensors'
      : `keys of no known layout (${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}: ${keys.length} tensor${
        keys.length === 1 ? '' : 's'
      })`
    : !tensors.has('quantize.embedding.weight') && !tensors.has('quantize.embed.weight')
    ? 'no codebook (quantize.embedding.weight): a VAE, not a VQ model'
    : undefined;
  if (found !== undefined) throw new VqganError('UNSUPPORTED', `${name}: ${found}; supported: ${SUPPORTED_FAMILIES}`);
}

function llamagenToTaming(key: string, decoderLevels: number): string {
  return key
    .replace(/^encoder\.conv_blocks\.(\d+)\.res\./, 'encoder.down.$1.block.')
    .replace(/^encoder\.conv_blocks\.(\d+)\./, 'encoder.down.$1.')
    .replace(
      /^decoder\.conv_blocks\.(\d+)\.(res\.)?/,
      (_, k: string, res: string | undefined) =>
        `decoder.up.${decoderLevels - 1 - Number(k)}.${res === undefined ? '' : 'block.'}`,
    )
    .replace(/^(encoder|decoder)\.mid\.([012])\./, (_, side: string, i: string) => `${side}.mid.${MID[Number(i)]}.`);
}

/** The discriminator and perceptual loss (`loss.*`) only matter for training. */
function isModelKey(key: string): boolean {
  return !key.startsWith('loss.');
}

/** Prefixes under which a whole multimodal model keeps its image tokenizer (Janus: gen_vision_model.). */
const TOKENIZER_PREFIXES = ['gen_vision_model.'];

/**
 * Of a file's tensor names, the ones to read, each with the name the model knows it by:
 * inside a whole model (a key under a TOKENIZER_PREFIXES prefix), only the tokenizer's,
 * prefix removed, and nothing else is read; otherwise every model tensor (no `loss.*`).
 */
export function tokenizerKeys(keys: readonly string[]): Map<string, string> {
  const prefix = TOKENIZER_PREFIXES.find((p) => keys.some((k) => k.startsWith(p)));
  if (prefix === undefined) return new Map(keys.filter(isModelKey).map((k) => [k, k]));
  return new Map(keys.filter((k) => k.startsWith(prefix)).map((k) => [k, k.slice(prefix.length)]));
}

const DIFFUSERS_ATTENTION: Readonly<Record<string, string>> = {
  group_norm: 'norm',
  to_q: 'q',
  to_k: 'k',
  to_v: 'v',
  'to_out.0': 'proj_out',
  query: 'q',
  key: 'k',
  value: 'v',
  proj_attn: 'proj_out',
};

function fromDiffusers(tensors: Map<string, Tensor>): Map<string, Tensor> {
  const upLevels = 1
    + Math.max(...[...tensors.keys()].map((k) => Number(/^decoder\.up_blocks\.(\d+)\./.exec(k)?.[1] ?? -1)));
  const renamed = new Map<string, Tensor>();
  for (const [key, t] of tensors) {
    const attention =
      /^(.*\.(?:attentions\.\d+))\.(group_norm|to_q|to_k|to_v|to_out\.0|query|key|value|proj_attn)\.(weight|bias)$/
        .exec(key);
    let name = key;
    let tensor = t;
    if (attention !== null) {
      name = `${attention[1]}.${DIFFUSERS_ATTENTION[attention[2]!]}.${attention[3]}`;
      // Linear (C_out, C_in) → 1×1 convolution (C_out, C_in, 1, 1): the same values.
      if (attention[3] === 'weight' && t.shape.length === 2) {
        tensor = new Tensor([t.shape[0]!, t.shape[1]!, 1, 1], t.data);
      }
    }
    renamed.set(diffusersToTaming(name, upLevels), tensor);
  }
  return renamed;
}

function diffusersToTaming(key: string, upLevels: number): string {
  return key
    .replace(
      /^(encoder|decoder)\.mid_block\.resnets\.([01])\./,
      (_, side: string, j: string) => `${side}.mid.block_${Number(j) + 1}.`,
    )
    .replace(/^(encoder|decoder)\.mid_block\.attentions\.0\./, '$1.mid.attn_1.')
    .replace(/^encoder\.down_blocks\.(\d+)\./, 'encoder.down.$1.')
    .replace(/^decoder\.up_blocks\.(\d+)\./, (_, k: string) => `decoder.up.${upLevels - 1 - Number(k)}.`)
    .replace(/\.resnets\.(\d+)\./, '.block.$1.')
    .replace(/\.attentions\.(\d+)\./, '.attn.$1.')
    .replace(/\.downsamplers\.0\./, '.downsample.')
    .replace(/\.upsamplers\.0\./, '.upsample.')
    .replace(/\.conv_shortcut\./, '.nin_shortcut.')
    .replace(/^(encoder|decoder)\.conv_norm_out\./, '$1.norm_out.');
}
